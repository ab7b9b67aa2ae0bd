"""Selection and approval of a ranking: the cut-off line, a change of the selection by hand (with its
reason), and the approval of the round's final ranking, the one published. Every step is audited."""

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import RankingResult, RankingRun, User
from ..compliance import audit
from ..errors import ServiceError
from . import rank


class SelectionError(ServiceError):
    """A selection or approval that cannot be made; the message is shown to the user."""


def set_cutoff(session: Session, *, run: RankingRun, cutoff: int, by: User | None) -> int:
    """Select the applications ranked `cutoff` or better (ties at the line all go in); returns how many."""
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
    reason = reason.strip()
    if not reason:
        raise SelectionError(_("A reason is required to change the selection by hand."))
    result.selected = selected
    result.selection_reason = reason
    run = session.get(RankingRun, result.ranking_run_id)
    audit.record(
        session,
        action="ranking.select",
        by=by,
        target=result,
        round_id=run.round_id,
        details={"application_id": result.application_id, "selected": selected, "reason": reason},
    )


def approve(session: Session, *, run: RankingRun, by: User | None) -> None:
    """Make `run` the round's final ranking (the one published); any earlier final one stops being so."""
    if (
        run.method == rank.COMPARISON_METHOD
        and session.exec(
            select(RankingRun.id).where(
                RankingRun.round_id == run.round_id, RankingRun.method != rank.COMPARISON_METHOD
            )
        ).first()
    ):
        raise SelectionError(_("Approve the calibrated ranking, not the trimmed-mean comparison."))
    session.execute(sa.update(RankingRun).where(RankingRun.round_id == run.round_id).values(is_final=False))
    run.is_final = True
    audit.record(
        session,
        action="ranking.approve",
        by=by,
        target=run,
        round_id=run.round_id,
        details={"method": run.method, "cutoff": run.cutoff},
    )


def final_run(session: Session, *, round_id: int) -> RankingRun | None:
    """The round's approved ranking, if any."""
    return session.exec(
        select(RankingRun).where(RankingRun.round_id == round_id, RankingRun.is_final).order_by(RankingRun.id.desc())
    ).first()
