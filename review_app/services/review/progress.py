"""Scoring progress for the centre: per application and per expert, overdue experts, reminders and the
outbox of messages that were not mailed."""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Application, Assignment, AssignmentState, Expert, Notification, Round, ScoreSheet, User
from ...models._base import utcnow
from ..compliance import audit
from ..platform import notify
from ..platform.csvfiles import csv_bytes

DUE_SOON = timedelta(days=2)


@dataclass(frozen=True)
class Counts:
    untouched: int = 0
    draft: int = 0
    submitted: int = 0

    @property
    def open(self) -> int:
        return self.untouched + self.draft


@dataclass(frozen=True)
class ApplicationProgress:
    application: Application
    counts: Counts


@dataclass(frozen=True)
class ExpertProgress:
    expert: Expert
    counts: Counts
    overdue: bool  # open sheets past the deadline, or untouched ones with the deadline close


@dataclass(frozen=True)
class Progress:
    round: Round
    applications: list[ApplicationProgress]
    experts: list[ExpertProgress]
    outbox: int  # messages not mailed (no SMTP, or mailing failed)


def _counts(rows) -> dict[int, Counts]:
    grouped: dict[int, dict[str, int]] = {}
    for key, status, n in rows:
        grouped.setdefault(key, {})[status.value] = n
    return {key: Counts(**values) for key, values in grouped.items()}


def round_progress(session: Session, *, review_round: Round) -> Progress:
    """How many of each application's and each expert's active sheets are untouched, drafted, submitted."""
    active = (
        select(ScoreSheet)
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .where(ScoreSheet.round_id == review_round.id, Assignment.state == AssignmentState.ACTIVE)
        .subquery()
    )
    by_app = _counts(
        session.execute(
            select(active.c.application_id, active.c.status, sa.func.count()).group_by(
                active.c.application_id, active.c.status
            )
        ).all()
    )
    by_expert = _counts(
        session.execute(
            select(active.c.expert_id, active.c.status, sa.func.count()).group_by(active.c.expert_id, active.c.status)
        ).all()
    )
    applications = session.exec(
        select(Application).where(Application.id.in_(list(by_app))).order_by(Application.code)
    ).all()
    experts = session.exec(select(Expert).where(Expert.id.in_(list(by_expert))).order_by(Expert.code)).all()
    now, deadline = utcnow(), review_round.scoring_deadline
    late = deadline is not None and now > deadline
    soon = deadline is not None and now > deadline - DUE_SOON

    def overdue(counts: Counts) -> bool:
        return (late and counts.open > 0) or (soon and counts.untouched > 0)

    outbox = session.exec(
        select(sa.func.count())
        .select_from(Notification)
        .where(Notification.round_id == review_round.id, Notification.sent_at.is_(None))
    ).one()
    return Progress(
        review_round,
        [ApplicationProgress(a, by_app[a.id]) for a in applications],
        sorted(
            (ExpertProgress(e, by_expert[e.id], overdue(by_expert[e.id])) for e in experts),
            key=lambda p: (not p.overdue, -p.counts.open, p.expert.code),
        ),
        outbox,
    )


def remind(session: Session, *, review_round: Round, by: User | None) -> int:
    """Send every expert with open sheets a reminder (mailed when SMTP is configured, else kept in the
    outbox, and always shown on their dashboard); returns how many experts were reminded."""
    progress = round_progress(session, review_round=review_round)
    users = {u.expert_id: u for u in session.exec(select(User).where(User.expert_id.is_not(None)))}
    deadline = review_round.scoring_deadline
    reminded = 0
    for row in progress.experts:
        if row.counts.open == 0:
            continue
        notify.send(
            session,
            user=users.get(row.expert.id),
            email=row.expert.email,
            kind="reminder",
            round_id=review_round.id,
            subject=_("Reminder: %(n)d application(s) await your score", n=row.counts.open),
            body=_(
                "Dear %(name)s, %(n)d application(s) of %(round)s still await your score. Deadline: %(when)s.",
                name=row.expert.name,
                n=row.counts.open,
                round=review_round.name,
                when=deadline.isoformat(timespec="minutes") if deadline else "—",
            ),
        )
        reminded += 1
    audit.record(
        session,
        action="progress.remind",
        by=by,
        target=review_round,
        round_id=review_round.id,
        details={"experts": reminded},
    )
    return reminded


def outbox_csv(session: Session, *, round_id: int) -> bytes:
    """The messages of the round that were not mailed, for the office to send: UTF-8 with a BOM."""
    messages = session.exec(
        select(Notification)
        .where(Notification.round_id == round_id, Notification.sent_at.is_(None))
        .order_by(Notification.id)
    )
    return csv_bytes(
        [_("Time"), _("E-mail"), _("Subject"), _("Message")],
        [(m.created_at.isoformat(timespec="minutes"), m.email or "", m.subject, m.body) for m in messages],
    )
