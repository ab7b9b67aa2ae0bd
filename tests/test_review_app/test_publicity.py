"""The public notice (公示): its period counted in working days (weekends, the 2026 public holidays and
their make-up working days), starting it on the approved ranking, the cities told at once, its list as
PDF and Excel (round, date, period, contact; no scores), and the stage button starting it with the defaults."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select

from review_app.models import AuditEvent, Notification, PublicityNotice, RoundStage, User
from review_app.services import rounds
from review_app.services.decision import publicity, workdays
from review_app.services.decision.publicity import DecisionError
from tests.decision_factories import approved_round
from tests.fake_servers import SmtpSink

MONDAY = date(2026, 9, 28)  # the week before the National Day holiday


@pytest.fixture
def closed(app, session):
    with app.test_request_context():
        review_round, apps, run = approved_round(session, applications=4, cutoff=2)
    return review_round, apps


def test_working_days_skip_weekends_and_holidays_and_count_make_up_days(app):
    with app.app_context():
        calendar = workdays.calendar()
    # 28–30 September, then 1–7 October off, then Thursday 8 and Friday 9 October
    assert calendar.count(MONDAY, date(2026, 10, 9)) == 5
    assert calendar.add(MONDAY, 5) == date(2026, 10, 9)
    assert calendar.is_working_day(date(2026, 10, 10)) and calendar.count(MONDAY, date(2026, 10, 10)) == 6
    assert calendar.is_working_day(date(2026, 9, 20))  # a Sunday, worked for the National Day
    # Spring Festival: Saturday 14 February is worked, 15–23 February are off
    assert calendar.add(date(2026, 2, 12), 5) == date(2026, 2, 25)
    assert calendar.after(date(2026, 4, 30), 1) == date(2026, 5, 6)  # 1–5 May off
    assert calendar.count(date(2026, 12, 5), date(2026, 12, 6)) == 0  # a plain weekend


def test_the_holiday_lists_are_settings(app):
    app.config.update(PUBLIC_HOLIDAYS=("2026-12-01",), MAKEUP_WORKDAYS=("2026-12-05",))
    with app.app_context():
        calendar = workdays.calendar()
    assert not calendar.is_working_day(date(2026, 12, 1)) and calendar.is_working_day(date(2026, 12, 5))
    assert calendar.is_working_day(date(2026, 10, 1))  # the shipped 2026 list no longer applies


def test_starting_the_notice_publishes_the_list_and_tells_the_cities(app, session, closed):
    review_round, apps = closed
    with SmtpSink() as sink, app.test_request_context():
        app.config["SMTP_URL"] = sink.url
        notice = publicity.start(session, review_round=review_round, by=None, starts_on=MONDAY, today=MONDAY,
                                 contact="省中心 025-83350000")
        session.commit()
    assert (notice.ends_on, notice.working_days) == (date(2026, 10, 9), 5)
    assert review_round.stage == RoundStage.PUBLISHED
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "publicity.start")).one()
    assert '"working_days": 5' in event.details
    listed, unlisted = apps[:2], apps[2:]
    nanjing = session.exec(select(User).where(User.username == "nj")).one()
    told = session.exec(select(Notification).where(Notification.user_id == nanjing.id)).one()
    assert told.kind == "publicity" and "2026-09-28" in told.body and "2026-10-09" in told.body
    assert listed[0].code in told.body and listed[1].code not in told.body  # 苏州's, not 南京's
    assert "025-83350000" in told.body
    assert sorted(a for to, _m in sink.mails for a in to) == ["nj@kjj.example.cn", "sz@kjj.example.cn",
                                                               "wx@kjj.example.cn"]
    wuxi = sink.bodies_to("wx@kjj.example.cn")[0]
    assert unlisted[0].code not in wuxi and "无" in wuxi  # 无锡 has no listed application


def test_a_period_shorter_than_the_minimum_or_in_the_past_is_refused(app, session, closed):
    review_round, _apps = closed
    with app.test_request_context():
        with pytest.raises(DecisionError, match="4 个工作日.*至少须 5"):
            publicity.start(session, review_round=review_round, by=None, starts_on=MONDAY,
                            ends_on=date(2026, 10, 8), today=MONDAY)
        with pytest.raises(DecisionError, match="不能早于今天"):
            publicity.start(session, review_round=review_round, by=None, starts_on=date(2026, 9, 25), today=MONDAY)
    session.rollback()
    assert session.exec(select(PublicityNotice)).first() is None
    assert session.exec(select(Notification)).first() is None


def test_the_stage_button_starts_the_notice_with_the_defaults(app, session, closed):
    review_round, _apps = closed
    with app.test_request_context():
        rounds.advance(session, review_round=review_round, to_stage=RoundStage.PUBLISHED, by=None)
        session.commit()
        notice = publicity.notice_of(session, round_id=review_round.id)
        today = workdays.today()
        assert notice.starts_on == today and notice.ends_on == workdays.calendar().add(today, 5)
    assert notice.working_days == 5 and notice.contact == app.config["PUBLICITY_CONTACT"]


def test_the_centre_starts_it_on_the_page_and_downloads_the_list(client, auth, app, session, closed):
    review_round, apps = closed
    auth.login("centre")
    page = client.get(f"/admin/rounds/{review_round.id}/publicity").text
    assert "开始公示" in page and "默认公示期为 5 个工作日" in page
    today = workdays.today()
    response = auth.post(f"/admin/rounds/{review_round.id}/publicity/start",
                         {"starts_on": today.isoformat(), "ends_on": "", "working_days": "7",
                          "contact": "评审管理部 025-83350000"}, follow_redirects=True)
    assert "公示已开始" in response.text and "公示期内" in response.text
    pdf = client.get(f"/admin/rounds/{review_round.id}/publicity/publicity.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    with app.app_context():
        end = workdays.calendar().add(today, 7)
    for expected in (review_round.name, today.isoformat(), end.isoformat(), "7 个工作日", "025-83350000",
                     apps[0].code, apps[1].code, apps[0].lead_name):
        assert expected in text, expected
    assert apps[2].code not in text and "得分" not in text and "专家" not in text
    workbook = load_workbook(io.BytesIO(client.get(f"/admin/rounds/{review_round.id}/publicity/publicity.xlsx").data))
    listed = [row[1] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)]
    about = " ".join(row[0] for row in workbook.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert listed == [apps[0].code, apps[1].code] and "025-83350000" in about and end.isoformat() in about
    exports = session.exec(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert len(exports) == 2
