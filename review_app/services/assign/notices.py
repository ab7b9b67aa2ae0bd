"""Experts told that their assignment is published: how many applications await their score, and by
when."""

from collections import Counter

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Assignment, AssignmentRun, AssignmentState, Expert, Round
from ..platform import notify
from ..platform.localtime import local_time


def assignment_published(session: Session, *, run: AssignmentRun) -> int:
    """One message to each expert with active seats of the published run; returns how many were sent."""
    review_round = session.get(Round, run.round_id)
    seats = Counter(
        session.exec(
            select(Assignment.expert_id).where(Assignment.run_id == run.id, Assignment.state == AssignmentState.ACTIVE)
        )
    )
    experts = list(session.exec(select(Expert).where(Expert.id.in_(list(seats))).order_by(Expert.code)))
    recipients = notify.expert_recipients(session, experts)
    subject = _("Your review assignment for %(round)s", round=review_round.name)
    when = local_time(review_round.scoring_deadline) or "—"
    sent = notify.post_many(session, [
        notify.Outgoing(
            recipients[expert.id],
            "assigned",
            subject,
            _(
                "Dear %(name)s, %(n)d application(s) of %(round)s are assigned to you for review. Please log in, "
                "accept the pledge, declare any conflict of interest and score them by %(when)s.",
                name=expert.name,
                n=seats[expert.id],
                round=review_round.name,
                when=when,
            ),
            review_round.id,
        )
        for expert in experts
    ])
    return sum(not s.duplicate for s in sent)
