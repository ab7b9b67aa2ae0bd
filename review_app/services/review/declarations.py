"""What the expert states before scoring: the round's review pledge (评审承诺书), once per round, and for
each application the conflict declaration on opening it (no conflict, or 申请回避, which withdraws them)."""

from flask_babel import gettext as _
from sqlmodel import Session

from ...models import (
    Assignment,
    AssignmentState,
    Conflict,
    ConflictDeclaration,
    ConflictSource,
    PledgeAcceptance,
    Round,
    ScoreSheet,
    User,
)
from ...models._base import utcnow
from ..assign import panel_recusals
from ..compliance import audit
from .sheets import ReviewError, checked_reason, edit_blocker, pledge_of, remember_pledge, require_pledge


def accept_pledge(session: Session, *, review_round: Round, expert_id: int, by: User) -> PledgeAcceptance:
    """Record that the expert accepted the round's 评审承诺书 (once; accepting again changes nothing)."""
    existing = pledge_of(session, round_id=review_round.id, expert_id=expert_id)
    if existing is not None:
        return existing
    pledge = PledgeAcceptance(round_id=review_round.id, expert_id=expert_id, accepted_at=utcnow())
    session.add(pledge)
    session.flush()
    remember_pledge(session, round_id=review_round.id, expert_id=expert_id, pledge=pledge)
    audit.record(
        session,
        action="pledge.accept",
        by=by,
        target=pledge,
        round_id=review_round.id,
        details={"expert_id": expert_id, "pledge_text": review_round.pledge_text},
    )
    return pledge


def declare(session: Session, *, sheet: ScoreSheet, by: User, conflict: bool, reason: str = "") -> None:
    """The expert's declaration on opening the application: no conflict, or a conflict (申请回避).

    A declared conflict withdraws the expert: the assignment becomes RECUSED (the centre's replacement
    list), the conflict is recorded with source `declared`, and the sheet is closed. On a panel it is a
    recusal from that application, as at a meeting: the member stays on the panel (panel_recusals).
    """
    require_pledge(session, sheet)
    if sheet.declaration is not None:
        raise ReviewError(_("You have already made your declaration for this application."))
    blocker = edit_blocker(session, sheet)
    if blocker:
        raise ReviewError(blocker)
    if conflict:
        reason = checked_reason(reason, missing=_("Please give the reason for your conflict of interest."))
        assignment = session.get(Assignment, sheet.assignment_id)
        assignment.state = AssignmentState.RECUSED
        seat = panel_recusals.recuse(session, assignment=assignment)
        sheet.declaration = ConflictDeclaration.CONFLICT
        sheet.declaration_reason = reason
        conflict_row = Conflict(
            expert_id=sheet.expert_id,
            application_id=sheet.application_id,
            source=ConflictSource.DECLARED,
            reason=reason,
            created_by_id=by.id,
        )
        session.add(conflict_row)
        session.flush()
        audit.record(
            session,
            action="sheet.declare_conflict",
            by=by,
            target=sheet,
            round_id=sheet.round_id,
            details={"application_id": sheet.application_id, "assignment_id": assignment.id, "reason": reason,
                     **({"panel_seat_id": seat.id} if seat else {})},
        )
    else:
        sheet.declaration = ConflictDeclaration.NONE_DECLARED
        audit.record(
            session,
            action="sheet.declare_none",
            by=by,
            target=sheet,
            round_id=sheet.round_id,
            details={"application_id": sheet.application_id},
        )
    sheet.version += 1
