"""The centre's side of the score sheets: the progress board (per application and per expert, overdue
first), reopening a submitted sheet with a reason, and extending the scoring deadline; the experts
concerned are told (services.notify)."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import (
    Application,
    Assignment,
    AssignmentState,
    Expert,
    Round,
    RoundStage,
    ScoreSheet,
    SheetStatus,
    User,
)
from ...models._base import utcnow
from ..compliance import audit
from ..platform import notify
from .sheets import MAX_REASON_LENGTH, ReviewError, deadline_passed, local_time


def reopen(session: Session, *, sheet: ScoreSheet, by: User, reason: str) -> bool:
    """Unlock a submitted sheet for its expert, with the reason (audited; the expert is told).
    Returns whether the scoring deadline has passed (the centre then needs to extend it too)."""
    reason = reason.strip()
    if not reason:
        raise ReviewError(_("Please give the reason for reopening the sheet."))
    if len(reason) > MAX_REASON_LENGTH:
        raise ReviewError(_("The reason is too long (at most %(n)d characters).", n=MAX_REASON_LENGTH))
    if sheet.status != SheetStatus.SUBMITTED:
        raise ReviewError(_("Only a submitted sheet can be reopened."))
    sheet.status = SheetStatus.DRAFT
    sheet.submitted_at = None
    sheet.reopened_reason = reason
    sheet.version += 1
    application = session.get(Application, sheet.application_id)
    expert = session.get(Expert, sheet.expert_id)
    review_round = session.get(Round, sheet.round_id)
    audit.record(
        session,
        action="sheet.reopen",
        by=by,
        target=sheet,
        round_id=sheet.round_id,
        details={"reason": reason, "expert": expert.code, "application": application.code},
    )
    account = session.exec(select(User).where(User.expert_id == expert.id)).first()
    notify.send(
        session,
        user=account,
        email=expert.email,
        kind="reopened",
        round_id=sheet.round_id,
        subject=_("Your score sheet for %(code)s has been reopened", code=application.code),
        body=_(
            "The provincial centre has reopened your score sheet for %(code)s %(title)s. Reason: %(reason)s. "
            "Please log in, check it and submit it again.",
            code=application.code,
            title=application.title,
            reason=reason,
        ),
    )
    return deadline_passed(review_round)


def extend_deadline(session: Session, *, round_id: int, by: User, deadline: datetime) -> int:
    """Set a later scoring deadline; experts with sheets still open are told. Returns how many."""
    review_round = session.get(Round, round_id)
    if review_round is None:
        raise ReviewError(_("No such round."))
    if deadline.tzinfo is None:
        raise ReviewError(_("The deadline needs a time zone."))
    if deadline <= utcnow():
        raise ReviewError(_("The new deadline must be in the future."))
    if review_round.stage != RoundStage.SCORING:
        raise ReviewError(_("Scoring is not open in this round."))
    old = review_round.scoring_deadline
    review_round.scoring_deadline = deadline
    audit.record(
        session,
        action="round.extend_scoring_deadline",
        by=by,
        target=review_round,
        round_id=review_round.id,
        details={"old": old.isoformat() if old else None, "new": deadline.isoformat()},
    )
    pending = session.exec(
        select(Expert, User)
        .join(User, User.expert_id == Expert.id, isouter=True)
        .where(
            Expert.id.in_(
                select(ScoreSheet.expert_id)
                .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
                .where(
                    ScoreSheet.round_id == review_round.id,
                    ScoreSheet.status != SheetStatus.SUBMITTED,
                    Assignment.state == AssignmentState.ACTIVE,
                )
            )
        )
    ).all()
    for expert, account in pending:
        notify.send(
            session,
            user=account,
            email=expert.email,
            kind="deadline",
            round_id=review_round.id,
            subject=_("The scoring deadline has been extended"),
            body=_(
                "The scoring deadline of %(round)s is now %(when)s. Please submit your open score sheets in time.",
                round=review_round.name,
                when=local_time(deadline),
            ),
        )
    return len(pending)


@dataclass(frozen=True)
class ProgressRow:
    sheet: ScoreSheet
    application: Application
    expert: Expert
    state: AssignmentState


def progress(session: Session, *, review_round: Round, status: str = "") -> list[ProgressRow]:
    """Every sheet of the round for the centre, by application then expert; `status` filters:
    a SheetStatus value, or "recused" for the replacement list."""
    query = (
        select(ScoreSheet, Application, Expert, Assignment.state)
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .join(Application, Application.id == ScoreSheet.application_id)
        .join(Expert, Expert.id == ScoreSheet.expert_id)
        .where(ScoreSheet.round_id == review_round.id)
        .order_by(Application.code, Expert.code)
    )
    if status == "recused":
        query = query.where(Assignment.state == AssignmentState.RECUSED)
    elif status in {s.value for s in SheetStatus}:
        query = query.where(ScoreSheet.status == status, Assignment.state == AssignmentState.ACTIVE)
    return [ProgressRow(*row) for row in session.exec(query).all()]


@dataclass(frozen=True)
class RoundProgress:
    round: Round
    rows: list[ProgressRow]
    counts: dict[str, int]
    deadline_passed: bool


def round_progress(session: Session, *, round_id: int, status: str = "") -> RoundProgress | None:
    """The centre's view of a round's sheets, with counts per status and the replacement list's size."""
    review_round = session.get(Round, round_id)
    if review_round is None:
        return None
    everything = progress(session, review_round=review_round)
    counts = {"": len(everything), "recused": sum(r.state == AssignmentState.RECUSED for r in everything)}
    for s in SheetStatus:
        counts[s.value] = sum(r.state == AssignmentState.ACTIVE and r.sheet.status == s for r in everything)
    rows = everything if not status else progress(session, review_round=review_round, status=status)
    return RoundProgress(review_round, rows, counts, deadline_passed(review_round))


def sheet_for_admin(session: Session, *, sheet_id: int) -> ProgressRow | None:
    row = session.exec(
        select(ScoreSheet, Application, Expert, Assignment.state)
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .join(Application, Application.id == ScoreSheet.application_id)
        .join(Expert, Expert.id == ScoreSheet.expert_id)
        .where(ScoreSheet.id == sheet_id)
    ).first()
    return ProgressRow(*row) if row else None
