"""Objections (异议) to a round under public notice, in and after the period, each answer (维持 / 调整 /
撤销) and what it does to the final list (never to the stored ranking), the answer sent to the objector and
the city, and the centre told when an objection nears its handling deadline."""

import io
import json
from datetime import date

import pytest
from pypdf import PdfWriter
from sqlmodel import select

from review_app.models import AuditEvent, Notification, RankingResult, User
from review_app.services.decision import final_list, objections, publicity
from review_app.services.decision.publicity import DecisionError
from review_app.services.platform import storage
from tests.decision_factories import approved_round
from tests.fake_servers import SmsGateway, SmtpSink

MONDAY = date(2026, 9, 28)  # the notice runs 28 September – 9 October (5 working days)


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture
def noticed(app, session):
    with app.test_request_context():
        review_round, apps, run = approved_round(session, applications=4, cutoff=2)
        publicity.start(session, review_round=review_round, by=None, starts_on=MONDAY, today=MONDAY,
                        contact="省中心 025-83350000")
    session.commit()
    return review_round, apps, run


def _receive(app, session, review_round, application, *, on: date, today: date | None = None, **fields):
    data = objections.Received(application_id=application.id, received_on=on, channel=fields.get("channel", "letter"),
                               real_name=fields.get("real_name", True), objector=fields.get("objector", "陈建国"),
                               contact=fields.get("contact", "chen@example.cn"),
                               content=fields.get("content", "成员单位共建协议签署日期有误"))
    with app.test_request_context():
        objection = objections.receive(session, review_round=review_round, data=data, files=fields.get("files", []),
                                       store=storage.store_for(app.config), by=None, today=today or on)
    session.commit()
    return objection


def _codes(session, review_round) -> list[str]:
    return [e.application.code for e in final_list.final_list(session, round_id=review_round.id)]


def test_an_objection_in_the_period_gets_a_deadline_in_working_days(app, session, noticed):
    review_round, apps, _run = noticed
    objection = _receive(app, session, review_round, apps[0], on=date(2026, 9, 30), files=[("来信.pdf", _pdf())])
    assert not objection.late
    assert objection.due_on == date(2026, 10, 20)  # 10 working days after 30 September: 8, 9, 10 (调休), 12–16, 19, 20
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "objection.receive")).one()
    details = json.loads(event.details)
    assert details["late"] is False and details["files"] == ["来信.pdf"] and details["application"] == apps[0].code


def test_an_objection_after_the_period_is_recorded_as_late(client, auth, app, session, noticed):
    review_round, apps, _run = noticed
    objection = _receive(app, session, review_round, apps[1], on=date(2026, 10, 12), real_name=False, objector="")
    assert objection.late and objection.objector == "匿名"
    auth.login("centre")
    page = client.get(f"/admin/rounds/{review_round.id}/objections/{objection.id}").text
    assert "逾期：公示期结束后收到" in page and "成员单位共建协议签署日期有误" in page


def test_objections_before_the_notice_in_the_future_or_without_content_are_refused(app, session, noticed):
    review_round, apps, _run = noticed
    for on, today, content, message in ((date(2026, 9, 25), MONDAY, "x", "公示自 2026-09-28 开始"),
                                        (date(2026, 10, 2), MONDAY, "x", "受理日期不能晚于今天"),
                                        (MONDAY, MONDAY, " ", "请填写异议内容")):
        with pytest.raises(DecisionError, match=message):
            _receive(app, session, review_round, apps[0], on=on, today=today, content=content)
        session.rollback()
    with pytest.raises(DecisionError, match="不是 PDF|PDF"):
        _receive(app, session, review_round, apps[0], on=MONDAY, files=[("x.pdf", b"<html>")])
    session.rollback()
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "objection.receive")).first() is None


def test_maintain_keeps_the_list_and_the_answer_reaches_the_objector_and_the_city(app, session, noticed):
    review_round, apps, _run = noticed
    objection = _receive(app, session, review_round, apps[0], on=MONDAY, contact="陈先生 13700001111 chen@example.cn")
    with SmtpSink() as sink, SmsGateway() as gateway, app.test_request_context():
        app.config.update(SMTP_URL=sink.url, SMS_GATEWAY_URL=gateway.url)
        objections.answer(session, objection=objection, kind="maintain", reasons="经核查，协议签署日期符合要求",
                          by=None)
        session.commit()
    assert _codes(session, review_round) == [apps[0].code, apps[1].code]
    to_objector = sink.bodies_to("chen@example.cn")[0]
    assert "维持" in to_objector and "协议签署日期符合要求" in to_objector and apps[0].code in to_objector
    assert sink.bodies_to("nj@kjj.example.cn") and not sink.bodies_to("sz@kjj.example.cn")  # 南京's application
    assert {r["to"] for r in gateway.requests} == {"13700001111", "13900000001"}
    nanjing = session.exec(select(User).where(User.username == "nj")).one()
    assert session.exec(select(Notification).where(Notification.user_id == nanjing.id,
                                                   Notification.kind == "objection_answer")).one()


def test_revoke_takes_the_application_off_the_list_but_not_out_of_the_stored_ranking(app, session, noticed):
    review_round, apps, run = noticed
    objection = _receive(app, session, review_round, apps[1], on=MONDAY)
    with app.test_request_context():
        objections.answer(session, objection=objection, kind="revoke", reasons="牵头单位存在失信记录", by=None)
    session.commit()
    assert _codes(session, review_round) == [apps[0].code]
    stored = session.exec(select(RankingResult).where(RankingResult.ranking_run_id == run.id,
                                                      RankingResult.application_id == apps[1].id)).one()
    assert stored.selected  # the run stays as it was approved
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "objection.answer")).one()
    assert json.loads(event.details)["removed"] == [apps[1].code]


def test_adjust_says_what_changes_and_can_bring_the_next_one_in(client, auth, app, session, noticed):
    review_round, apps, _run = noticed
    objection = _receive(app, session, review_round, apps[1], on=MONDAY)
    auth.login("centre")
    refused = auth.post(f"/admin/rounds/{review_round.id}/objections/{objection.id}/answer",
                        {"answer": "adjust", "reasons": "核查属实", "changes": ""}, follow_redirects=True)
    assert "请写明调整内容" in refused.text
    done = auth.post(f"/admin/rounds/{review_round.id}/objections/{objection.id}/answer",
                     {"answer": "adjust", "reasons": "核查属实，按排名递补", "changes": "移出名单，由下一名递补",
                      "removes": "y", "adds_application_id": str(apps[2].id)}, follow_redirects=True)
    assert "答复已登记" in done.text
    session.expire_all()
    assert _codes(session, review_round) == [apps[0].code, apps[2].code]
    page = client.get(f"/admin/rounds/{review_round.id}/publicity").text
    assert f"第 {objection.id} 号异议" in page.split('id="final-list"')[1]
    again = auth.post(f"/admin/rounds/{review_round.id}/objections/{objection.id}/answer",
                      {"answer": "maintain", "reasons": "再次答复"}, follow_redirects=True)
    assert "该异议已答复" in again.text


def test_an_objection_near_its_deadline_is_announced_to_the_centre_once(app, session, noticed):
    review_round, apps, _run = noticed
    objection = _receive(app, session, review_round, apps[0], on=MONDAY)
    with app.test_request_context():
        assert objections.alert_near_deadlines(session, today=MONDAY) == 0  # due 16 October, far off
        assert objections.alert_near_deadlines(session, today=date(2026, 10, 15)) == 1
        session.commit()
        assert objections.alert_near_deadlines(session, today=date(2026, 10, 16)) == 0  # once
    centre = session.exec(select(User).where(User.username == "centre")).one()
    told = session.exec(select(Notification).where(Notification.kind == "objection_due")).one()
    assert told.user_id == centre.id and objection.due_on.isoformat() in told.subject
