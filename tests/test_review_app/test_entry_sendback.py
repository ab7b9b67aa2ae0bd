"""Issue 16, send-back for correction (退回修改) and the centre's corrections at the formal check: the
centre returns an application with reasons and a deadline, the city is told, sees its R0–R14 results,
corrects and resubmits (the check runs again); the centre corrects a field or a member's data with a
reason, without moving the round; every step is audited and refused when it should be."""

from datetime import timedelta

import pytest
from sqlmodel import select

from review_app.models import (
    Application,
    ApplicationMember,
    Attachment,
    AuditEvent,
    CheckResult,
    Notification,
    RoundStage,
    SendBack,
    User,
    Verdict,
)
from review_app.models._base import utcnow
from review_app.services.assign.problem import build_pool
from review_app.services.check import runner as check_runner
from review_app.services.check import sendback
from review_app.services.check.runner import CheckError
from review_app.services.platform.localtime import to_local
from tests.intake_factories import make_city_application, make_round
from tests.test_review_app.test_city import new_application_form


@pytest.fixture
def checked(app, session):
    """A round in the formal check (the city deadline passed) with two checked applications of 南京市."""
    with app.test_request_context():
        review_round = make_round(session, stage="formal_check", deadline_days=-1)
        first = make_city_application(session, review_round, code="2026320101")
        for kind in ("application_form", "construction_plan", "agreement", "recommendation"):
            session.add(Attachment(application_id=first.id, kind=kind, filename=f"{kind}.pdf", sha256="0" * 64,
                                   size=1))
        second = make_city_application(session, review_round, code="2026320102")
        second.field = "智能网联汽车"  # not on the list: fails R13
        check_runner.run_check(session, review_round=review_round, by=None)
    session.commit()
    return review_round, first, second


def _deadline(days=3) -> str:
    return to_local(utcnow() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def _events(session, action):
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_centre_sends_back_the_city_corrects_and_resubmits(client, auth, users, session, checked):
    review_round, first, _second = checked
    auth.login("admin1")
    page = client.get(f"/admin/applications/{first.id}").text
    assert "退回修改" in page and 'name="reasons"' in page and 'name="deadline"' in page
    response = auth.post(f"/admin/applications/{first.id}/send-back",
                         {"reasons": "请补充共建协议盖章页，并更正成员单位信息。", "deadline": _deadline()})
    assert response.status_code == 302
    session.expire_all()
    application = session.get(Application, first.id)
    assert application.status == "returned"
    record = session.exec(select(SendBack)).one()
    assert record.reasons.startswith("请补充共建协议") and record.resubmitted_at is None
    [event] = _events(session, "application.send_back")
    assert event.actor == "admin1" and "请补充共建协议盖章页" in event.details
    nanjing = session.exec(select(User).where(User.username == "nanjing1")).one()
    [message] = session.exec(select(Notification).where(Notification.user_id == nanjing.id))
    assert message.kind == "send_back" and "2026320101" in message.subject and "请补充共建协议盖章页" in message.body
    suzhou = session.exec(select(User).where(User.username == "suzhou1")).one()
    assert session.exec(select(Notification).where(Notification.user_id == suzhou.id)).first() is None
    # the verdicts stay for the city to read
    assert len(session.exec(select(CheckResult).where(CheckResult.application_id == first.id)).all()) == 15

    auth.logout()
    auth.login("nanjing1")
    page = client.get(f"/city/applications/{first.id}").text
    assert "已退回修改" in page and "请补充共建协议盖章页" in page and "修改完成，重新提交省中心" in page
    assert "R13 技术领域在列表内" in page and "R10 成员单位独立法人声明" in page  # its R0–R14 results
    assert "退回修改" in client.get("/city/").text
    form = client.get(f"/city/applications/{first.id}/edit")
    assert form.status_code == 200 and "保存草稿" in form.text  # it opens though the city deadline passed
    edit = new_application_form(title="江苏省车规级芯片创新联合体（修改稿）", field="集成电路")
    assert auth.post(f"/city/applications/{first.id}/edit", edit).status_code == 302
    session.expire_all()
    assert session.get(Application, first.id).title == "江苏省车规级芯片创新联合体（修改稿）"
    runs_before = len(_events(session, "check.run"))
    response = auth.post(f"/city/applications/{first.id}/resubmit", follow_redirects=True)
    assert "已重新提交省中心，形式审查已重新运行" in response.text
    session.expire_all()
    assert session.get(Application, first.id).status == "submitted"
    assert session.exec(select(SendBack)).one().resubmitted_at is not None
    assert len(_events(session, "application.resubmit")) == 1
    assert len(_events(session, "check.run")) == runs_before + 1  # the automatic re-check
    assert check_runner.is_current(session, review_round=session.get(type(review_round), review_round.id))
    # locked again
    auth.post(f"/city/applications/{first.id}/edit", {**edit, "title": "再改一次"}, follow_redirects=True)
    session.expire_all()
    assert session.get(Application, first.id).title == "江苏省车规级芯片创新联合体（修改稿）"


def test_after_the_correction_deadline_the_city_cannot_change_or_resubmit(app, session, checked):
    review_round, first, _second = checked
    with app.test_request_context():
        sendback.send_back(session, application_id=first.id, reasons="补充材料", deadline=utcnow() + timedelta(hours=1),
                           by=None)
        session.exec(select(SendBack)).one().deadline = utcnow() - timedelta(minutes=1)
        session.flush()
        with pytest.raises(CheckError, match="修改截止时间已过"):
            sendback.resubmit(session, application=first, by=None)


def test_send_back_is_refused_when_it_should_be(app, session, checked):
    review_round, first, _second = checked
    later = utcnow() + timedelta(days=1)
    with app.test_request_context():
        with pytest.raises(CheckError, match="请填写需修改的内容"):
            sendback.send_back(session, application_id=first.id, reasons="改", deadline=later, by=None)
        with pytest.raises(CheckError, match="必须晚于当前时间"):
            sendback.send_back(session, application_id=first.id, reasons="补充材料", deadline=utcnow(), by=None)
        draft = make_city_application(session, review_round, code="2026320103", status="draft")
        with pytest.raises(CheckError, match="只有已提交的申报"):
            sendback.send_back(session, application_id=draft.id, reasons="补充材料", deadline=later, by=None)
        review_round.stage = RoundStage.ASSIGNMENT
        with pytest.raises(CheckError, match="仅在设区市报送和形式审查阶段"):
            sendback.send_back(session, application_id=first.id, reasons="补充材料", deadline=later, by=None)
    assert session.get(Application, first.id).status == "submitted"


def test_a_returned_application_keeps_its_quota_place_and_stays_out_of_the_assignment(app, session, checked):
    review_round, first, _second = checked
    with app.test_request_context():
        sendback.send_back(session, application_id=first.id, reasons="补充材料", deadline=utcnow() + timedelta(days=2),
                           by=None)
        check_runner.run_check(session, review_round=review_round, by=None)
    rows = check_runner.table(session, round_id=review_round.id, rule="R1")
    assert {r.application.code: r.result.message for r in rows}["2026320101"] == "南京市推荐 2 项，限额 5 项。"
    pool = build_pool(session, review_round, with_text=False)
    assert "2026320101" not in pool.applications


def test_the_centre_corrects_the_field_with_a_reason_without_moving_the_round(client, auth, users, session, checked):
    review_round, _first, second = checked
    r13 = {r.application.id: r.effective for r in check_runner.table(session, round_id=review_round.id, rule="R13")}
    assert r13[second.id] == Verdict.FAIL
    auth.login("admin1")
    page = client.get(f"/admin/applications/{second.id}").text
    assert "更正技术领域" in page and '<option value="新能源汽车">' in page
    response = auth.post(f"/admin/applications/{second.id}/correct-field", {"field": "新能源汽车", "reason": ""},
                         follow_redirects=True)
    assert "请从列表中选择技术领域，并填写更正理由" in response.text
    response = auth.post(f"/admin/applications/{second.id}/correct-field",
                         {"field": "新能源汽车", "reason": "申报书所述方向属新能源汽车领域"}, follow_redirects=True)
    assert "技术领域已更正，形式审查已重新运行" in response.text
    session.expire_all()
    application = session.get(Application, second.id)
    assert application.field == "新能源汽车" and application.status == "submitted"
    assert session.get(type(review_round), review_round.id).stage == RoundStage.FORMAL_CHECK
    [event] = _events(session, "application.correct")
    assert "智能网联汽车" in event.details and "新能源汽车" in event.details and "申报书所述方向" in event.details
    r13 = [r for r in check_runner.table(session, round_id=review_round.id, rule="R13")
           if r.application.id == second.id][0]
    assert r13.effective == Verdict.PASS


def test_the_centre_corrects_a_members_data(client, auth, users, session, checked):
    _review_round, first, _second = checked
    member = session.exec(select(ApplicationMember).where(ApplicationMember.application_id == first.id)).first()
    member.is_legal_person = None
    session.commit()
    auth.login("admin1")
    page = client.get(f"/admin/members/{member.id}/correct").text
    assert 'name="is_legal_person"' in page and member.name in page
    form = {"name": member.name, "unit_type": member.unit_type, "is_legal_person": "是",
            "qualification": "", "credit_standing": "良好", "reason": "据营业执照核实为独立法人"}
    assert auth.post(f"/admin/members/{member.id}/correct", form).status_code == 302
    session.expire_all()
    assert session.get(ApplicationMember, member.id).is_legal_person is True
    [event] = _events(session, "application.correct")
    assert "据营业执照核实为独立法人" in event.details and "is_legal_person" in event.details
    response = auth.post(f"/admin/members/{member.id}/correct", form)
    assert "没有任何改动" in response.text


def test_cities_and_the_auditor_cannot_send_back_or_correct(client, auth, users, session, checked):
    _review_round, first, _second = checked
    for username in ("nanjing1", "auditor1"):
        auth.login(username)
        response = auth.post(f"/admin/applications/{first.id}/send-back",
                             {"reasons": "补充材料补充材料", "deadline": _deadline()})
        assert response.status_code == 403
        response = auth.post(f"/admin/applications/{first.id}/correct-field",
                             {"field": "新能源汽车", "reason": "理由理由理由"})
        assert response.status_code == 403
        auth.logout()
    session.expire_all()
    assert session.get(Application, first.id).status == "submitted"
