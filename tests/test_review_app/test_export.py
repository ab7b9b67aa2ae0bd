"""Exports: real .xlsx files opened by openpyxl, PDFs read back by text extraction, CSV with a BOM."""

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select

from review_app.models import Application, Round, ScoreSheet, SheetStatus
from review_app.services.intake.rules import RULES
from review_app.services.results import export, rank, selection

pytestmark = pytest.mark.demo


@pytest.fixture
def ranked(session):
    review_round = session.exec(select(Round).order_by(Round.id)).first()
    run = rank.aggregate(session, review_round=review_round, method="calibrated", seed=0, by=None)
    session.commit()
    return run


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_workbook_has_the_ranking_every_score_and_the_panels(session, ranked):
    workbook = load_workbook(io.BytesIO(export.ranking_xlsx(session, run=ranked)))
    assert workbook.sheetnames == ["排名", "评分明细", "专家分配", "形式审查"]
    ranking = list(workbook["排名"].iter_rows(values_only=True))
    assert ranking[0][:3] == ("排名", "申报编号", "创新联合体名称")
    assert "牵头单位实力与组织能力（20）" in ranking[0]
    stored = rank.results(session, run=ranked)
    assert [row[1] for row in ranking[1:]] == [r.application.code for r in stored]
    submitted = session.exec(
        select(ScoreSheet).where(ScoreSheet.round_id == ranked.round_id, ScoreSheet.status == SheetStatus.SUBMITTED)
    ).all()
    assert workbook["评分明细"].max_row == 1 + len(submitted)
    assert workbook["专家分配"].max_row == 1 + 65 * 5
    check = list(workbook["形式审查"].iter_rows(values_only=True))
    assert check[0] == ("申报编号", "规则", "结果", "说明") and len(check) == 1 + 65 * len(RULES)  # R0–R14 each


def test_formula_cells_are_neutralised(session, ranked):
    sheet = session.exec(
        select(ScoreSheet).where(ScoreSheet.round_id == ranked.round_id, ScoreSheet.status == SheetStatus.SUBMITTED)
    ).first()
    sheet.comment = '=HYPERLINK("http://evil.example","点击")'
    session.commit()
    workbook = load_workbook(io.BytesIO(export.ranking_xlsx(session, run=ranked)))
    comments = [row[-1] for row in workbook["评分明细"].iter_rows(min_row=2, values_only=True)]
    assert "'" + sheet.comment in comments
    assert not any(isinstance(c, str) and c.startswith("=") for c in comments)


def test_csv_opens_in_excel_with_chinese(session, ranked):
    data = export.ranking_csv(session, run=ranked)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("排名,申报编号,创新联合体名称") and len(lines) == 1 + len(
        rank.results(session, run=ranked)
    )


def test_the_ranking_pdf_has_chinese_text_that_extracts(session, ranked):
    text = _pdf_text(export.ranking_pdf(session, run=ranked))
    first = rank.results(session, run=ranked)[0].application
    assert "排名报告" in text and first.code in text and first.title in text


def test_the_publication_list_needs_a_cutoff_and_lists_only_the_selected(session, ranked):
    with pytest.raises(export.ExportError):
        export.publication_pdf(session, run=ranked)
    chosen = selection.set_cutoff(session, run=ranked, cutoff=10, by=None)
    session.commit()
    text = _pdf_text(export.publication_pdf(session, run=ranked))
    results = rank.results(session, run=ranked)
    assert "公示名单" in text and f"共 {chosen} 个" in text
    inside = [r.application.code for r in results if r.result.selected]
    outside = [r.application.code for r in results if not r.result.selected]
    assert len(inside) == chosen >= 10
    assert all(code in text for code in inside) and not any(code in text for code in outside)


def test_cli_export_writes_each_format(runner, session, ranked, tmp_path):
    for file_format in ("xlsx", "pdf", "csv"):
        out = tmp_path / f"ranking.{file_format}"
        args = ["export", "--round", "1", "--format", file_format, "--run", str(ranked.id), "--out", str(out)]
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    load_workbook(tmp_path / "ranking.xlsx")
    assert "排名报告" in _pdf_text((tmp_path / "ranking.pdf").read_bytes())


def test_cli_export_errors_are_one_line(runner, session, tmp_path):
    out = tmp_path / "x.xlsx"
    result = runner.invoke(args=["export", "--round", "1", "--format", "xlsx", "--out", str(out)])
    assert result.exit_code == 1 and result.output == "Error: 尚无审定的排名；请用 --run ID 指定要导出的汇总\n"
    assert not out.exists()
    other = rank.aggregate(session, review_round=session.get(Round, 1), method="mean", by=None)
    session.commit()
    for round_id, run_id in (("1", "999"), ("2", str(other.id))):
        args = ["export", "--round", round_id, "--format", "xlsx", "--run", run_id, "--out", str(out)]
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and result.output.count("\n") == 1 and f"没有第 {run_id} 号汇总" in result.output
    assert not out.exists()
    result = runner.invoke(
        args=["export", "--round", "1", "--format", "csv", "--list", "publication", "--out", str(out)]
    )
    assert result.exit_code == 1 and "PDF" in result.output


def test_the_panels_sheet_and_my_data_count_the_published_assignment_only(client, auth, session, ranked):
    """A superseded proposal (the same application with other experts) is history: neither the workbook's
    专家分配 sheet nor the expert's 我的数据 counts it."""
    from review_app.demo import DEMO_PASSWORD
    from review_app.models import Assignment, AssignmentRun, RunStatus, User

    published = session.exec(select(Assignment).where(Assignment.round_id == ranked.round_id)).all()
    first = published[0]
    old = AssignmentRun(round_id=ranked.round_id, status=RunStatus.SUPERSEDED, seed=7)
    session.add(old)
    session.flush()
    colleagues = [a.expert_id for a in published if a.application_id != first.application_id][:6]
    for expert_id in {first.expert_id, *colleagues}:
        session.add(Assignment(run_id=old.id, round_id=ranked.round_id, application_id=first.application_id,
                               expert_id=expert_id))
    session.commit()

    workbook = load_workbook(io.BytesIO(export.ranking_xlsx(session, run=ranked)))
    rows = list(workbook["专家分配"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(published) == 65 * 5
    code = rows[[r[0] for r in rows].index(session.get(Application, first.application_id).code)][0]
    assert sum(r[0] == code for r in rows) == 5

    expert_user = session.exec(select(User).where(User.expert_id == first.expert_id)).one()
    own = sum(a.expert_id == first.expert_id for a in published)
    auth.login(expert_user.username, DEMO_PASSWORD)
    page = client.get("/expert/my-data").text
    assert f"<dt>分配的评审</dt><dd>{own}</dd>" in page


def test_the_workbook_is_written_row_by_row_with_its_header_bold_and_frozen(session, ranked):
    """Written in openpyxl's write-only mode (a national round's 50,000 score rows never sit in memory as
    cells), the workbook still opens with its bold header row and frozen panes on every sheet."""
    workbook = load_workbook(io.BytesIO(export.ranking_xlsx(session, run=ranked)))
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2" and sheet["A1"].font.b and sheet.max_row > 1, sheet.title


def test_every_line_of_the_ranking_pdf_is_in_it_whatever_its_length(session, ranked):
    """The 65 applications are laid out in parts of 40 rows, each part with its header: every code is in
    the file once, in rank order, and the header is repeated."""
    text = _pdf_text(export.ranking_pdf(session, run=ranked))
    codes = [r.application.code for r in rank.results(session, run=ranked)]
    places = [text.index(code) for code in codes]
    assert places == sorted(places) and all(text.count(code) == 1 for code in codes)
    assert text.count("申报编号") >= 2
