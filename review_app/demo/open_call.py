"""A second new-consortium round of the demo, open for city intake with every city's quota left, beside
the round in scoring: a city login has applications to enter and submit."""

from datetime import timedelta

from sqlmodel import Session, select

from ..models import Round, RoundKind, RoundStage
from ..models._base import utcnow
from ..services import rounds

OPEN_ROUND_NAME = "2026年度江苏省创新联合体（新建申报·第二批）"


def open_second_call(session: Session) -> Round:
    """The round, made once and opened for intake (city deadline in three weeks)."""
    review_round = session.exec(select(Round).where(Round.name == OPEN_ROUND_NAME)).first()
    return review_round or open_round(session, name=OPEN_ROUND_NAME, kind=RoundKind.NEW_CONSORTIUM, scoring_days=56)


def open_round(session: Session, *, name: str, kind: RoundKind, scoring_days: int) -> Round:
    """A new round of the demo, open for city intake: cities have three weeks, the check two more."""
    review_round = rounds.create_round(session, name=name, kind=kind, year=2026)
    now = utcnow()
    review_round.city_deadline = now + timedelta(days=21)
    review_round.check_deadline = now + timedelta(days=35)
    review_round.scoring_deadline = now + timedelta(days=scoring_days)
    session.flush()
    rounds.advance(session, review_round=review_round, to_stage=RoundStage.INTAKE, by=None)
    return review_round
