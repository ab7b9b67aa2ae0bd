"""The centre's actions while experts score: reopening a submitted sheet with a reason, extending the
scoring deadline, and reminding the experts with open sheets. The experts concerned are told
(platform.notify: mailed when SMTP is configured, else kept in the outbox, and always on their dashboard);
what the centre reads about the sheets is review.progress."""

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Application, Expert, Round, RoundStage, ScoreSheet, SheetStatus, User
from ...models._base import utcnow
from ..compliance import audit
from ..platform import notify
from ..platform.localtime import local_time
from ..results import approval
from .progress import ExpertProgress, round_progress
from .sheets import ReviewError, checked_reason, deadline_passed


def reopen(session: Session, *, sheet: ScoreSheet, by: User, reason: str) -> bool:
    """Unlock a submitted sheet for its expert, with the reason (audited; the expert is told).
    Returns whether the scoring deadline has passed (the centre then needs to extend it too). Refused
    once the round's ranking is approved: the approved ranking stands on the submitted sheets."""
    approval.ensure_open(session, review_round=session.get(Round, sheet.round_id))
    reason = checked_reason(reason, missing=_("Please give the reason for reopening the sheet."))
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
    notify.post(
        session,
        to=notify.expert_recipient(session, expert),
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
    told = _tell_experts_with_open_sheets(
        session,
        review_round,
        kind="deadline",
        compose=lambda row: (
            _("The scoring deadline has been extended"),
            _(
                "The scoring deadline of %(round)s is now %(when)s. Please submit your open score sheets in time.",
                round=review_round.name,
                when=local_time(deadline),
            ),
        ),
    )
    return told.sent


class Reminded(NamedTuple):
    """How many experts a reminder reached, and how many had the same one within the hour (not again)."""

    sent: int
    repeated: int


def remind(session: Session, *, review_round: Round, by: User | None) -> Reminded:
    """Send every expert with open sheets a reminder (not again to one reminded alike within the hour)."""
    deadline = review_round.scoring_deadline
    reminded = _tell_experts_with_open_sheets(
        session,
        review_round,
        kind="reminder",
        compose=lambda row: (
            _("Reminder: %(n)d application(s) await your score", n=row.counts.open),
            _(
                "Dear %(name)s, %(n)d application(s) of %(round)s still await your score. Deadline: %(when)s.",
                name=row.expert.name,
                n=row.counts.open,
                round=review_round.name,
                when=local_time(deadline) or "—",
            ),
        ),
    )
    audit.record(
        session,
        action="progress.remind",
        by=by,
        target=review_round,
        round_id=review_round.id,
        details={"experts": reminded.sent, "repeated": reminded.repeated},
    )
    return reminded


def _tell_experts_with_open_sheets(
    session: Session, review_round: Round, *, kind: str, compose: Callable[[ExpertProgress], tuple[str, str]]
) -> Reminded:
    """Send each expert with untouched or drafted sheets on an active panel seat the message `compose`
    writes for them (subject, body), in the progress board's order (overdue first); how many were sent,
    and how many had the same message within the de-duplication window."""
    pending = [row for row in round_progress(session, review_round=review_round).experts if row.counts.open]
    accounts = {
        u.expert_id: u for u in session.exec(select(User).where(User.expert_id.in_([row.expert.id for row in pending])))
    }
    sent = 0
    for row in pending:
        subject, body = compose(row)
        to = notify.Recipient(accounts.get(row.expert.id), row.expert.email, row.expert.phone, row.expert.name)
        outcome = notify.post(session, to=to, kind=kind, round_id=review_round.id, subject=subject, body=body)
        sent += not outcome.duplicate
    return Reminded(sent, len(pending) - sent)
