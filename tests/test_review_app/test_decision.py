"""The final decision: refused during the period and with an objection open; then it records the 文号, the
date and the final list as decided, founds the consortia of a new-consortium round, tells the cities,
exports the list (PDF, Excel) and locks the round for good."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select

from review_app.models import Consortium, DecisionEntry, Notification, RoundStage, User
from review_app.services import rounds
from review_app.services.decision import decision, objections, publicity
from review_app.services.decision.publicity import DecisionError
from review_app.services.platform import storage
from review_app.services.results import approval
from tests.decision_factories import approved_round

MONDAY = date(2026, 9, 28)
AFTER = date(2026, 10, 12)  # the first working day after the notice (28 September – 9 October)
NUMBER = "苏科高发〔2026〕88号"


@pytest.fixture
def noticed(app, session):
    with app.test_request_context():
        review_round, apps, _run = approved_round(session, applications=4, cutoff=2)
        publicity.start(session, review_round=review_round, by=None, starts_on=MONDAY, today=MONDAY, contact="省中心")
    session.commit()
    return review_round, apps


def _objection(app, session, review_round, application, on=MONDAY):
    data = objections.Received(application_id=application.id, received_on=on, channel="email", real_name=True,
                               objector="王某", contact="", content="异议内容")
    with app.test_request_context():
        return objections.receive(session, review_round=review_round, data=data, files=[],
                                  store=storage.store_for(app.config), by=None, today=on)


def test_no_decision_during_the_period_or_with_an_objection_open(app, session, noticed):
    review_round, apps = noticed
    objection = _objection(app, session, review_round, apps[0])
    with app.test_request_context():
        assert decision.blockers(session, review_round=review_round, today=date(2026, 10, 9)) == [
            "公示期至 2026-10-09 结束，最终决定须在其后作出。", f"请先答复全部异议（未答复：{objection.id}）。"]
        with pytest.raises(DecisionError, match="请先答复全部异议"):
            decision.record(session, review_round=review_round, document_no=NUMBER, decided_on=AFTER, by=None,
                            today=AFTER)
        with pytest.raises(DecisionError, match="决定日期须在公示期"):
            objections.answer(session, objection=objection, kind="maintain", reasons="经核查无误", by=None)
            decision.record(session, review_round=review_round, document_no=NUMBER, decided_on=date(2026, 10, 9),
                            by=None, today=AFTER)
    assert review_round.stage == RoundStage.PUBLISHED


def test_the_decision_records_the_list_founds_the_consortia_and_tells_the_cities(app, session, noticed):
    review_round, apps = noticed
    objection = _objection(app, session, review_round, apps[1])
    with app.test_request_context():
        objections.answer(session, objection=objection, kind="adjust", reasons="核查属实", changes="由第三名递补",
                          removes=True, adds_application_id=apps[2].id, by=None)
        recorded = decision.record(session, review_round=review_round, document_no=NUMBER, decided_on=AFTER, by=None,
                                   today=AFTER)
    session.commit()
    assert review_round.stage == RoundStage.DECIDED
    entries = session.exec(select(DecisionEntry).where(DecisionEntry.decision_id == recorded.id)
                           .order_by(DecisionEntry.position)).all()
    assert [e.code for e in entries] == [apps[0].code, apps[2].code]
    assert entries[1].source == f"第 {objection.id} 号异议" and entries[0].city == "南京市"
    founded = session.exec(select(Consortium).order_by(Consortium.id)).all()
    assert [(c.name, c.city_id, c.lead_org_id, c.field, c.established_year) for c in founded] == [
        (a.title, a.city_id, a.lead_org_id, a.field, 2026) for a in (apps[0], apps[2])]
    assert apps[0].consortium_id == founded[0].id and entries[0].consortium_id == founded[0].id
    wuxi = session.exec(select(User).where(User.username == "wx")).one()
    told = session.exec(select(Notification).where(Notification.user_id == wuxi.id,
                                                   Notification.kind == "decision")).one()
    assert NUMBER in told.body and apps[2].code in told.body


def test_the_decision_list_is_exported_and_the_round_is_locked(client, auth, app, session, noticed):
    review_round, apps = noticed
    with app.test_request_context():
        decision.record(session, review_round=review_round, document_no=NUMBER, decided_on=AFTER, by=None,
                        today=AFTER)
    session.commit()
    auth.login("centre")
    page = client.get(f"/admin/rounds/{review_round.id}/publicity").text
    assert NUMBER in page and "本轮已锁定" in page and "登记收到的异议" not in page
    pdf = client.get(f"/admin/rounds/{review_round.id}/publicity/decision.pdf").data
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert NUMBER in text and apps[0].code in text and apps[1].code in text and apps[2].code not in text
    sheet = load_workbook(io.BytesIO(client.get(f"/admin/rounds/{review_round.id}/publicity/decision.xlsx").data))
    assert [r[1] for r in sheet.worksheets[0].iter_rows(min_row=2, values_only=True)] == [apps[0].code, apps[1].code]

    with app.test_request_context():
        with pytest.raises(DecisionError, match="不再受理异议"):
            _objection(app, session, review_round, apps[0], on=AFTER)
        with pytest.raises(DecisionError, match="已登记"):
            decision.record(session, review_round=review_round, document_no="另一文号", decided_on=AFTER, by=None,
                            today=AFTER)
        with pytest.raises(approval.LockedError, match="已公示"):
            approval.reopen(session, review_round=review_round, reason="想再改一改", by=None)
        with pytest.raises(rounds.RoundError):
            rounds.update_settings(session, review_round=review_round, values={"city_quota": 3}, by=None)
        assert rounds.transitions(session, review_round) == []
    refused = auth.post(f"/admin/rounds/{review_round.id}/decision", {"document_no": "x", "decided_on": "2026-10-12"},
                        follow_redirects=True)
    assert "本轮的最终决定已登记" in refused.text
