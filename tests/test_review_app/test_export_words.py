"""Exports speak the reader's language (issue 14): every flag, seat state, method and decision of the xlsx,
PDF and CSV files in Chinese (English when English is chosen), 是/否 for yes and no, 否 for an unselected row."""

import csv
import io
import re

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select

from review_app.models import Assignment, AssignmentState, RankingResult, RankingRun, Round
from review_app.services.results import export, rank, selection

pytestmark = pytest.mark.demo

CODES = re.compile(
    r"\b(spread|split|few_reviews|extreme|systematic|active|recused|replaced|calibrated|trimmed|"
    r"True|False|None)\b"
)


@pytest.fixture
def base(client, auth, users, session):
    """The demo round ranked with a cut-off at 10 and one seat replaced; the admin is logged in."""
    review_round = session.exec(select(Round).order_by(Round.id)).first()
    run = rank.aggregate(session, review_round=review_round, method="calibrated", seed=0, by=None)
    selection.set_cutoff(session, run=run, cutoff=10, by=None)
    session.exec(
        select(Assignment).where(Assignment.round_id == review_round.id)
    ).first().state = AssignmentState.REPLACED
    session.commit()
    flagged = session.exec(
        select(RankingResult).where(RankingResult.ranking_run_id == run.id, RankingResult.flags != "")
    ).all()
    assert flagged  # the demo round has flagged applications, so the flags column is exercised
    auth.login("admin1")
    return f"/admin/rounds/{review_round.id}/results/runs/{run.id}"


def _no_codes(text: str, where: str) -> None:
    found = CODES.findall(text)
    assert not found, f"{where}: {sorted(set(found))}"


def test_the_workbook_has_no_english_code(client, base):
    workbook = load_workbook(io.BytesIO(client.get(f"{base}/ranking.xlsx").data))
    for sheet in workbook.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        _no_codes(" ".join(str(v) for row in rows for v in row if v is not None), sheet.title)
    ranking = list(workbook["排名"].iter_rows(values_only=True))
    selected = ranking[0].index("是否入选")
    assert {row[selected] for row in ranking[1:]} == {"是", "否"}
    flags = {row[ranking[0].index("标记")] for row in ranking[1:]}
    assert "专家意见分歧" in " ".join(f for f in flags if f)
    states = {row[-1] for row in list(workbook["专家分配"].iter_rows(values_only=True))[1:]}
    assert states == {"在评审组", "已替换"}


def test_the_pdfs_have_no_english_code(client, base):
    for which in ("ranking", "publication"):
        data = client.get(f"{base}/{which}.pdf").data
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
        _no_codes(text, which)
    ranking = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(client.get(f"{base}/ranking.pdf").data)).pages)
    assert "汇总方法：校准法" in ranking and "\n否\n" in ranking and "专家意见分歧" in ranking


def test_the_csv_has_no_english_code_and_speaks_english_when_chosen(app, client, session, base):
    text = client.get(f"{base}/ranking.csv").data.decode("utf-8-sig")
    _no_codes(text, "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["是否入选"] for r in rows} == {"是", "否"}
    # The exports speak the request's language (the language switch sets it; the test's app context
    # would keep the first locale it saw, so it is forced here as the switch would set it).
    with app.test_request_context(), force_locale("en"):
        run = session.get(RankingRun, int(base.rsplit("/", 1)[1]))
        english_text = export.ranking_csv(session, run=run).decode("utf-8-sig")
    english = list(csv.DictReader(io.StringIO(english_text)))
    assert {r["Selected"] for r in english} == {"Yes", "No"}
    assert any("Experts disagree" in r["Flags"] for r in english)
