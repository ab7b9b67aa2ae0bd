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
    Criterion,
    Expert,
    RankingRun,
    Round,
    ScoreItem,
    ScoreSheet,
    SheetStatus,
)
from ...errors import ServiceError
from ...intake import dossier
from ...rounds import criteria_of
from .. import rank, record
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
    """The stored ranking with each application's city, lead unit and per-criterion mean points."""
    review_round = session.get(Round, run.round_id)
    criteria = criteria_of(session, run.round_id)
    means = record.criterion_means(session, run=run)
    ranked_rows = rank.results(session, run=run)
    dossiers = dossier.load_all(session, [ranked.application for ranked in ranked_rows])
    rows = []
    for ranked, application_dossier in zip(ranked_rows, dossiers, strict=True):
        application, result = ranked.application, ranked.result
        rows.append(
            RankingRow(
                rank=result.rank,
                code=application.code,
                title=application.title,
                city=application_dossier.city.name,
                lead=application_dossier.lead.name,
                field=application.field,
                score=result.score,
                ci_low=result.ci_low,
                ci_high=result.ci_high,
                n_reviews=result.n_reviews,
                flags=result.flags,
                selected=result.selected,
                criterion_means=tuple(means.get((application.id, c.id)) for c in criteria),
            )
        )
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
