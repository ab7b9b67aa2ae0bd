"""A whole round driven by the command line (issue 14): create-round with deadlines, round-stage, the
formal check, the assignment, ranking, select, approve, export, reopen and publication, with the pages'
guards. The files `flask export` writes carry the approved run's numbers and selection; every change after
the approval is refused until a reopen (audited), and after publication even the reopen is refused."""

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app, g
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select

from review_app.models import (
    AuditEvent,
    Criterion,
    RankingRun,
    Round,
    RoundStage,
    ScoreItem,
    ScoreSheet,
    SheetStatus,
)
from review_app.models._base import utcnow
from review_app.services.results import rank
from tests.factories import make_expert
from tests.intake_factories import make_city_application

CITIES = ["南京市", "苏州市", "无锡市", "常州市", "南通市"]


def cli(runner, *args, code: int = 0) -> str:
    """Run one command as its own process would: its session ends (rolled back unless committed) with it,
    as the command's app context would end it outside the test's own. Returns the output."""
    result = runner.invoke(args=[str(a) for a in args])
    command_session = g.pop("db", None)
    if command_session is not None:
        command_session.close()
    assert result.exit_code == code, (args, result.output)
    assert "Traceback" not in result.output
    return result.output


def _score_every_sheet(session, round_id: int) -> None:
    """Every expert submits: application n gets about 90 − 6n points, each expert a little apart."""
    criteria = session.exec(select(Criterion).where(Criterion.round_id == round_id)).all()
    sheets = session.exec(select(ScoreSheet).where(ScoreSheet.round_id == round_id).order_by(ScoreSheet.id)).all()
    for index, sheet in enumerate(sheets):
        total = 0
        for criterion in criteria:
            points = max(criterion.max_points - 1 - (sheet.application_id % 7) - index % 3, 0)
            session.add(ScoreItem(sheet_id=sheet.id, criterion_id=criterion.id, points=points))
            total += points
        sheet.total, sheet.status, sheet.submitted_at = total, SheetStatus.SUBMITTED, utcnow()
        sheet.recommend, sheet.comment = True, "任务聚焦，分工明确，建议支持。"
    session.commit()


def _pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def _exports(runner, rid, tmp_path, *extra) -> dict:
    files = {}
    for fmt, which in (("xlsx", "ranking"), ("csv", "ranking"), ("pdf", "ranking"), ("pdf", "publication")):
        out = tmp_path / f"{which}-{'-'.join(extra) or 'approved'}.{fmt}"
        assert f"wrote {out}" in cli(runner, "export", "--round", rid, "--format", fmt, "--list", which, *extra,
                                     "--out", out)
        files[(fmt, which)] = out
    return files


def _assert_files_carry(session, files, run) -> None:
    """The Excel, CSV and both PDFs hold `run`'s order, scores and selection, and nothing else."""
    stored = rank.results(session, run=run)
    expected = [(r.application.code, round(r.result.score, 2), "是" if r.result.selected else "否") for r in stored]
    workbook = load_workbook(files[("xlsx", "ranking")])
    rows = list(workbook["排名"].iter_rows(min_row=2, values_only=True))
    assert [(row[1], row[6], row[10]) for row in rows] == expected
    table = list(csv.reader(io.StringIO(files[("csv", "ranking")].read_text(encoding="utf-8-sig"))))
    assert [(row[1], float(row[6]), row[10]) for row in table[1:]] == expected
    ranking_text = _pdf_text(files[("pdf", "ranking")])
    assert all(code in ranking_text and f"{score:.2f}" in ranking_text for code, score, _s in expected)
    publication = _pdf_text(files[("pdf", "publication")])
    chosen = [code for code, _score, mark in expected if mark == "是"]
    assert f"共 {len(chosen)} 个" in publication
    assert [code for code, _score, _mark in expected if code in publication] == chosen


def test_a_round_runs_through_the_command_line_to_approval_and_publication(runner, session, tmp_path):
    rid = int(
        cli(
            runner, "create-round", "--name", "2026年度命令行全流程", "--kind", "new_consortium",
            "--city-deadline", "2026-12-31", "--check-deadline", "2027-01-15T17:00",
            "--scoring-deadline", "2027-02-01T12:00+08:00",
        ).strip()
    )
    review_round = session.get(Round, rid)
    assert review_round.city_deadline.replace(tzinfo=UTC) == datetime(2026, 12, 31, 15, 59, tzinfo=UTC)  # 23:59 Beijing
    assert review_round.check_deadline.replace(tzinfo=UTC) == datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
    assert review_round.scoring_deadline.replace(tzinfo=UTC) == datetime(2027, 2, 1, 4, 0, tzinfo=UTC)
    draft_report = tmp_path / "draft.csv"
    refused = cli(runner, "formal-check", "--round", rid, "--out", draft_report, code=1)
    assert "处于“草稿”阶段" in refused and not draft_report.exists()
    assert cli(runner, "round-stage", "--round", rid, "--to", "intake") == f"round {rid}: draft → intake\n"

    # The cities submit (on their pages); the centre checks, assigns and publishes from the command line.
    for n, city in enumerate(CITIES):
        make_city_application(session, review_round, code=f"CLI{n}", city=city)
    for n in range(4):
        make_expert(session, code=f"E66{n}", name=f"专家{n}", city="扬州市")
    review_round.experts_per_application = 3
    session.commit()
    assert "不能从当前阶段" in cli(runner, "round-stage", "--round", rid, "--to", "assignment", code=1)
    cli(runner, "round-stage", "--round", rid, "--to", "formal_check")
    assert "形式审查" in cli(runner, "round-stage", "--round", rid, "--to", "assignment", code=1)  # not run yet
    report = tmp_path / "report.csv"
    cli(runner, "formal-check", "--round", rid, "--out", report)
    assert report.read_text(encoding="utf-8-sig").startswith("申报编号,规则,结果,说明")
    cli(runner, "round-stage", "--round", rid, "--to", "assignment")
    cli(runner, "assign", "--round", rid, "--seed", "7", "--publish")
    session.expire_all()
    assert session.get(Round, rid).stage == RoundStage.SCORING
    _score_every_sheet(session, rid)

    # Rank, with the trimmed mean after it (the newest run); cut, add one by hand, approve once closed.
    cli(runner, "rank", "--round", rid)
    assert "请先结束评分" in cli(runner, "approve", "--round", rid, code=1)
    closed = cli(runner, "round-stage", "--round", rid, "--to", "closed")  # closing writes the archive, as the page
    archived = Path(closed.splitlines()[-1].removeprefix("archive written to "))
    assert archived.parent == Path(current_app.instance_path) / "archives" and archived.stat().st_size > 0
    cli(runner, "rank", "--round", rid, "--method", "trimmed")
    calibrated, trimmed = session.exec(select(RankingRun).where(RankingRun.round_id == rid).order_by(RankingRun.id))
    assert "尚无审定的排名" in cli(runner, "export", "--round", rid, "--format", "csv", "--out", tmp_path / "x.csv",
                                 code=1)
    assert f"run {calibrated.id}: 1 application(s) selected" in cli(runner, "select", "--round", rid, "--top", 1)
    third = rank.results(session, run=calibrated)[2].application.code
    cli(runner, "select", "--round", rid, "--add", third, "--reason", "填补区域空白")
    assert f"run {calibrated.id} approved: 2 application(s) selected" in cli(runner, "approve", "--round", rid)
    session.expire_all()
    _assert_files_carry(session, _exports(runner, rid, tmp_path), calibrated)

    # Every change is refused now, with the approval named; nothing moves.
    for args in (
        ("rank", "--round", rid),
        ("select", "--round", rid, "--top", 3),
        ("select", "--round", rid, "--remove", third, "--reason", "撤销入选"),
        ("approve", "--round", rid, "--run", trimmed.id),
    ):
        assert f"已审定（第 {calibrated.id} 号汇总" in cli(runner, *args, code=1)
    assert "撤回审定" in cli(runner, "round-stage", "--round", rid, "--to", "scoring", code=1)
    assert "处于“评审结束”阶段" in cli(runner, "formal-check", "--round", rid, "--out", report, code=1)
    session.expire_all()
    assert len(session.exec(select(RankingRun).where(RankingRun.round_id == rid)).all()) == 2

    # A reopen before publication: a reason, audited; the approved run stays as history.
    assert "理由" in cli(runner, "reopen", "--round", rid, "--reason", " ", code=1)
    assert f"approval of run {calibrated.id} withdrawn" in cli(
        runner, "reopen", "--round", rid, "--reason", "复核第三名的入选理由"
    )
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "ranking.reopen")).one()
    assert event.ip == "cli" and "复核第三名的入选理由" in event.details and event.target_id == str(calibrated.id)
    assert "尚无审定的排名" in cli(runner, "export", "--round", rid, "--format", "csv", "--out", tmp_path / "x.csv",
                                 code=1)
    session.expire_all()
    _assert_files_carry(session, _exports(runner, rid, tmp_path, "--run", str(calibrated.id)), calibrated)

    # A new ranking, cut at 3 with the third taken out by hand, approved and published.
    cli(runner, "rank", "--round", rid, "--seed", "1")
    session.expire_all()
    final = session.exec(select(RankingRun).where(RankingRun.round_id == rid).order_by(RankingRun.id.desc())).first()
    cli(runner, "select", "--round", rid, "--top", 3)
    cli(runner, "select", "--round", rid, "--remove", third, "--reason", "经复核不予入选")
    cli(runner, "approve", "--round", rid)
    cli(runner, "round-stage", "--round", rid, "--to", "published")
    session.expire_all()
    files = _exports(runner, rid, tmp_path)
    _assert_files_carry(session, files, final)
    assert third not in _pdf_text(files[("pdf", "publication")])

    for args in (
        ("rank", "--round", rid),
        ("select", "--round", rid, "--add", third, "--reason", "公示后补充"),
        ("reopen", "--round", rid, "--reason", "公示后发现问题"),
        ("approve", "--round", rid, "--run", calibrated.id),
    ):
        assert "已公示" in cli(runner, *args, code=1)
    session.expire_all()
    assert session.get(RankingRun, final.id).is_final and session.get(Round, rid).stage == RoundStage.PUBLISHED
    actions = {e.action for e in session.exec(select(AuditEvent).where(AuditEvent.round_id == rid))}
    assert {
        "round.create", "round.update", "round.stage", "check.run", "assignment.publish", "ranking.aggregate",
        "ranking.cutoff", "ranking.select", "ranking.approve", "ranking.reopen", "export", "round.archive",
    } <= actions


def test_bad_arguments_are_one_line_naming_the_argument(runner, session, tmp_path):
    cases = [
        (("create-round", "--name", "x", "--kind", "new_consortium", "--city-deadline", "31/12/2026"), 2,
         "--city-deadline"),
        (("create-round", "--name", "x", "--kind", "new_consortium", "--city-deadline", "2027-03-01",
          "--scoring-deadline", "2027-01-01"), 1, "截止时间"),
        (("round-stage", "--round", 999, "--to", "intake"), 1, "no round with id 999"),
        (("select", "--round", 999, "--top", 3), 1, "no round with id 999"),
        (("approve", "--round", 999), 1, "no round with id 999"),
    ]
    for args, code, named in cases:
        output = cli(runner, *args, code=code)
        assert named in output.strip().splitlines()[-1], output
    rid = cli(runner, "create-round", "--name", "参数测试", "--kind", "new_consortium").strip()
    for args, code, named in (
        (("round-stage", "--round", rid, "--to", "nowhere"), 2, "--to"),
        (("round-stage", "--round", rid, "--to", "published"), 1, "不能从"),
        (("select", "--round", rid, "--top", 3, "--add", "X1"), 2, "exactly one of"),
        (("select", "--round", rid, "--top", 3), 1, "flask rank"),
        (("reopen", "--round", rid, "--reason", "无审定可撤回"), 1, "没有已审定"),
    ):
        output = cli(runner, *args, code=code)
        assert named in output.strip().splitlines()[-1], output
    session.expire_all()
    assert [r.name for r in session.exec(select(Round))] == ["参数测试"]
