"""The ranking as CSV, and the published results of a city or the public, through the one CSV writer
(UTF-8 with a BOM, every cell neutralised)."""

from flask_babel import gettext as _
from sqlmodel import Session

from ....models import RankingRun
from ...platform.csvfiles import csv_bytes
from ..labels import yes_no
from .report import ranking_cells, ranking_header, ranking_report


def ranking_csv(session: Session, *, run: RankingRun) -> bytes:
    """The ranking as CSV in UTF-8 with a BOM, so that Excel opens the Chinese text correctly."""
    report = ranking_report(session, run=run)
    return csv_bytes(ranking_header(report), [ranking_cells(row) for row in report.rows])


def city_results_csv(session: Session, *, run: RankingRun, city: str | None = None) -> bytes:
    """The export for a city (its own applications) or the public (city None: every application): rank,
    application and score only. It never holds anything about the experts (个人信息保护法)."""
    report = ranking_report(session, run=run)
    header = [_("Rank"), _("Application no."), _("Consortium"), _("City"), _("Lead unit"), _("Field"), _("Score"),
              _("Selected")]
    return csv_bytes(header, [
        (row.rank, row.code, row.title, row.city, row.lead, row.field, round(row.score, 2),
         yes_no(row.selected))
        for row in report.rows if city is None or row.city == city
    ])
