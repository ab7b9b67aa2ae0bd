"""Aggregation of the submitted sheets through `scoring/`, stored as a ranking run."""

import csv
import io

import pytest
from sqlmodel import select

import scoring
from review_app.models import Application, RankingResult, RankingRun, Round, ScoreSheet, SheetStatus
from review_app.services.results import rank, record


@pytest.fixture
def demo_round(session):
    return session.exec(select(Round).order_by(Round.id)).first()


@pytest.mark.demo
def test_the_stored_ranking_is_what_scoring_computes(session, demo_round):
    table = rank.score_table(session, demo_round)
    expected = scoring.rank_scores(table, "calibrated", seed=3)
    run = rank.aggregate(session, review_round=demo_round, method="calibrated", seed=3, by=None)
    session.commit()
    stored = rank.results(session, run=run)
    # The same rank for each application; tied applications are listed by code here, in scoring's own order there.
    assert [r.result.rank for r in stored] == sorted(r.result.rank for r in stored)
    assert sorted((r.application.id, r.result.rank) for r in stored) == sorted(
        (int(a.app_id), a.rank) for a in expected.rows()
    )
    submitted = session.exec(
        select(ScoreSheet).where(ScoreSheet.round_id == demo_round.id, ScoreSheet.status == SheetStatus.SUBMITTED)
    ).all()
    assert sum(r.result.n_reviews for r in stored) == len(submitted)
    assert all(r.result.ci_low <= r.result.rank <= r.result.ci_high for r in stored)


@pytest.mark.demo
def test_only_submitted_sheets_count(session, demo_round):
    table = rank.score_table(session, demo_round)
    of_round = select(ScoreSheet).where(ScoreSheet.round_id == demo_round.id)
    drafts = session.exec(of_round.where(ScoreSheet.status == SheetStatus.DRAFT)).all()
    submitted = session.exec(of_round.where(ScoreSheet.status == SheetStatus.SUBMITTED)).all()
    assert drafts and table.n_reviews == len(submitted)


@pytest.mark.demo
def test_cli_rank_prints_the_ranking_and_stores_it(runner, session, demo_round):
    result = runner.invoke(args=["rank", "--round", str(demo_round.id), "--method", "trimmed"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows[0]["rank"] == "1" and set(rows[0]) == {
        "rank",
        "code",
        "score",
        "ci_low",
        "ci_high",
        "n_reviews",
        "flag",
    }
    run = session.exec(select(RankingRun).where(RankingRun.round_id == demo_round.id)).one()
    assert run.method == "trimmed"
    stored = session.exec(
        select(RankingResult, Application).join(Application).where(RankingResult.ranking_run_id == run.id)
    ).all()
    assert {a.code for _, a in stored} == {row["code"] for row in rows}


@pytest.mark.demo
def test_cli_rank_refuses_unknown_rounds_and_methods(runner, demo_round):
    missing = runner.invoke(args=["rank", "--round", "999"])
    assert missing.exit_code == 1 and "999" in missing.output
    bad = runner.invoke(args=["rank", "--round", str(demo_round.id), "--method", "best"])
    assert bad.exit_code == 2 and "best" in bad.output


def test_a_round_without_submissions_cannot_be_ranked(runner, session):
    result = runner.invoke(args=["create-round", "--name", "空轮次", "--kind", "new_consortium"])
    outcome = runner.invoke(args=["rank", "--round", result.output.strip()])
    assert outcome.exit_code == 1 and "尚无" in outcome.output


@pytest.mark.demo
def test_criterion_means_are_the_means_of_the_sheets_that_count(session, demo_round):
    from collections import defaultdict

    from review_app.models import Assignment, AssignmentState, ScoreItem
    from review_app.services.results import standings
    from review_app.services.results.export.report import ranking_report

    counted = session.exec(
        select(ScoreSheet.application_id, ScoreItem.criterion_id, ScoreItem.points)
        .join(ScoreSheet, ScoreSheet.id == ScoreItem.sheet_id)
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .where(ScoreSheet.round_id == demo_round.id, ScoreSheet.status == SheetStatus.SUBMITTED,
               Assignment.state == AssignmentState.ACTIVE)
    ).all()
    by_pair = defaultdict(list)
    for app_id, criterion_id, points in counted:
        by_pair[(app_id, criterion_id)].append(float(points))
    run = rank.aggregate(session, review_round=demo_round, method="calibrated", seed=0, by=None)
    means = record.criterion_means(session, run=run)
    assert means.keys() == by_pair.keys()
    assert all(means[pair] == pytest.approx(sum(v) / len(v)) for pair, v in by_pair.items())

    # The explanation page and the exports show the same means.
    row = ranking_report(session, run=run).rows[0]
    application = session.exec(select(Application).where(Application.code == row.code)).one()
    explained = standings.application_result(session, run=run, application_id=application.id, show_names=False)
    assert explained.criterion_means == list(row.criterion_means)
