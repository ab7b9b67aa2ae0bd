"""The score sheet a senior professor finds easy (issue 21): materials by kind with true sizes, one zip,
numbers read the same way as the page's script reads them, bands as people say them, questions before
a doubtful submission, the expert's own sheets side by side, next/previous, and a print view."""

import io
import json
import zipfile
from decimal import Decimal

from sqlmodel import select

from review_app.models import Attachment, AttachmentKind, AuditEvent, ScoreItem, ScoreSheet, SheetStatus
from review_app.services.platform import storage
from review_app.services.rounds import descriptors_for
from tests.test_review_app.test_review import COMMENT, full_points, ready, save, version


def _attach(app, session, application, kind, data: bytes, filename: str) -> Attachment:
    digest = storage.store_for(app.config).put(data)
    attachment = Attachment(application_id=application.id, kind=kind, filename=filename, sha256=digest, size=len(data))
    session.add(attachment)
    session.commit()
    return attachment


def _actions(session, name):
    return session.exec(select(AuditEvent).where(AuditEvent.action == name)).all()


def test_full_width_digits_are_read_as_the_page_reads_them_and_the_total_is_theirs(auth, session, world):
    ready(auth, world)
    first, second = world.criteria[0], world.criteria[1]
    response = save(auth, session, world.mine, {f"points_{first.id}": "１８", f"points_{second.id}": "８．５"})
    assert response.status_code == 302
    session.expire_all()
    points = {i.criterion_id: i.points for i in session.exec(select(ScoreItem))}
    assert points == {first.id: Decimal("18"), second.id: Decimal("8.5")}
    sheet = session.get(ScoreSheet, world.mine.id)
    assert sheet.total == Decimal("26.5")
    page = auth.client.get(f"/expert/sheets/{world.mine.id}").text
    assert '<output id="sheet-total">26.5</output>' in page
    assert 'data-saved="18"' in page and 'data-saved="8.5"' in page  # what the script counts for a refused entry


def test_materials_are_listed_by_kind_with_true_sizes_and_the_zip_holds_them_all(app, client, auth, session, world):
    small = _attach(app, session, world.apps[0], AttachmentKind.CONSTRUCTION_PLAN, b"%PDF-1.4 " + b"x" * 605, "b.pdf")
    big = _attach(app, session, world.apps[0], AttachmentKind.APPLICATION_FORM, b"%PDF-1.4 " + b"y" * 48_000, "a.pdf")
    ready(auth, world)
    page = client.get(f"/expert/sheets/{world.mine.id}").text
    # In the round's order (申请书 before 建设方案), by kind, with sizes that are true.
    assert page.index(">申请书</a>") < page.index(">建设方案</a>")
    assert "0.6 KB" in page and "46.9 KB" in page and "1 KB" not in page.replace("46.9 KB", "")
    assert "共建协议 <span class=\"muted\">未上传</span>" in page  # a missing document says so
    assert f'data-src="/expert/sheets/{world.mine.id}/files/{big.id}"' in page  # the reader opens the 申请书

    response = client.get(f"/expert/sheets/{world.mine.id}/materials.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert archive.namelist() == ["1-a.pdf", "2-b.pdf"]
        assert archive.read("2-b.pdf") == storage.store_for(app.config).path(small.sha256).read_bytes()
    event = json.loads(_actions(session, "attachment.bundle")[-1].details)
    assert event["files"] == ["1-a.pdf", "2-b.pdf"] and event["code"] == world.apps[0].code
    # A single document is audited too.
    with client.get(f"/expert/sheets/{world.mine.id}/files/{small.id}") as single:
        assert single.status_code == 200
    assert json.loads(_actions(session, "attachment.read")[-1].details)["kind"] == "construction_plan"


def test_the_zip_is_refused_before_the_declaration_and_to_another_expert(app, client, auth, session, world):
    _attach(app, session, world.apps[0], AttachmentKind.APPLICATION_FORM, b"%PDF-1.4 z", "a.pdf")
    auth.login("expert1")
    auth.post(f"/expert/rounds/{world.round.id}/pledge", {"accept": "y"})
    assert client.get(f"/expert/sheets/{world.mine.id}/materials.zip").status_code == 404  # not declared yet
    assert client.get(f"/expert/sheets/{world.theirs.id}/materials.zip").status_code == 404  # not mine
    assert _actions(session, "attachment.bundle") == []


def test_bands_read_as_ranges_people_say():
    assert descriptors_for(15).splitlines() == ["优：13–15 分", "良：10–12 分", "中：9 分", "差：0–8 分"]
    assert "–" not in descriptors_for(10).splitlines()[1]  # 良：7 分


def test_a_contradicting_recommendation_or_identical_scores_raise_a_question_not_a_block(
    client, auth, session, world
):
    ready(auth, world)
    top = {f"points_{c.id}": str(c.max_points) for c in world.criteria}
    save(auth, session, world.mine, {**top, "comment": COMMENT, "recommend": "no"})
    page = client.get(f"/expert/sheets/{world.mine.id}/confirm").text
    assert "您选择了“不推荐”，但总分为 100 分" in page
    assert "各项指标的得分完全相同（或得分率相同）" in page
    assert 'data-confirm="' in page  # the button asks once more
    submitted = auth.post(f"/expert/sheets/{world.mine.id}/submit", {"version": version(session, world.mine)})
    assert submitted.status_code == 302
    session.expire_all()
    assert session.get(ScoreSheet, world.mine.id).status == SheetStatus.SUBMITTED  # a question, not a block

    ready(auth, world, world.mine2)
    save(auth, session, world.mine2, {**full_points(world), "comment": COMMENT, "recommend": "yes"})
    assert "请再确认" not in client.get(f"/expert/sheets/{world.mine2.id}/confirm").text


def test_my_sheets_side_by_side_with_drafts_marked_and_next_previous(client, auth, session, world):
    ready(auth, world)
    first = world.criteria[0]
    save(auth, session, world.mine, {**full_points(world), "comment": COMMENT, "recommend": "yes"})
    auth.post(f"/expert/sheets/{world.mine.id}/submit", {"version": version(session, world.mine)})
    ready(auth, world, world.mine2)
    save(auth, session, world.mine2, {f"points_{first.id}": "11.5"})
    # The other expert's points never show.
    other = ScoreItem(sheet_id=world.theirs.id, criterion_id=first.id, points=Decimal("3.25"))
    session.add(other)
    session.commit()

    page = client.get(f"/expert/rounds/{world.round.id}/overview").text
    assert world.apps[0].code in page and world.apps[1].code in page
    assert "11.5" in page and f">{first.max_points - 2}<" in page and "3.25" not in page
    assert page.count("（草稿）") == 1  # the draft's total is marked, the submitted one is not
    dashboard = client.get("/expert/").text
    assert "11.5 <span class=\"draft-mark\">（草稿）</span>" in dashboard
    assert client.get("/expert/rounds/999/overview").status_code == 404

    sheet_one = client.get(f"/expert/sheets/{world.mine.id}").text
    assert f'href="/expert/sheets/{world.mine2.id}" rel="next"' in sheet_one and 'rel="prev"' not in sheet_one
    sheet_two = client.get(f"/expert/sheets/{world.mine2.id}").text
    assert f'href="/expert/sheets/{world.mine.id}" rel="prev"' in sheet_two and 'rel="next"' not in sheet_two


def test_the_print_view_shows_the_saved_sheet_with_a_signature_line(client, auth, session, world):
    ready(auth, world)
    first = world.criteria[0]
    save(auth, session, world.mine, {f"points_{first.id}": "12.5", "comment": COMMENT})
    page = client.get(f"/expert/sheets/{world.mine.id}/print").text
    assert "专家评分表" in page and "专家签字" in page and "12.5" in page and COMMENT in page
    assert "提交前不是最终结果" in page  # a draft says so
    assert client.get(f"/expert/sheets/{world.theirs.id}/print").status_code == 404


def test_a_stale_autosave_tells_the_newer_version(auth, session, world):
    ready(auth, world)
    first = world.criteria[0]
    v = version(session, world.mine)
    auth.post(f"/expert/sheets/{world.mine.id}/autosave", {"version": v, f"points_{first.id}": "9"})
    stale = auth.post(f"/expert/sheets/{world.mine.id}/autosave", {"version": v, f"points_{first.id}": "1"})
    assert stale.status_code == 409 and stale.json["version"] == v + 1
    kept = auth.post(f"/expert/sheets/{world.mine.id}/autosave", {"version": v + 1, f"points_{first.id}": "1"})
    assert kept.json["status"] == "saved" and kept.json["total"] == "1"  # overwriting is then an ordinary save
