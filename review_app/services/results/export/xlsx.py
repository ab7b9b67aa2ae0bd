"""The office workbook of a ranking: the ranking with per-criterion means, every individual score, the
panels and the formal check, one sheet each."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlmodel import Session, select

from ....models import Application, Assignment, AssignmentRun, Expert, Organisation, RankingRun, RunStatus
from ...check import report as check_report
from ...platform.csvfiles import neutralise
from ...rounds import criteria_of
from ..labels import ASSIGNMENT_STATE
from .report import ranking_cells, ranking_header, ranking_report, submitted_sheets

if TYPE_CHECKING:
    from openpyxl import Workbook


def table_sheet(workbook: Workbook, title: str, header: list[str], rows: Iterable[list], first: bool = False):
    """A sheet of `workbook` (its first with `first`, unless it is write-only): a bold header, the rows
    neutralised, panes frozen. In a write-only workbook each row is written out as it comes, so a national
    round's 50,000 score rows never sit in memory as cells."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = workbook.active if first and not workbook.write_only else workbook.create_sheet()
    sheet.title = title
    sheet.freeze_panes = "A2"
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(8, min(40, len(str(name)) * 2 + 2))
    cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DCE6F1")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append([neutralise(value) for value in row])
    return sheet


def individual_scores(session: Session, *, round_id: int) -> tuple[list[str], list[list]]:
    """Every submitted sheet: application, expert code, points per criterion, total, 推荐, comment."""
    criteria = criteria_of(session, round_id)
    header = [
        _("Application no."),
        _("Expert code"),
        *[c.title for c in criteria],
        _("Total"),
        _("Recommendation"),
        _("Comment"),
    ]
    rows = [
        [
            submitted.application_code,
            submitted.expert_code,
            *[float(p) if (p := submitted.points.get(c.id)) is not None else None for c in criteria],
            float(submitted.sheet.total or 0),
            {True: _("Recommend"), False: _("Do not recommend")}.get(submitted.sheet.recommend, ""),
            submitted.sheet.comment,
        ]
        for submitted in submitted_sheets(session, round_id=round_id)
    ]
    return header, rows


def assignment_list(session: Session, *, round_id: int) -> tuple[list[str], list[list]]:
    """The published panels: application, expert code and name, unit, affinity, state. Only the published
    assignment run: proposals it superseded are history (the assignment page shows them as such)."""
    pairs = session.exec(
        select(Assignment, Application.code, Application.title, Expert.code, Expert.name, Organisation.name)
        .join(Application, Application.id == Assignment.application_id)
        .join(Expert, Expert.id == Assignment.expert_id)
        .outerjoin(Organisation, Organisation.id == Expert.org_id)
        .join(AssignmentRun, AssignmentRun.id == Assignment.run_id)
        .where(Assignment.round_id == round_id, AssignmentRun.status == RunStatus.PUBLISHED)
        .order_by(Application.code, Expert.code)
    ).all()
    header = [
        _("Application no."),
        _("Consortium"),
        _("Expert code"),
        _("Expert"),
        _("Work unit"),
        _("Affinity"),
        _("State"),
    ]
    rows = [
        [code, title, e_code, e_name, org or "", round(pair.affinity, 3), str(ASSIGNMENT_STATE[pair.state])]
        for pair, code, title, e_code, e_name, org in pairs
    ]
    return header, rows


def ranking_xlsx(session: Session, *, run: RankingRun) -> bytes:
    """The office workbook: ranking with per-criterion means, every individual score, the panels and the
    formal check."""
    from openpyxl import Workbook
    report = ranking_report(session, run=run)
    workbook = Workbook(write_only=True)
    table_sheet(workbook, _("Ranking"), ranking_header(report), (ranking_cells(r) for r in report.rows))
    table_sheet(workbook, _("Individual scores"), *individual_scores(session, round_id=run.round_id))
    table_sheet(workbook, _("Expert panels"), *assignment_list(session, round_id=run.round_id))
    table_sheet(
        workbook,
        _("Formal check"),
        list(check_report.REPORT_HEADER),
        (list(row) for row in check_report.report_rows(session, round_id=run.round_id)),
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
