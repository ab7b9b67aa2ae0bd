"""The expert's scoring workspace: pledge, declaration, drafts, submission, lock, reopen, deadline, privacy."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from review_app.models import (
    Assignment,
    AssignmentState,
    Attachment,
    AttachmentKind,
    AuditEvent,
    Conflict,
    ConflictSource,
    Notification,
    PledgeAcceptance,
    ScoreItem,
    ScoreSheet,
    SheetStatus,
)
from review_app.models._base import utcnow
from review_app.services.platform import storage

COMMENT = "该联合体牵头单位实力雄厚，攻关任务明确，技术路线可行，共建协议完备，建议支持。"


def full_points(world, **override) -> dict:
    data = {f"points_{c.id}": str(c.max_points - 2) for c in world.criteria}
    data.update(override)
    return data


def ready(auth, world, sheet=None):
    """Log in as expert1, accept the pledge and declare no conflict on the sheet."""
    sheet = sheet or world.mine
    auth.login("expert1")
    assert auth.post(f"/expert/rounds/{world.round.id}/pledge", {"accept": "y"}).status_code == 302
    assert auth.post(f"/expert/sheets/{sheet.id}/declare", {"declaration": "none"}).status_code == 302


def version(session, sheet) -> int:
    session.expire_all()
    return session.get(ScoreSheet, sheet.id).version


def save(auth, session, sheet, data, action="save", **kwargs):
    body = {"version": version(session, sheet), action: "1", **data}
    return auth.post(f"/expert/sheets/{sheet.id}", body, **kwargs)


def actions(session, name):
    return session.exec(select(AuditEvent).where(AuditEvent.action == name)).all()


# Pledge and declaration ----------------------------------------------------------------------------


def test_the_pledge_comes_before_the_first_sheet_and_is_recorded_with_its_time(client, auth, session, world):
    auth.login("expert1")
    response = client.get(f"/expert/sheets/{world.mine.id}")
    assert response.status_code == 302 and f"/expert/rounds/{world.round.id}/pledge" in response.location
    page = client.get(response.location).text
    assert "本人承诺" in page
    refused = auth.post(f"/expert/rounds/{world.round.id}/pledge", {}, follow_redirects=True)
    assert "请勾选" in refused.text
    assert session.exec(select(PledgeAcceptance)).all() == []
    auth.post(f"/expert/rounds/{world.round.id}/pledge", {"accept": "y"})
    auth.post(f"/expert/rounds/{world.round.id}/pledge", {"accept": "y"})  # twice: one record
    pledges = session.exec(select(PledgeAcceptance)).all()
    assert len(pledges) == 1 and pledges[0].accepted_at is not None
    assert len(actions(session, "pledge.accept")) == 1


def test_opening_an_application_asks_for_the_declaration_first(client, auth, session, world):
    auth.login("expert1")
    auth.post(f"/expert/rounds/{world.round.id}/pledge", {"accept": "y"})
    page = client.get(f"/expert/sheets/{world.mine.id}").text
    assert "利益冲突声明" in page and "无利益冲突" in page and "申请回避" in page
    assert "points_" not in page  # no score sheet before the declaration
    auth.post(f"/expert/sheets/{world.mine.id}/declare", {"declaration": "none"})
    page = client.get(f"/expert/sheets/{world.mine.id}").text
    for criterion in world.criteria:
        assert criterion.title in page
    assert "优：" in page  # level descriptors are shown
    assert actions(session, "sheet.declare_none")


def test_a_declared_conflict_withdraws_the_expert_and_lists_the_application_for_replacement(
    client, auth, session, world
):
    auth.login("expert1")
    auth.post(f"/expert/rounds/{world.round.id}/pledge", {"accept": "y"})
    refused = auth.post(f"/expert/sheets/{world.mine.id}/declare", {"declaration": "conflict"}, follow_redirects=True)
    assert "请说明" in refused.text
    response = auth.post(
        f"/expert/sheets/{world.mine.id}/declare",
        {"declaration": "conflict", "reason": "近三年与牵头单位有合作项目"},
        follow_redirects=True,
    )
    assert "已申请回避" in response.text
    session.expire_all()
    sheet = session.get(ScoreSheet, world.mine.id)
    assert session.get(Assignment, sheet.assignment_id).state == AssignmentState.RECUSED
    conflict = session.exec(select(Conflict).where(Conflict.expert_id == sheet.expert_id)).one()
    assert (conflict.application_id, conflict.source) == (world.apps[0].id, ConflictSource.DECLARED)
    assert actions(session, "sheet.declare_conflict")
    # The application is closed to the expert: the sheet, what it says and its PDFs (issue 15).
    assert save(auth, session, world.mine, full_points(world)).status_code == 404
    assert client.get(f"/expert/sheets/{world.mine.id}").status_code == 404
    auth.logout()
    auth.login("admin1")
    replacement = client.get(f"/admin/rounds/{world.round.id}/sheets?status=recused").text
    assert world.apps[0].code in replacement and "近三年与牵头单位有合作项目" in replacement


# Ownership and privacy ----------------------------------------------------------------------------


def test_another_experts_sheet_is_not_found_by_get_or_post(client, auth, session, world):
    ready(auth, world)
    theirs = world.theirs.id
    for url in [f"/expert/sheets/{theirs}", f"/expert/sheets/{theirs}/confirm"]:
        assert client.get(url).status_code == 404, url
    for url, data in [
        (f"/expert/sheets/{theirs}", {"version": 0, "save": "1", **full_points(world)}),
        (f"/expert/sheets/{theirs}/autosave", {"version": 0, **full_points(world)}),
        (f"/expert/sheets/{theirs}/declare", {"declaration": "none"}),
        (f"/expert/sheets/{theirs}/submit", {"version": 0}),
        ("/expert/sheets/999999", {"version": 0, "save": "1"}),
    ]:
        assert auth.post(url, data).status_code == 404, url
    session.expire_all()
    untouched = session.get(ScoreSheet, theirs)
    assert (untouched.status, untouched.declaration, untouched.version) == (SheetStatus.UNTOUCHED, None, 0)


def test_an_application_not_assigned_is_not_reachable_through_its_files(app, client, auth, session, world):
    other_app = world.apps[1]
    data = b"%PDF-1.4 test"
    digest = storage.store_for(app.config).put(data)
    session.add(
        Attachment(
            application_id=other_app.id,
            kind=AttachmentKind.APPLICATION_FORM,
            filename="申请书.pdf",
            sha256=digest,
            size=len(data),
        )
    )
    session.commit()
    attachment_id = session.exec(select(Attachment)).one().id
    ready(auth, world)
    # Through my sheet of application 1, the file of application 2 does not exist.
    assert client.get(f"/expert/sheets/{world.mine.id}/files/{attachment_id}").status_code == 404
    # Another expert's pledge page for a round without work is not found either.
    assert client.get("/expert/rounds/999/pledge").status_code == 404


def test_the_pdf_opens_in_the_browser_after_the_declaration(app, client, auth, session, world):
    data = b"%PDF-1.4 minimal"
    digest = storage.store_for(app.config).put(data)
    session.add(
        Attachment(
            application_id=world.apps[0].id,
            kind=AttachmentKind.CONSTRUCTION_PLAN,
            filename="建设方案.pdf",
            sha256=digest,
            size=len(data),
        )
    )
    session.commit()
    attachment_id = session.exec(select(Attachment)).one().id
    auth.login("expert1")
    auth.post(f"/expert/rounds/{world.round.id}/pledge", {"accept": "y"})
    url = f"/expert/sheets/{world.mine.id}/files/{attachment_id}"
    assert client.get(url).status_code == 404  # not before the declaration
    auth.post(f"/expert/sheets/{world.mine.id}/declare", {"declaration": "none"})
    page = client.get(f"/expert/sheets/{world.mine.id}").text
    assert f'href="{url}"' in page and ">建设方案</a>" in page  # listed by its kind
    with client.get(url) as response:
        assert response.status_code == 200 and response.data == data
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("inline")
        assert "UTF-8''" in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_experts_never_see_other_experts_names_or_scores(client, auth, session, world):
    # expert2 scores first, with a distinctive comment.
    auth.login("expert2")
    auth.post(f"/expert/rounds/{world.round.id}/pledge", {"accept": "y"})
    auth.post(f"/expert/sheets/{world.theirs.id}/declare", {"declaration": "none"})
    secret = "李娜的独家评审意见内容，非常具体的技术判断与建议，仅供本人可见。"
    save(auth, session, world.theirs, {**full_points(world), "comment": secret, "recommend": "yes"})
    auth.logout()
    ready(auth, world)
    for url in ["/expert/", f"/expert/sheets/{world.mine.id}"]:
        page = client.get(url).text
        assert "李娜" not in page and "E9002" not in page and secret not in page, url


# Drafts, refusals, stale versions ------------------------------------------------------------------


def test_points_above_the_maximum_are_refused_with_a_clear_message_and_the_rest_of_the_draft_kept(
    client, auth, session, world
):
    ready(auth, world)
    first, second = world.criteria[0], world.criteria[1]
    save(auth, session, world.mine, {f"points_{first.id}": "15"})
    response = save(
        auth,
        session,
        world.mine,
        {f"points_{first.id}": "25", f"points_{second.id}": "12.5", "comment": "初稿", "recommend": "yes"},
    )
    assert response.status_code == 200
    assert f"{first.title}：25 超出 0–{first.max_points} 分" in response.text
    assert 'value="25"' in response.text  # the typed value stays in the form
    session.expire_all()
    points = {i.criterion_id: i.points for i in session.exec(select(ScoreItem))}
    assert points == {first.id: Decimal("15.00"), second.id: Decimal("12.50")}  # nothing lost, nothing wrong stored
    sheet = session.get(ScoreSheet, world.mine.id)
    assert (sheet.status, sheet.comment, sheet.recommend, sheet.total) == (
        SheetStatus.DRAFT,
        "初稿",
        True,
        Decimal("27.50"),
    )
    reload = client.get(f"/expert/sheets/{world.mine.id}").text
    assert 'value="15"' in reload and 'value="12.5"' in reload  # as typed: no trailing zeros


@pytest.mark.parametrize("bad", ["abc", "-1", "3.333", "1e1", "+5", "٨", "0x1", "1 0"])
def test_unreadable_points_are_refused(auth, session, world, bad):
    ready(auth, world)
    criterion = world.criteria[0]
    response = save(auth, session, world.mine, {f"points_{criterion.id}": bad})
    assert criterion.title in response.text and "未保存" in response.text
    assert session.exec(select(ScoreItem)).all() == []


def test_a_missing_or_short_comment_refuses_submission_and_keeps_the_draft(client, auth, session, world):
    ready(auth, world)
    response = save(auth, session, world.mine, {**full_points(world), "recommend": "no"}, action="review")
    assert response.status_code == 200 and "还不能提交" in response.text and "至少 30 个字" in response.text
    response = save(
        auth, session, world.mine, {**full_points(world), "recommend": "no", "comment": "太短"}, action="review"
    )
    assert "至少 30 个字" in response.text and "太短" in response.text
    session.expire_all()
    sheet = session.get(ScoreSheet, world.mine.id)
    assert sheet.status == SheetStatus.DRAFT and sheet.comment == "太短" and sheet.recommend is False
    assert len(session.exec(select(ScoreItem)).all()) == len(world.criteria)
    # Going straight to the submit URL is refused as well.
    refused = auth.post(f"/expert/sheets/{world.mine.id}/submit", {"version": sheet.version}, follow_redirects=True)
    assert "还不能提交" in refused.text
    session.expire_all()
    assert session.get(ScoreSheet, world.mine.id).status == SheetStatus.DRAFT


def test_a_stale_tab_cannot_overwrite_a_newer_draft(client, auth, session, world):
    ready(auth, world)
    first = world.criteria[0]
    old_version = version(session, world.mine)
    auth.post(
        f"/expert/sheets/{world.mine.id}",
        {"version": old_version, "save": "1", f"points_{first.id}": "18", "comment": "第二个窗口写的"},
    )
    # The first tab still holds the old version.
    response = auth.post(
        f"/expert/sheets/{world.mine.id}",
        {"version": old_version, "save": "1", f"points_{first.id}": "3", "comment": "旧窗口"},
    )
    assert "其他窗口" in response.text
    assert "旧窗口" in response.text  # the refused entries are shown, not dropped
    assert 'value="18"' in response.text  # and the latest saved draft is in the form
    session.expire_all()
    sheet = session.get(ScoreSheet, world.mine.id)
    assert sheet.comment == "第二个窗口写的"
    assert session.exec(select(ScoreItem)).one().points == Decimal("18.00")


def test_autosave_answers_json_and_refuses_a_stale_version(client, auth, session, world):
    ready(auth, world)
    first = world.criteria[0]
    v = version(session, world.mine)
    saved = auth.post(f"/expert/sheets/{world.mine.id}/autosave", {"version": v, f"points_{first.id}": "9"})
    assert saved.status_code == 200 and saved.json["status"] == "saved" and saved.json["version"] == v + 1
    bad = auth.post(f"/expert/sheets/{world.mine.id}/autosave", {"version": v + 1, f"points_{first.id}": "99"})
    assert bad.status_code == 200 and f"points_{first.id}" in bad.json["errors"]
    stale = auth.post(f"/expert/sheets/{world.mine.id}/autosave", {"version": v, f"points_{first.id}": "1"})
    assert stale.status_code == 409 and stale.json["status"] == "stale" and "重新加载" in stale.json["message"]
    session.expire_all()
    assert session.exec(select(ScoreItem)).one().points == Decimal("9.00")


# Submission, lock, reopen, deadline -----------------------------------------------------------------


def submit_ready(auth, session, world, sheet=None):
    sheet = sheet or world.mine
    response = save(
        auth, session, sheet, {**full_points(world), "comment": COMMENT, "recommend": "yes"}, action="review"
    )
    assert response.status_code == 302 and response.location.endswith(f"/expert/sheets/{sheet.id}/confirm")
    return response


def test_submit_confirms_then_locks_and_a_double_submit_records_one_submission(client, auth, session, world):
    ready(auth, world)
    submit_ready(auth, session, world)
    confirm = client.get(f"/expert/sheets/{world.mine.id}/confirm").text
    assert "确认提交" in confirm and COMMENT in confirm
    v = version(session, world.mine)
    first = auth.post(f"/expert/sheets/{world.mine.id}/submit", {"version": v}, follow_redirects=True)
    assert "已提交并锁定" in first.text
    second = auth.post(f"/expert/sheets/{world.mine.id}/submit", {"version": v}, follow_redirects=True)
    assert "已经提交过" in second.text
    assert len(actions(session, "sheet.submit")) == 1
    session.expire_all()
    sheet = session.get(ScoreSheet, world.mine.id)
    expected = sum(Decimal(c.max_points - 2) for c in world.criteria)
    assert (sheet.status, sheet.total) == (SheetStatus.SUBMITTED, expected)
    # Locked: a save is refused, the typed values are shown as not saved, nothing changes.
    locked = save(auth, session, world.mine, {**full_points(world), "comment": "想改一下"}, follow_redirects=True)
    assert "已锁定" in locked.text and "想改一下" in locked.text
    assert "points_" not in client.get(f"/expert/sheets/{world.mine.id}").text  # no inputs any more
    session.expire_all()
    assert session.get(ScoreSheet, world.mine.id).comment == COMMENT


def test_the_admin_reopens_a_sheet_with_a_reason_and_the_expert_is_told(client, auth, session, world, users):
    ready(auth, world)
    submit_ready(auth, session, world)
    auth.post(f"/expert/sheets/{world.mine.id}/submit", {"version": version(session, world.mine)})
    auth.logout()
    auth.login("auditor1")
    assert auth.post(f"/admin/sheets/{world.mine.id}/reopen", {"reason": "x"}).status_code == 403
    auth.logout()
    auth.login("admin1")
    assert "重新开放" in client.get(f"/admin/rounds/{world.round.id}/sheets?status=submitted").text
    refused = auth.post(f"/admin/sheets/{world.mine.id}/reopen", {"reason": ""})
    assert refused.status_code == 200
    response = auth.post(
        f"/admin/sheets/{world.mine.id}/reopen", {"reason": "第三项分数与意见不一致，请核对"}, follow_redirects=True
    )
    assert "已重新开放" in response.text
    session.expire_all()
    sheet = session.get(ScoreSheet, world.mine.id)
    assert sheet.status == SheetStatus.DRAFT and sheet.reopened_reason == "第三项分数与意见不一致，请核对"
    event = actions(session, "sheet.reopen")[0]
    assert "第三项分数与意见不一致" in event.details and event.actor == "admin1"
    note = session.exec(select(Notification).where(Notification.kind == "reopened")).one()
    assert note.user_id == users["expert"].id and "第三项分数与意见不一致" in note.body
    auth.logout()
    auth.login("expert1")
    dashboard = client.get("/expert/").text
    assert "已被重新开放" in dashboard and "第三项分数与意见不一致" in dashboard
    # The expert can change it and submit again.
    submit_ready(auth, session, world)
    auth.post(f"/expert/sheets/{world.mine.id}/submit", {"version": version(session, world.mine)})
    session.expire_all()
    assert session.get(ScoreSheet, world.mine.id).status == SheetStatus.SUBMITTED
    assert len(actions(session, "sheet.submit")) == 2


def test_after_the_deadline_nothing_changes_until_the_admin_extends_it(client, auth, session, world):
    ready(auth, world)
    first = world.criteria[0]
    save(auth, session, world.mine, {f"points_{first.id}": "10"})
    world.round.scoring_deadline = utcnow() - timedelta(minutes=1)
    session.add(world.round)
    session.commit()
    response = save(auth, session, world.mine, {f"points_{first.id}": "12"})
    assert "截止时间" in response.text and "已过" in response.text
    autosave = auth.post(
        f"/expert/sheets/{world.mine.id}/autosave",
        {"version": version(session, world.mine), f"points_{first.id}": "13"},
    )
    assert autosave.status_code == 423
    session.expire_all()
    assert session.exec(select(ScoreItem)).one().points == Decimal("10.00")
    auth.logout()
    auth.login("admin1")
    past = auth.post(
        f"/admin/rounds/{world.round.id}/deadline", {"deadline": "2020-01-01T10:00"}, follow_redirects=True
    )
    assert "必须晚于现在" in past.text
    later = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    extended = auth.post(f"/admin/rounds/{world.round.id}/deadline", {"deadline": later}, follow_redirects=True)
    assert "已延长" in extended.text
    assert actions(session, "round.extend_scoring_deadline")
    assert session.exec(select(Notification).where(Notification.kind == "deadline")).all()
    auth.logout()
    auth.login("expert1")
    save(auth, session, world.mine, {f"points_{first.id}": "12"})
    session.expire_all()
    assert session.exec(select(ScoreItem)).one().points == Decimal("12.00")


def test_the_dashboard_lists_the_experts_own_applications_with_deadline_and_progress(client, auth, world):
    auth.login("expert1")
    page = client.get("/expert/").text
    assert world.apps[0].code in page and world.apps[1].code in page
    assert "评审承诺书" in page and "已提交 0 / 2" in page and "评审截止时间" in page
