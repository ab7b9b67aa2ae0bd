"""Every occasion on which the system tells someone, through the one notification service: experts when
their assignment is published, 3 days and 1 day before the scoring deadline (once each, by `flask notify
due`), when a sheet is reopened; cities on the formal check's results; and the city dashboard's status of
each application through to the decision."""

from datetime import date, timedelta

from sqlmodel import select

from review_app.models import (
    Assignment,
    AssignmentRun,
    Expert,
    Notification,
    RoundStage,
    RunStatus,
    ScoreSheet,
    SheetStatus,
    User,
)
from review_app.models._base import utcnow
from review_app.services import rounds
from review_app.services.assign import proposals
from review_app.services.check import runner as check_runner
from review_app.services.decision import decision, objections, publicity
from review_app.services.platform import storage
from review_app.services.platform.localtime import local_time
from review_app.services.review import oversight
from tests.decision_factories import approved_round
from tests.factories import make_expert, make_scoring_round, make_user
from tests.fake_servers import SmsGateway, SmtpSink
from tests.intake_factories import make_city_application, make_round


def test_experts_are_told_when_their_assignment_is_published(app, session):
    review_round = make_round(session, stage="assignment")
    review_round.scoring_deadline = utcnow() + timedelta(days=14)
    apps = [make_city_application(session, review_round, code=f"AS{n}") for n in range(3)]
    experts = [make_expert(session, code=f"E510{n}", name=f"专家{n}") for n in range(2)]
    for n, expert in enumerate(experts):
        expert.email, expert.phone = f"e{n}@example.cn", f"1370000000{n}"
    run = AssignmentRun(round_id=review_round.id, status=RunStatus.PROPOSED, seed=1)
    session.add(run)
    session.flush()
    for application in apps:
        session.add(Assignment(run_id=run.id, round_id=review_round.id, application_id=application.id,
                               expert_id=experts[0].id))
    session.add(Assignment(run_id=run.id, round_id=review_round.id, application_id=apps[0].id,
                           expert_id=experts[1].id))
    session.commit()
    with SmtpSink() as sink, SmsGateway() as gateway, app.test_request_context():
        app.config.update(SMTP_URL=sink.url, SMS_GATEWAY_URL=gateway.url)
        proposals.publish(session, run=run, by=None)
        session.commit()
    first, second = sink.bodies_to("e0@example.cn"), sink.bodies_to("e1@example.cn")
    assert len(first) == 1 and "3 项申报" in first[0] and local_time(review_round.scoring_deadline) in first[0]
    assert len(second) == 1 and "1 项申报" in second[0]
    assert sorted(r["to"] for r in gateway.requests) == ["13700000000", "13700000001"]


def test_cities_are_told_the_formal_check_results_when_it_is_concluded(app, session):
    review_round = make_round(session, stage="formal_check", deadline_days=-1)
    good = make_city_application(session, review_round, code="FC1", city="南京市")
    bad = make_city_application(session, review_round, code="FC2", city="南京市", clauses="责任落实")
    other = make_city_application(session, review_round, code="FC3", city="苏州市")
    nanjing = make_user(session, "njfc", "city", city="南京市")
    nanjing.email = "njfc@example.cn"
    suzhou = make_user(session, "szfc", "city", city="苏州市")
    with SmtpSink() as sink, app.test_request_context():
        app.config["SMTP_URL"] = sink.url
        check_runner.run_check(session, review_round=review_round, by=None)
        assert not session.exec(select(Notification)).first()  # a run alone tells nobody yet
        rounds.advance(session, review_round=review_round, to_stage=RoundStage.ASSIGNMENT, by=None)
        session.commit()
    body = sink.bodies_to("njfc@example.cn")[0]
    assert f"{good.code}：通过" in body and f"{bad.code}：未通过" in body and other.code not in body
    told = session.exec(select(Notification).where(Notification.user_id == suzhou.id)).one()
    assert told.kind == "check_result" and f"{other.code}：通过" in told.body


def test_scoring_deadline_reminders_go_3_days_and_1_day_before_once_each(app, session, runner):
    expert = make_expert(session, code="E5201", name="赵敏")
    expert.email = "zhaomin@example.cn"
    review_round, apps, sheets = make_scoring_round(session, experts=[expert], applications=2, deadline_days=10)
    sheets[("E5201", apps[0].code)].status = SheetStatus.SUBMITTED
    deadline = review_round.scoring_deadline
    session.commit()

    def due(at):
        result = runner.invoke(args=["notify", "due", "--today", local_time(at).replace(" ", "T")])
        assert result.exit_code == 0, result.output
        return result.output

    with SmtpSink() as sink:
        app.config["SMTP_URL"] = sink.url
        assert "deadline reminders: 0" in due(deadline - timedelta(days=4))
        assert "deadline reminders: 1" in due(deadline - timedelta(days=2, hours=23))
        assert "deadline reminders: 0" in due(deadline - timedelta(days=2))  # once
        assert "deadline reminders: 1" in due(deadline - timedelta(hours=20))
        assert "deadline reminders: 0" in due(deadline - timedelta(hours=2))
        assert "deadline reminders: 0" in due(deadline + timedelta(hours=1))  # too late to remind
    bodies = sink.bodies_to("zhaomin@example.cn")
    assert len(bodies) == 2 and all("1 项申报" in b and local_time(deadline) in b for b in bodies)
    kinds = [n.kind for n in session.exec(select(Notification).order_by(Notification.id))]
    assert kinds == ["deadline_3d", "deadline_1d"]


def test_an_expert_is_told_when_a_sheet_is_reopened_on_every_channel(app, session, users, scoring):
    expert = session.get(Expert, users["expert"].expert_id)
    expert.email, expert.phone = "zhangwei@example.cn", "13600000000"
    sheet = scoring.sheet
    sheet.status = SheetStatus.SUBMITTED
    session.commit()
    with SmtpSink() as sink, SmsGateway() as gateway, app.test_request_context():
        app.config.update(SMTP_URL=sink.url, SMS_GATEWAY_URL=gateway.url)
        oversight.reopen(session, sheet=session.get(ScoreSheet, sheet.id), by=users["admin"], reason="第三项评分有误")
        session.commit()
    assert "第三项评分有误" in sink.bodies_to("zhangwei@example.cn")[0]
    assert gateway.requests[0]["to"] == "13600000000"
    assert session.exec(select(Notification).where(Notification.user_id == users["expert"].id)).one().kind == "reopened"


def test_the_city_dashboard_follows_each_application_to_the_decision(client, auth, app, session):
    monday = date(2026, 9, 28)
    with app.test_request_context():
        review_round, apps, _run = approved_round(session, applications=4, cutoff=2)
        publicity.start(session, review_round=review_round, by=None, starts_on=monday, today=monday, contact="省中心")
        objection = objections.receive(
            session, review_round=review_round, files=[], store=storage.store_for(app.config), by=None, today=monday,
            data=objections.Received(application_id=apps[3].id, received_on=monday, channel="phone", real_name=False,
                                     objector="", contact="", content="应当入选"))
    session.commit()
    auth.login("nj")  # 南京: apps[0] (listed) and apps[3] (not listed, an objection open)
    page = client.get("/city/").text
    assert "省中心正在组织评审" not in page and "名单正在公示" in page
    rows = page.split('class="outcome">')
    assert rows[1].startswith("列入公示名单") and rows[2].startswith("未列入公示名单（有异议正在处理）")
    assert client.get(f"/city/rounds/{review_round.id}/publicity.pdf").status_code == 200
    with app.test_request_context():
        objections.answer(session, objection=objection, kind="maintain", reasons="排名依据评分", by=None)
        decision.record(session, review_round=review_round, document_no="苏科发〔2026〕9号",
                        decided_on=date(2026, 10, 12), by=None, today=date(2026, 10, 12))
    session.commit()
    rows = client.get("/city/").text.split('class="outcome">')
    assert rows[1].startswith("最终入选（苏科发〔2026〕9号）") and rows[2].startswith("未入选")
    assert session.exec(select(User).where(User.username == "nj")).one()
