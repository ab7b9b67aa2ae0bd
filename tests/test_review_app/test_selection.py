"""Selection and approval of a ranking: the cut-off with its ties, a change by hand with its reason, and
the one final ranking of a round."""

import pytest
import sqlalchemy as sa
from sqlmodel import select

from review_app.models import AuditEvent, RankingResult, Round, RoundStage
from review_app.services.results import approval, rank, selection

pytestmark = pytest.mark.demo


@pytest.fixture
def runs(session):
    review_round = session.exec(select(Round).order_by(Round.id)).first()
    main, comparison = rank.aggregate_round(session, review_round=review_round, method="calibrated", seed=0, by=None)
    session.commit()
    return main, comparison


def test_the_cutoff_takes_every_tie_at_the_line(session, runs):
    main, _comparison = runs
    ranked = rank.results(session, run=main)
    # A tie across the line of 4, written beneath the ORM (a stored run refuses changes to its figures).
    tied = [ranked[3].result.id, ranked[4].result.id]
    session.execute(sa.update(RankingResult).where(RankingResult.id.in_(tied)).values(rank=4))
    session.expire_all()
    ranked = rank.results(session, run=main)
    chosen = selection.set_cutoff(session, run=main, cutoff=4, by=None)
    assert chosen == sum(r.result.rank <= 4 for r in ranked) >= 5
    assert all(r.result.selected == (r.result.rank <= 4) for r in ranked)
    with pytest.raises(selection.SelectionError):
        selection.set_cutoff(session, run=main, cutoff=-1, by=None)


def test_a_change_by_hand_needs_a_reason_and_is_audited(session, runs):
    main, _comparison = runs
    result = session.exec(select(RankingResult).where(RankingResult.ranking_run_id == main.id)).first()
    with pytest.raises(selection.SelectionError):
        selection.set_selected(session, result=result, selected=True, reason="  ", by=None)
    selection.set_selected(session, result=result, selected=True, reason="专家组复议", by=None)
    assert result.selected and result.selection_reason == "专家组复议"
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "ranking.select")).first()


def test_one_final_ranking_and_never_the_comparison(session, runs):
    main, comparison = runs
    review_round = session.get(Round, main.round_id)
    assert selection.final_run(session, round_id=main.round_id) is None
    with pytest.raises(selection.SelectionError, match="请先结束评分"):
        selection.approve(session, run=main, by=None)  # still scoring
    review_round.stage = RoundStage.CLOSED
    with pytest.raises(selection.SelectionError):
        selection.approve(session, run=comparison, by=None)
    selection.approve(session, run=main, by=None)
    session.commit()
    assert selection.final_run(session, round_id=main.round_id).id == main.id
    assert main.approved_at is not None
    with pytest.raises(approval.LockedError, match="已审定"):  # another run needs a reopen first
        selection.approve(session, run=comparison, by=None)
