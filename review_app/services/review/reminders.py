"""The automatic reminders before the scoring deadline: 3 days and 1 day before it, each expert with open
sheets is reminded once (per deadline: an extended deadline reminds again). Run by `services.due`."""

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Round, RoundStage, User
from ...models._base import utcnow
from ..platform import notify
from ..platform.localtime import local_time
from .progress import round_progress

# (how long before the deadline, the reminder's kind), the nearest first
WINDOWS = ((timedelta(days=1), "deadline_1d"), (timedelta(days=3), "deadline_3d"))


def due_window(deadline: datetime, now: datetime) -> str | None:
    """The reminder due at `now` for `deadline`: the nearest window it is in, else None."""
    if now >= deadline:
        return None
    return next((kind for before, kind in WINDOWS if now >= deadline - before), None)


def scoring_deadline_reminders(session: Session, *, now: datetime | None = None) -> int:
    """Remind the experts with open sheets of every round in scoring whose deadline is 3 days or 1 day
    away; each (expert, deadline, window) once ever. Returns how many messages were sent."""
    now = now or utcnow()
    sent = 0
    for review_round in session.exec(select(Round).where(Round.stage == RoundStage.SCORING,
                                                         Round.scoring_deadline.is_not(None))):
        deadline = review_round.scoring_deadline
        deadline = deadline if deadline.tzinfo else deadline.replace(tzinfo=now.tzinfo)
        kind = due_window(deadline, now)
        if kind is None:
            continue
        pending = [row for row in round_progress(session, review_round=review_round).experts if row.counts.open]
        accounts = {u.expert_id: u for u in session.exec(
            select(User).where(User.expert_id.in_([row.expert.id for row in pending])))}
        for row in pending:
            to = notify.Recipient(accounts.get(row.expert.id), row.expert.email, row.expert.phone, row.expert.name)
            sent += not notify.post(
                session,
                to=to,
                kind=kind,
                round_id=review_round.id,
                subject=_("Scoring closes on %(when)s", when=local_time(deadline)),
                body=_(
                    "Dear %(name)s, scoring of %(round)s closes on %(when)s (Beijing time) and %(n)d application(s) "
                    "still await your score. Please submit in time.",
                    name=row.expert.name,
                    round=review_round.name,
                    when=local_time(deadline),
                    n=row.counts.open,
                ),
                once_key=f"{kind}:{review_round.id}:{deadline.isoformat()}:{row.expert.id}",
            ).duplicate
    return sent
