"""A consortium's history (its page, the centre's and its city's): the application it came from and every
annual report it filed, each with its round, year and status, and its score and rank in the round's
approved ranking where there is one. This is the one place that assembles the history: what a later
stage adds to each year is added to `HistoryRow` here: the published grade (results.grades) and the report's
key indicators (intake.self_evaluation), which the year-on-year view (registry.year_on_year) lays side by
side."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from ...models import Application, Consortium, Grade, RankingResult, Round, RoundKind
from ..intake.self_evaluation import INDICATORS, reports_of
from ..results.approval import approved_run
from ..results.grade_changes import published_history

ORIGIN, ANNUAL = "origin", "annual"


@dataclass(frozen=True)
class HistoryRow:
    """One line of the history: the founding application (`kind` ORIGIN) or an annual report (ANNUAL)."""

    kind: str
    round: Round
    application: Application
    score: float | None = None  # in the round's approved ranking
    rank: int | None = None
    ranked: int | None = None  # how many applications that ranking ranked
    grade: Grade | None = None  # the published grade of an annual report (results.grades)
    grade_changed: bool = False  # the grade was changed by hand before publication
    indicators: dict[str, object] | None = None  # an annual report's key indicators by key (None: none filed)


def history(session: Session, consortium: Consortium) -> list[HistoryRow]:
    """The consortium's history, oldest first: its founding application (when it came from one), then each
    annual-round application row bound to it."""
    found = session.exec(
        select(Application, Round)
        .join(Round, Round.id == Application.round_id)
        .where(sa.or_(
            Application.id == consortium.application_id,
            sa.and_(Application.consortium_id == consortium.id, Round.kind == RoundKind.ANNUAL_EVALUATION),
        ))
        .order_by(Round.year, Round.id)
    ).all()
    published = {row.application_id: row for row, _r in published_history(session, consortium_ids=[consortium.id])}
    reports = reports_of(session, [application.id for application, _r in found])
    rows = []
    for application, review_round in found:
        kind = ORIGIN if application.id == consortium.application_id else ANNUAL
        grade, report = published.get(application.id), reports.get(application.id)
        rows.append(
            HistoryRow(
                kind, review_round, application, *_standing(session, review_round, application),
                grade=grade.grade if grade else None, grade_changed=bool(grade and grade.reason),
                indicators={i.key: getattr(report, i.key) for i in INDICATORS} if report else None,
            )
        )
    return rows



def _standing(session: Session, review_round: Round, application: Application) -> tuple:
    """(score, rank, how many ranked) in the round's approved ranking, or Nones."""
    run = approved_run(session, round_id=review_round.id)
    if run is None:
        return None, None, None
    result = session.exec(select(RankingResult).where(RankingResult.ranking_run_id == run.id,
                                                      RankingResult.application_id == application.id)).first()
    ranked = session.exec(select(sa.func.count()).select_from(RankingResult).where(
        RankingResult.ranking_run_id == run.id)).one()
    if result is None:
        return None, None, ranked
    return result.score, result.rank, ranked
