"""Approval locks a round's results (issue 14): once a ranking is approved, aggregation, cut-off, selection
and reopened sheets are refused; a reopen with a reason withdraws the approval (audited) and keeps the run
as history; once the round is published even the reopen is refused."""

import pytest
from sqlmodel import select

from review_app.models import AuditEvent, RankingResult, RankingRun, Round, RoundStage, ScoreSheet, SheetStatus
from review_app.services import rounds
from review_app.services.results import approval, rank, selection
from review_app.services.review import oversight

pytestmark = pytest.mark.demo


@pytest.fixture
def approved(session, users):
    """The demo round, closed, with a calibrated ranking cut at 10 and approved by admin1."""
    review_round = session.exec(select(Round).order_by(Round.id)).first()
    run, _comparison = rank.aggregate_round(session, review_round=review_round, method="calibrated", seed=0, by=None)
    selection.set_cutoff(session, run=run, cutoff=10, by=None)
    review_round.stage = RoundStage.CLOSED
    selection.approve(session, run=run, by=users["admin"])
    session.commit()
    return review_round, run


def _selected(session, run) -> list[int]:
    return sorted(
        r.application_id
        for r in session.exec(
            select(RankingResult).where(RankingResult.ranking_run_id == run.id, RankingResult.selected)
        )
    )


def test_every_change_after_approval_is_refused_and_nothing_moves(session, users, approved):
    review_round, run = approved
    before = _selected(session, run)
    runs_before = len(session.exec(select(RankingRun)).all())
    outside = session.exec(
        select(RankingResult).where(RankingResult.ranking_run_id == run.id, RankingResult.selected.is_(False))
    ).first()
    sheet = session.exec(
        select(ScoreSheet).where(ScoreSheet.round_id == review_round.id, ScoreSheet.status == SheetStatus.SUBMITTED)
    ).first()
    attempts = [
        lambda: rank.aggregate(session, review_round=review_round, by=None),
        lambda: selection.set_cutoff(session, run=run, cutoff=12, by=None),
        lambda: selection.set_selected(session, result=outside, selected=True, reason="补充入选", by=None),
        lambda: selection.approve(session, run=run, by=None),
        lambda: oversight.reopen(session, sheet=sheet, by=users["admin"], reason="补充评分意见"),
    ]
    for change in attempts:
        with pytest.raises(approval.LockedError) as refused:
            change()
        assert f"第 {run.id} 号汇总" in str(refused.value) and "撤回审定" in str(refused.value)
        session.rollback()
    assert _selected(session, run) == before and len(session.exec(select(RankingRun)).all()) == runs_before
    assert session.get(ScoreSheet, sheet.id).status == SheetStatus.SUBMITTED


def test_moving_back_to_scoring_past_an_approval_is_refused(session, approved):
    review_round, _run = approved
    with pytest.raises(rounds.RoundError, match="撤回审定"):
        rounds.advance(session, review_round=review_round, to_stage=RoundStage.SCORING, by=None)
    approval.reopen(session, review_round=review_round, reason="评分需复核", by=None)
    rounds.advance(session, review_round=review_round, to_stage=RoundStage.SCORING, by=None)
    assert review_round.stage == RoundStage.SCORING and approval.approved_run(session, round_id=review_round.id) is None


def test_a_reopen_needs_a_reason_withdraws_the_approval_and_keeps_the_run(session, users, approved):
    review_round, run = approved
    for reason in ("", "   ", "复核"):
        with pytest.raises(approval.LockedError, match="理由"):
            approval.reopen(session, review_round=review_round, reason=reason, by=users["admin"])
    before = _selected(session, run)
    approval.reopen(session, review_round=review_round, reason="专家组复议后调整入选名单", by=users["admin"])
    session.commit()
    session.refresh(run)
    assert not run.is_final and run.withdrawn_by_id == users["admin"].id and run.withdrawn_at is not None
    assert run.withdrawn_reason == "专家组复议后调整入选名单" and run.approved_by_id == users["admin"].id
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "ranking.reopen")).one()
    assert event.actor_id == users["admin"].id and "专家组复议后调整入选名单" in event.details
    assert approval.withdrawn_runs(session, round_id=review_round.id) == [run]
    with pytest.raises(approval.LockedError, match="没有已审定"):
        approval.reopen(session, review_round=review_round, reason="再撤回一次", by=None)

    # The withdrawn run stays as it was approved; a new aggregation is the way to a new ranking.
    for change in (
        lambda: selection.set_cutoff(session, run=run, cutoff=3, by=None),
        lambda: selection.approve(session, run=run, by=None),
    ):
        with pytest.raises(approval.LockedError, match="原样保留"):
            change()
    assert _selected(session, run) == before
    again = rank.aggregate(session, review_round=review_round, by=None)
    selection.set_cutoff(session, run=again, cutoff=3, by=None)
    selection.approve(session, run=again, by=users["admin"])
    session.commit()
    assert approval.approved_run(session, round_id=review_round.id).id == again.id
    approve_events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "ranking.approve", AuditEvent.round_id == review_round.id)
    ).all()
    assert len(approve_events) == 2 and '"selected": [' in approve_events[-1].details


def test_once_published_even_the_reopen_is_refused(session, approved):
    review_round, run = approved
    rounds.advance(session, review_round=review_round, to_stage=RoundStage.PUBLISHED, by=None)
    session.commit()
    for change in (
        lambda: approval.reopen(session, review_round=review_round, reason="公示后发现问题", by=None),
        lambda: rank.aggregate(session, review_round=review_round, by=None),
        lambda: selection.set_cutoff(session, run=run, cutoff=12, by=None),
    ):
        with pytest.raises(approval.LockedError, match="已公示.*异议"):
            change()
    assert approval.approved_run(session, round_id=review_round.id).id == run.id


def test_the_approval_migration_goes_down_and_up_with_ranking_data(app, session, approved):
    """0004 on a database with approved runs and their results: down to 0003 and up again; a run that
    was final before 0004 gets its creation time as its approval time."""
    import sqlalchemy as sa

    from review_app import db

    _review_round, run = approved
    session.close()
    engine = app.extensions["db_engine"]
    db.downgrade(engine, "0003")
    assert "approved_at" not in {c["name"] for c in sa.inspect(engine).get_columns("ranking_runs")}
    db.upgrade(engine)
    with engine.connect() as connection:
        approved_at, created_at = connection.execute(
            sa.text("SELECT approved_at, created_at FROM ranking_runs WHERE id = :id"), {"id": run.id}
        ).one()
    assert approved_at == created_at
