"""Scored rounds in `flask seed-demo`: every expert scores every application of a round, submitted, each
criterion near the application's quality with some noise (the rounds of the demo that are past scoring)."""

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import Session, select

from ..models import (
    Application,
    Assignment,
    AssignmentRun,
    Criterion,
    Expert,
    Round,
    RunStatus,
    ScoreItem,
    ScoreSheet,
    SheetStatus,
)


def score_everything(
    session: Session,
    review_round: Round,
    applications: list[Application],
    experts: list[Expert],
    rng: random.Random,
    *,
    share: Callable[[Application], float],
    when: datetime,
    recommend: Callable[[Application], bool] = lambda _application: True,
) -> None:
    """A published assignment of every expert to every application and one submitted sheet per pair
    (submitted 8 days before `when`): each criterion gets `share(application)` of its points ± 0.04, never
    under 45 %."""
    run = AssignmentRun(
        round_id=review_round.id, status=RunStatus.PUBLISHED, seed=0, published_at=when - timedelta(days=30)
    )
    session.add(run)
    session.flush()
    criteria = list(session.exec(select(Criterion).where(Criterion.round_id == review_round.id)))
    submitted = when - timedelta(days=8)
    for application in applications:
        for expert in experts:
            seat = Assignment(
                run_id=run.id, round_id=review_round.id, application_id=application.id, expert_id=expert.id
            )
            session.add(seat)
            session.flush()
            sheet = ScoreSheet(
                assignment_id=seat.id,
                round_id=review_round.id,
                application_id=application.id,
                expert_id=expert.id,
                status=SheetStatus.SUBMITTED,
                recommend=recommend(application),
                submitted_at=submitted,
                saved_at=submitted,
            )
            session.add(sheet)
            session.flush()
            total = 0
            for criterion in criteria:
                points = round(criterion.max_points * max(0.45, share(application) + rng.uniform(-0.04, 0.04)))
                session.add(ScoreItem(sheet_id=sheet.id, criterion_id=criterion.id, points=points))
                total += points
            sheet.total = total
    session.flush()
