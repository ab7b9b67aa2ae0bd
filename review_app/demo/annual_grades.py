"""The annual evaluations of earlier years in `flask seed-demo` (issue 22): the 2024 and 2025 annual rounds
taken through to published grades (reports filed, sheets scored, ranking approved, grades published), so
that each consortium's page shows its grades year on year and the 2025 round's table of changes has
consortia that improved, fell, and one 不合格 for the second time. Idempotent: each round is found by name.

The scores are drawn per consortium from a quality that drifts from year to year, with three storylines
fixed whatever the draw for the first three consortia (by code) evaluated both years: the first is weak both
years (不合格 twice), the second falls from 良好 to 不合格, the third rises to 优秀."""

import random
from datetime import timedelta
from decimal import Decimal

from sqlmodel import Session, select

from ..models import Application, Consortium, Expert, Round, RoundKind, RoundStage
from ..models._base import utcnow
from ..services import rounds
from ..services.intake import annual, applications, self_evaluation
from ..services.platform.storage import FolderStore
from ..services.results import grades, rank, selection
from . import materials
from .experts import accept_pledges
from .scoring import score_everything
from .self_evaluation import report_input

YEARS = (2024, 2025)
SEED = 20251201
ROUND_NAME = "{year}年度江苏省创新联合体年度自评"
# Quality (the share of each criterion's points) of the storylines, by year.
STORIES = ({2024: 0.52, 2025: 0.50}, {2024: 0.84, 2025: 0.55}, {2024: 0.82, 2025: 0.95})


def seed(session: Session, store: FolderStore) -> list[Round]:
    """Make the graded annual rounds of the earlier years once (they need the registry and the experts)."""
    consortia = list(session.exec(select(Consortium).order_by(Consortium.code)))
    experts = list(session.exec(select(Expert).order_by(Expert.code).offset(20).limit(5)))
    if not consortia or len(experts) < 5:
        return []
    rng = random.Random(SEED)
    base = {c.id: rng.uniform(0.62, 0.93) for c in consortia}
    # The storylines go to the consortia evaluated both years, in code order.
    veterans = [c for c in consortia if c.established_year < YEARS[0]]
    stories = {c.id: STORIES[n] for n, c in enumerate(veterans[: len(STORIES)])}
    made = []
    for year in YEARS:
        name = ROUND_NAME.format(year=year)
        if session.exec(select(Round).where(Round.name == name)).first() is not None:
            continue
        taking_part = [c for c in consortia if c.established_year < year]
        quality = {}
        for consortium in taking_part:
            drift = rng.gauss(0, 0.05) if year > YEARS[0] else 0.0
            drawn = min(base[consortium.id] + drift, 0.97)
            quality[consortium.id] = stories.get(consortium.id, {}).get(year, drawn)
        made.append(_graded_round(session, store, year, taking_part, quality, experts, rng))
    return made


def _graded_round(session, store, year, consortia, quality, experts, rng) -> Round:
    review_round = rounds.create_round(
        session, name=ROUND_NAME.format(year=year), kind=RoundKind.ANNUAL_EVALUATION, year=year
    )
    review_round.stage, review_round.city_deadline = RoundStage.INTAKE, utcnow() + timedelta(days=1)
    reports = [_report(session, review_round, c, quality[c.id], rng) for c in consortia]
    materials.attach_all(session, store, [review_round.name])  # the self-evaluation PDF every report has
    for report in reports:
        applications.submit(session, application=report, by=None)
    closed = utcnow().replace(year=year + 1, month=3, day=31)
    review_round.city_deadline = closed - timedelta(days=60)
    review_round.check_deadline = closed - timedelta(days=45)
    review_round.scoring_deadline = closed - timedelta(days=10)
    score_everything(
        session, review_round, reports, experts, rng, share=lambda report: quality[report.consortium_id], when=closed
    )
    accept_pledges(session)  # no saved sheet without the pledge accepted
    review_round.stage = RoundStage.CLOSED
    run = rank.aggregate(session, review_round=review_round, method="calibrated", seed=0, by=None)
    selection.approve(session, run=run, by=None)
    grades.publish(session, review_round=review_round, by=None)
    return review_round


def _report(session: Session, review_round: Round, consortium: Consortium, quality: float, rng) -> Application:
    """The consortium's report as its city filed it: the six parts, the indicators (larger the better the
    year went), the opinion."""
    report = annual.annual_report(
        session, review_round=review_round, consortium_id=consortium.id, city_id=consortium.city_id, by=None
    )
    filed = report_input(consortium, "complete", rng)
    factor = Decimal(str(round(quality / 0.8, 2)))
    filed.indicators = {
        key: (round(value * factor) if isinstance(value, int) else (value * factor).quantize(Decimal("0.01")))
        for key, value in filed.indicators.items()
    }
    self_evaluation.save(session, application=report, data=filed, by=None)
    applications.update_opinion(
        session,
        application=report,
        necessity="联合体年度任务推进情况属实，同意报送。",
        feasibility="下年度工作计划目标明确、措施可行。",
        by=None,
    )
    return report
