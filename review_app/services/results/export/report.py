"""What the exports of a round hold: the stored ranking with each application's city, lead unit and
per-criterion mean points, the columns the Excel and CSV files show it in, and every submitted score sheet
(for the workbook and the round archive)."""

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, select

from ....models import (
    Application,
    City,
    Criterion,
    Expert,
    RankingCriterionMean,
    RankingResult,
    RankingRun,
    Round,
    ScoreItem,
    ScoreSheet,
    SheetStatus,
)
from ...errors import ServiceError
from ...rounds import criteria_of
from ..labels import flags_text, yes_no


class ExportError(ServiceError):
    """An export that cannot be made; the message is shown to the user."""


@dataclass(frozen=True)
class RankingRow:
    rank: int
    code: str
    title: str
    city: str
    lead: str
    field: str
    score: float
    ci_low: int
    ci_high: int
    n_reviews: int
    flags: str
    selected: bool
    criterion_means: tuple[float | None, ...]


@dataclass(frozen=True)
class RankingReport:
    round: Round
    run: RankingRun
    criteria: list[Criterion]
    rows: list[RankingRow]


def ranking_report(session: Session, *, run: RankingRun) -> RankingReport:
    """The stored ranking with each application's city, lead unit (as declared) and per-criterion mean
    points, read as plain columns (a national round has 10,000 lines)."""
    review_round = session.get(Round, run.round_id)
    criteria = criteria_of(session, run.round_id)
    means: dict[tuple[int, int], float] = {
        (app_id, criterion_id): mean
        for app_id, criterion_id, mean in session.execute(
            select(RankingCriterionMean.application_id, RankingCriterionMean.criterion_id, RankingCriterionMean.mean)
            .where(RankingCriterionMean.ranking_run_id == run.id)
        )
    }
    found = session.execute(
        select(RankingResult.rank, RankingResult.score, RankingResult.ci_low, RankingResult.ci_high,
               RankingResult.n_reviews, RankingResult.flags, RankingResult.selected, Application.id,
               Application.code, Application.title, City.name, Application.lead_name, Application.field)
        .join(Application, Application.id == RankingResult.application_id)
        .join(City, City.id == Application.city_id)
        .where(RankingResult.ranking_run_id == run.id)
        .order_by(RankingResult.rank, Application.code)
    )
    rows = [
        RankingRow(
            rank=rank_, code=code, title=title, city=city, lead=lead, field=field, score=score, ci_low=ci_low,
            ci_high=ci_high, n_reviews=n_reviews, flags=flags, selected=selected,
            criterion_means=tuple(means.get((app_id, c.id)) for c in criteria),
        )
        for rank_, score, ci_low, ci_high, n_reviews, flags, selected, app_id, code, title, city, lead, field in found
    ]
    return RankingReport(review_round, run, criteria, rows)


def ranking_header(report: RankingReport) -> list[str]:
    return [
        _("Rank"),
        _("Application no."),
        _("Consortium"),
        _("City"),
        _("Lead unit"),
        _("Field"),
        _("Score"),
        _("Rank interval"),
        _("Reviews"),
        _("Flags"),
        _("Selected"),
        *[f"{c.title}（{c.max_points}）" for c in report.criteria],
    ]


def ranking_cells(row: RankingRow) -> list:
    return [
        row.rank,
        row.code,
        row.title,
        row.city,
        row.lead,
        row.field,
        round(row.score, 2),
        f"{row.ci_low}–{row.ci_high}",
        row.n_reviews,
        flags_text(row.flags),
        yes_no(row.selected),
        *[round(m, 2) if m is not None else None for m in row.criterion_means],
    ]


@dataclass(frozen=True)
class SubmittedSheet:
    sheet: sa.Row  # the sheet's id, total, recommend, submitted_at and comment (columns, not the ORM object)
    application_code: str
    expert_code: str
    points: dict[int, Decimal]  # by criterion id; a criterion left empty is absent


def submitted_sheets(session: Session, *, round_id: int) -> list[SubmittedSheet]:
    """Every submitted sheet of the round (a replaced expert's too) with its points, by application code
    and expert code. Read as plain columns in two queries: 50,000 sheets and their 250,000 points are
    rows to write out, not objects to track."""
    submitted = sa.and_(ScoreSheet.round_id == round_id, ScoreSheet.status == SheetStatus.SUBMITTED)
    rows = session.execute(
        select(ScoreSheet.id, ScoreSheet.total, ScoreSheet.recommend, ScoreSheet.submitted_at, ScoreSheet.comment,
               Application.code, Expert.code)
        .join(Application, Application.id == ScoreSheet.application_id)
        .join(Expert, Expert.id == ScoreSheet.expert_id)
        .where(submitted)
        .order_by(Application.code, Expert.code)
    ).all()
    points: dict[int, dict[int, Decimal]] = {row[0]: {} for row in rows}
    for sheet_id, criterion_id, value in session.execute(
        select(ScoreItem.sheet_id, ScoreItem.criterion_id, ScoreItem.points)
        .join(ScoreSheet, ScoreSheet.id == ScoreItem.sheet_id)
        .where(submitted)
    ):
        points[sheet_id][criterion_id] = value
    return [SubmittedSheet(row, row[5], row[6], points[row[0]]) for row in rows]
