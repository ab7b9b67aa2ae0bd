"""The demo as a newcomer tries it from the README: every role has work (issue 21)."""

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import func, select

from review_app import demo
from review_app.demo import open_call
from review_app.demo.data import CITY_LOGINS
from review_app.models import (
    Application,
    Attachment,
    City,
    Expert,
    PledgeAcceptance,
    Round,
    RoundStage,
    ScoreSheet,
    SheetStatus,
)
from review_app.services.intake.attachments import REQUIRED_ATTACHMENTS
from review_app.services.platform.storage import store_for

README = Path(__file__).parents[2] / "README.md"


def test_seed_demo_gives_every_application_its_pdfs_with_its_own_name_and_figures(runner, app, session):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    store = store_for(app.config)
    applications = session.exec(select(Application)).all()
    assert applications
    for application in applications:
        review_round = session.get(Round, application.round_id)
        kinds = {a.kind: a for a in session.exec(select(Attachment).where(Attachment.application_id == application.id))}
        assert set(kinds) == set(REQUIRED_ATTACHMENTS[review_round.kind]), application.code
    sample = session.exec(select(Attachment).where(Attachment.kind == "application_form")).first()
    owner = session.get(Application, sample.application_id)
    reader = PdfReader(io.BytesIO(store.path(sample.sha256).read_bytes()))
    assert len(reader.pages) >= 2
    text = "".join(page.extract_text() for page in reader.pages)
    assert owner.title in text and owner.code in text and owner.lead_name in text
    assert f"{owner.revenue_2025:.2f}" in text
    assert sample.size == store.path(sample.sha256).stat().st_size
    # Run again: nothing made twice.
    before = session.exec(select(func.count()).select_from(Attachment)).one()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert session.exec(select(func.count()).select_from(Attachment)).one() == before


@pytest.mark.demo
def test_every_expert_login_printed_or_in_the_readme_has_sheets(session):
    printed = [username for role, username, _ in demo._logins(session) if role == "expert"]
    readme = re.findall(r"`(e\d{4})`", README.read_text(encoding="utf-8"))
    assert "e0001" in printed and "e0001" in readme
    for username in set(printed) | set(readme):
        expert = session.exec(select(Expert).where(Expert.code == username.upper())).one()
        sheets = session.exec(select(ScoreSheet).where(ScoreSheet.expert_id == expert.id)).all()
        assert sheets, f"{username} has nothing to review"
    e0001 = session.exec(select(Expert).where(Expert.code == "E0001")).one()
    states = {s.status for s in session.exec(select(ScoreSheet).where(ScoreSheet.expert_id == e0001.id))}
    assert states == {SheetStatus.SUBMITTED, SheetStatus.DRAFT, SheetStatus.UNTOUCHED}


@pytest.mark.demo
def test_no_demo_expert_has_a_saved_sheet_without_the_pledge(session):
    saved = session.exec(select(ScoreSheet).where(ScoreSheet.status != SheetStatus.UNTOUCHED)).all()
    pledged = {(p.round_id, p.expert_id): p for p in session.exec(select(PledgeAcceptance))}
    assert saved
    for sheet in saved:
        pledge = pledged.get((sheet.round_id, sheet.expert_id))
        assert pledge is not None and pledge.accepted_at <= sheet.saved_at


@pytest.mark.demo
def test_a_new_consortium_round_is_open_for_city_intake_beside_the_one_in_scoring(session):
    stages = {r.name: r.stage for r in session.exec(select(Round).where(Round.kind == "new_consortium"))}
    assert stages[demo.DEMO_ROUND_NAME] == RoundStage.SCORING
    assert stages[open_call.OPEN_ROUND_NAME] == RoundStage.INTAKE


@pytest.mark.demo
def test_a_city_login_has_its_whole_quota_left_in_the_open_round(auth, client):
    auth.login("nanjing", password=demo.DEMO_PASSWORD)
    page = client.get("/city/").text
    assert open_call.OPEN_ROUND_NAME in page and demo.DEMO_ROUND_NAME in page
    assert "还可推荐 5 项" in page


@pytest.mark.demo
def test_last_years_annual_round_has_published_grades_and_this_years_is_open(session, auth, client):
    from review_app.demo import annual_grades, intake
    from review_app.services.results import grade_changes, grades

    last = session.exec(select(Round).where(Round.name == annual_grades.ROUND_NAME.format(year=2025))).one()
    listed = grades.grade_list(session, review_round=last)
    assert listed.published and len(listed.lines) >= 5
    assert {line.grade for line in listed.lines} >= {"excellent", "fail"}
    changes = grade_changes.round_changes(session, grade_list=listed)
    assert any(c.repeat_fail for c in changes) and any(c.trend == "fell" for c in changes)
    assert any(c.trend == "improved" for c in changes)
    this = session.exec(select(Round).where(Round.name == intake.ANNUAL_ROUND_NAME)).one()
    assert this.stage == RoundStage.INTAKE and this.year == 2026
    auth.login("admin", password=demo.DEMO_PASSWORD)
    page = client.get(f"/admin/rounds/{last.id}/grades").text
    assert "第二次不合格" in page and "等级已于" in page


@pytest.mark.demo
def test_the_annual_round_has_reports_filed_with_gaps_and_to_file(app, session, auth, client):
    """Issue 22: three reports filed and submitted, one submitted with gaps the formal check finds, one draft
    half filled, and consortia left for the city clerks."""
    from review_app.models import Consortium, RoundKind, SelfEvaluation, Verdict  # noqa: PLC0415
    from review_app.services.check import runner as check_runner  # noqa: PLC0415

    annual = session.exec(select(Round).where(Round.kind == RoundKind.ANNUAL_EVALUATION,
                                              Round.stage == RoundStage.INTAKE)).one()
    reports = session.exec(select(Application).where(Application.round_id == annual.id)).all()
    filed = {r.application_id for r in session.exec(
        select(SelfEvaluation).join(Application, Application.id == SelfEvaluation.application_id)
        .where(Application.round_id == annual.id))}
    assert {a.id for a in reports} == filed and len(reports) == 5
    assert sorted(a.status for a in reports) == ["draft"] + ["submitted"] * 4
    assert len(session.exec(select(Consortium)).all()) > len(reports)  # reports left to file
    with app.test_request_context():
        check_runner.run_check(session, review_round=annual, by=None)
    failing = {(row.application.status, row.result.rule)
               for row in check_runner.table(session, round_id=annual.id, verdict=Verdict.FAIL)}
    assert failing == {("submitted", "R15"), ("submitted", "R16")}
    session.commit()
    draft = next(a for a in reports if a.status == "draft")
    city = session.get(City, draft.city_id)
    auth.login(CITY_LOGINS[city.name], password=demo.DEMO_PASSWORD)
    page = client.get(f"/city/applications/{draft.id}").text
    assert "形式审查将报告自评内容不完整" in page and "填写自评内容" in page


@pytest.mark.demo
def test_the_assignment_console_shows_the_demo_rounds_stored_feasibility_check(session, auth, client):
    """The centre opens the console and sees the diagnosis at once, current, without pressing the button."""
    review_round = session.exec(select(Round).where(Round.name == demo.DEMO_ROUND_NAME)).one()
    auth.login("admin", password=demo.DEMO_PASSWORD)
    page = client.get(f"/admin/rounds/{review_round.id}/assignment").text
    assert "存在有效的分配方案" in page
    assert "尚未检查可行性" not in page and "结果可能已过期" not in page
