"""Selection and approval of a ranking: the cut-off line, a change of the selection by hand (with its
reason), and the approval of the round's final ranking, the one exported and published. Every step is
audited; once a ranking is approved, every step is refused until the results are reopen (`approval`)."""

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import RankingResult, RankingRun, Round, RoundStage, User
from ...models._base import utcnow
from ..compliance import audit
from ..errors import ServiceError
from . import approval, rank


class SelectionError(ServiceError):
    """A selection or approval that cannot be made; the message is shown to the user."""


def set_cutoff(session: Session, *, run: RankingRun, cutoff: int, by: User | None) -> int:
    """Select the applications ranked `cutoff` or better (ties at the line all go in); returns how many."""
    approval.ensure_editable(session, run=run)
    if cutoff < 0:
        raise SelectionError(_("The cut-off must be zero or more."))
    chosen = 0
    for ranked in rank.results(session, run=run):
        ranked.result.selected = ranked.result.rank <= cutoff
        ranked.result.selection_reason = _("Within the cut-off") if ranked.result.selected else ""
        chosen += ranked.result.selected
    run.cutoff = cutoff
    audit.record(
        session,
        action="ranking.cutoff",
        by=by,
        target=run,
        round_id=run.round_id,
        details={"cutoff": cutoff, "selected": chosen},
    )
    return chosen


def set_selected(session: Session, *, result: RankingResult, selected: bool, reason: str, by: User | None) -> None:
    """Put one application in or out of the selection by hand; a written reason is required."""
    run = session.get(RankingRun, result.ranking_run_id)
    approval.ensure_editable(session, run=run)
    reason = reason.strip()
    if not reason:
        raise SelectionError(_("A reason is required to change the selection by hand."))
    result.selected = selected
    result.selection_reason = reason
    audit.record(
        session,
        action="ranking.select",
        by=by,
        target=result,
        round_id=run.round_id,
        details={"application_id": result.application_id, "selected": selected, "reason": reason},
    )


def approve(session: Session, *, run: RankingRun, by: User | None) -> None:
    """Make `run` the round's approved ranking: the one exported and published. The round's results are
    locked from then on; only an explicit reopen (`approval.reopen`) withdraws the approval."""
    approval.ensure_editable(session, run=run)
    review_round = session.get(Round, run.round_id)
    if review_round.stage != RoundStage.CLOSED:
        raise SelectionError(_("Close scoring first: a ranking is approved once every score is in."))
    if (
        run.method == rank.COMPARISON_METHOD
        and session.exec(
            select(RankingRun.id).where(
                RankingRun.round_id == run.round_id, RankingRun.method != rank.COMPARISON_METHOD
            )
        ).first()
    ):
        raise SelectionError(_("Approve the calibrated ranking, not the trimmed-mean comparison."))
    run.is_final = True
    run.approved_at = utcnow()
    run.approved_by_id = by.id if by else None
    selected = [r.application.code for r in rank.results(session, run=run) if r.result.selected]
    audit.record(
        session,
        action="ranking.approve",
        by=by,
        target=run,
        round_id=run.round_id,
        details={"method": run.method, "seed": run.seed, "cutoff": run.cutoff, "selected": selected},
    )


def working_run(session: Session, *, round_id: int) -> RankingRun | None:
    """The run the centre works on: the approved one, else the newest that is not the comparison (else
    the newest)."""
    return (
        approval.approved_run(session, round_id=round_id)
        or session.exec(
            select(RankingRun)
            .where(RankingRun.round_id == round_id, RankingRun.method != rank.COMPARISON_METHOD)
            .order_by(RankingRun.id.desc())
        ).first()
        or rank.latest_run(session, round_id=round_id)
    )


final_run = approval.approved_run
