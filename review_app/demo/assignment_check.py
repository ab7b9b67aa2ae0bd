"""The assignment console's feasibility card with a result: one check of the demo round stored, run as the
console's "检查可行性" button runs it (a job), so the centre sees the diagnosis without pressing it first."""

from __future__ import annotations

from flask import current_app
from sqlmodel import Session, select

from ..models import Job, Round
from ..services.assign import feasibility
from ..services.platform import jobs


def seed(session: Session, *, round_name: str) -> None:
    """Run and store the round's feasibility check once (the demo's last step: nothing changes after it,
    so the card does not show the result as out of date)."""
    review_round = session.exec(select(Round).where(Round.name == round_name)).one()
    done = select(Job).where(Job.round_id == review_round.id, Job.kind == feasibility.JOB_KIND)
    if session.exec(done).first() is not None:
        return
    job_id = feasibility.start(session, review_round=review_round, by=None)
    session.commit()
    jobs.run(current_app._get_current_object(), job_id)
