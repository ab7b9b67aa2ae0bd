"""The lock on a round's results. Once a ranking run is approved, nothing that would change what it says
is allowed: no aggregation, no cut-off, no change of the selection, no reopened score sheet. An explicit
reopen with a written reason withdraws the approval (audited); the withdrawn run stays stored exactly as it
was approved, as history. Once the round is published (公示) even the reopen is refused: a change then goes
through the objection workflow (异议处理).

The guards live here, in the services, so that the pages and the command line refuse the same things with
the same message."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import GradeRule, RankingRun, Round, RoundStage, User
from ...models._base import utcnow
from ..compliance import audit
from ..errors import ServiceError
from ..platform.localtime import local_time

MIN_REASON_LENGTH = 4
# The stages in which the results are public: locked for good (a change goes through the objections).
PUBLIC_STAGES = (RoundStage.PUBLISHED, RoundStage.DECIDED)


class LockedError(ServiceError):
    """A change the approval or the publication of the results forbids; the message is shown to the user."""


def approved_run(session: Session, *, round_id: int) -> RankingRun | None:
    """The round's approved ranking (approved and not withdrawn), if any."""
    return session.exec(
        select(RankingRun).where(RankingRun.round_id == round_id, RankingRun.is_final).order_by(RankingRun.id.desc())
    ).first()


def withdrawn_runs(session: Session, *, round_id: int) -> list[RankingRun]:
    """The round's runs whose approval was withdrawn, newest first: the history of the approvals."""
    return list(
        session.exec(
            select(RankingRun)
            .where(RankingRun.round_id == round_id, RankingRun.withdrawn_at.is_not(None))
            .order_by(RankingRun.withdrawn_at.desc())
        )
    )


def published_message() -> str:
    return _(
        "The round is published: its results are locked and the approval cannot be withdrawn. "
        "A change now goes through the objection procedure of the public notice."
    )


def ensure_open(session: Session, *, review_round: Round) -> None:
    """Refuse (LockedError) when the round's results are locked: published, or a ranking is approved."""
    if review_round.stage in PUBLIC_STAGES:
        raise LockedError(published_message())
    approved = approved_run(session, round_id=review_round.id)
    if approved is not None:
        raise LockedError(
            _(
                "The ranking of this round is approved (run %(run)d, %(when)s): scores, aggregation, cut-off "
                "and selection are locked. To change them, reopen the results with a reason first.",
                run=approved.id,
                when=local_time(approved.approved_at),
            )
        )


def ensure_editable(session: Session, *, run: RankingRun) -> None:
    """Refuse a change of `run` (its cut-off, selection or approval) when the round is locked, or when the
    run's own approval was withdrawn (it stays as it was approved)."""
    ensure_open(session, review_round=session.get(Round, run.round_id))
    if run.withdrawn_at is not None:
        raise LockedError(
            _(
                "The approval of run %(run)d was withdrawn; the run is kept as it was approved. "
                "Aggregate the scores again to make a new ranking.",
                run=run.id,
            )
        )


def reopen(session: Session, *, review_round: Round, reason: str, by: User | None) -> RankingRun:
    """Withdraw the approval of the round's ranking, with the reason (audited); returns the withdrawn run."""
    if review_round.stage in PUBLIC_STAGES:
        raise LockedError(published_message())
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise LockedError(
            _("Please give the reason for reopening the results (at least %(n)d characters).", n=MIN_REASON_LENGTH)
        )
    run = approved_run(session, round_id=review_round.id)
    if run is None:
        raise LockedError(_("No ranking of this round is approved: there is nothing to reopen."))
    if session.exec(select(GradeRule.id).where(GradeRule.ranking_run_id == run.id)).first() is not None:
        raise LockedError(_("The grades taken from this ranking are published: its approval cannot be withdrawn."))
    run.is_final = False
    run.withdrawn_at = utcnow()
    run.withdrawn_by_id = by.id if by else None
    run.withdrawn_reason = reason
    audit.record(
        session,
        action="ranking.reopen",
        by=by,
        target=run,
        round_id=review_round.id,
        details={"reason": reason, "approved_at": local_time(run.approved_at)},
    )
    return run


@dataclass(frozen=True)
class LockState:
    """What the results page needs to know to offer or hide its controls."""

    approved: RankingRun | None
    published: bool
    history: list[RankingRun]  # withdrawn approvals, newest first
    names: dict[int, str]  # who approved or withdrew, by user id

    @property
    def locked(self) -> bool:
        return self.published or self.approved is not None


def lock_state(session: Session, *, review_round: Round) -> LockState:
    """The round's approved ranking, whether it is published, and the withdrawn approvals with who acted."""
    approved = approved_run(session, round_id=review_round.id)
    history = withdrawn_runs(session, round_id=review_round.id)
    ids = {i for run in [approved, *history] if run for i in (run.approved_by_id, run.withdrawn_by_id) if i}
    users = session.exec(select(User).where(User.id.in_(ids))) if ids else []
    names = {user.id: user.display_name or user.username for user in users}
    return LockState(approved, review_round.stage in PUBLIC_STAGES, history, names)
