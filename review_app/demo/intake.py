"""The intake side of `flask seed-demo`: the formal check of the demo round, and a second round, an
annual self-evaluation of the registry's consortia (demo/registry.py: about 30 across the 13 cities) in
city intake, so a city login has something to do.

Idempotent like the rest of the demo: each part is found by what it made and not made twice. A
separate random stream keeps the main demo round exactly as it was.
"""

from sqlmodel import Session, select

from ..models import Application, CheckResult, Round, RoundKind
from ..services.check import runner as check_runner
from . import open_call, registry

ANNUAL_ROUND_NAME = "2026年度江苏省创新联合体年度自评"


def seed(session: Session, *, main_round_name: str) -> None:
    """Check the main demo round once, and open the annual round once."""
    main = session.exec(select(Round).where(Round.name == main_round_name)).first()
    if main is not None and not _checked(session, main):
        check_runner.run_check(session, review_round=main, by=None, allow_frozen=True)
    if session.exec(select(Round).where(Round.name == ANNUAL_ROUND_NAME)).first() is None:
        _annual_round(session)


def _checked(session: Session, review_round: Round) -> bool:
    return (
        session.exec(
            select(CheckResult.id)
            .join(Application, Application.id == CheckResult.application_id)
            .where(Application.round_id == review_round.id)
        ).first()
        is not None
    )


def _annual_round(session: Session) -> Round:
    """The registry's consortia (imported from the demo's registry workbook), then their annual round."""
    registry.seed(session)
    return open_call.open_round(session, name=ANNUAL_ROUND_NAME, kind=RoundKind.ANNUAL_EVALUATION, scoring_days=60)
