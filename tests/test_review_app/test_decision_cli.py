"""`flask publicity` and `flask decide`: the same services and guards as the pages, one-line refusals."""

from datetime import timedelta

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select

from review_app.models import PublicityNotice, Round, RoundStage
from review_app.services.decision import workdays
from tests.decision_factories import approved_round


def test_the_command_line_starts_the_notice_and_records_the_decision(app, session, runner, tmp_path):
    with app.test_request_context():
        review_round, apps, _run = approved_round(session)
        today = workdays.today()
        end = workdays.calendar().add(today, 6)
    rid = str(review_round.id)
    early = runner.invoke(args=["decide", "--round", rid, "--number", "苏科发〔2026〕1号", "--date", today.isoformat()])
    assert early.exit_code == 1 and "请先开始公示" in early.output
    started = runner.invoke(args=["publicity", "--round", rid, "--end", end.isoformat(), "--contact", "省中心"])
    assert started.exit_code == 0, started.output
    assert started.output.strip() == f"{today.isoformat()} – {end.isoformat()} (6 working days)"
    again = runner.invoke(args=["publicity", "--round", rid])
    assert again.exit_code == 1 and "公示须在评审结束" in again.output

    notice = session.exec(select(PublicityNotice).where(PublicityNotice.round_id == review_round.id)).one()
    notice.starts_on, notice.ends_on = today - timedelta(days=20), today - timedelta(days=10)  # the period passes
    session.commit()
    decided = runner.invoke(args=["decide", "--round", rid, "--number", "苏科发〔2026〕1号", "--date",
                                  today.isoformat(), "--out-dir", str(tmp_path)])
    assert decided.exit_code == 0, decided.output
    session.expire_all()
    assert session.get(Round, review_round.id).stage == RoundStage.DECIDED
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / f"round{rid}-decision.pdf").pages)
    assert "苏科发〔2026〕1号" in text and apps[0].code in text
    rows = list(load_workbook(tmp_path / f"round{rid}-decision.xlsx").worksheets[0].iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == [apps[0].code, apps[1].code]
