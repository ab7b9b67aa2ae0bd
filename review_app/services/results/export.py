"""Exports an office files: the ranking and the publication list (公示名单) as Excel, PDF and CSV.

Every text cell goes through `neutralise`, so that a value typed by a user ("=HYPERLINK(…)") is never run
as a formula by a spreadsheet. PDFs embed a TrueType Chinese font so the text renders and extracts.
"""

import io
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlmodel import Session, select

from ...models import (
    Application,
    Assignment,
    AssignmentState,
    City,
    Criterion,
    Expert,
    Organisation,
    RankingRun,
    Round,
    ScoreItem,
    ScoreSheet,
    SheetStatus,
)
from ..errors import ServiceError
from ..intake import eligibility
from ..platform.csvfiles import csv_bytes, neutralise
from . import rank

PDF_FONT_PATHS = ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",)
PDF_FONT = "ReviewCJK"


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
    criteria = rank.criteria_of(session, run.round_id)
    means = {
        (app_id, criterion_id): float(mean)
        for app_id, criterion_id, mean in session.exec(
            select(ScoreSheet.application_id, ScoreItem.criterion_id, sa.func.avg(ScoreItem.points))
            .join(ScoreSheet, ScoreSheet.id == ScoreItem.sheet_id)
            .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
            .where(
                ScoreSheet.round_id == run.round_id,
                ScoreSheet.status == SheetStatus.SUBMITTED,
                Assignment.state == AssignmentState.ACTIVE,
            )
            .group_by(ScoreSheet.application_id, ScoreItem.criterion_id)
        )
    }
    cities = {c.id: c.name for c in session.exec(select(City))}
    rows = []
    for ranked in rank.results(session, run=run):
        application, result = ranked.application, ranked.result
        lead = session.get(Organisation, application.lead_org_id)
        rows.append(
            RankingRow(
                rank=result.rank,
                code=application.code,
                title=application.title,
                city=cities[application.city_id],
                lead=lead.name,
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


def _ranking_header(report: RankingReport) -> list[str]:
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


def _ranking_cells(row: RankingRow) -> list:
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
        row.flags,
        _("Yes") if row.selected else "",
        *[round(m, 2) if m is not None else None for m in row.criterion_means],
    ]


def _sheet(workbook: Workbook, title: str, header: list[str], rows: list[list], first: bool = False):
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DCE6F1")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        sheet.append([neutralise(value) for value in row])
    sheet.freeze_panes = "A2"
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(8, min(40, len(str(name)) * 2 + 2))
    return sheet


def individual_scores(session: Session, *, round_id: int) -> tuple[list[str], list[list]]:
    """Every submitted sheet: application, expert code, points per criterion, total, 推荐, comment."""
    criteria = rank.criteria_of(session, round_id)
    sheets = session.exec(
        select(ScoreSheet, Application.code, Expert.code)
        .join(Application, Application.id == ScoreSheet.application_id)
        .join(Expert, Expert.id == ScoreSheet.expert_id)
        .where(ScoreSheet.round_id == round_id, ScoreSheet.status == SheetStatus.SUBMITTED)
        .order_by(Application.code, Expert.code)
    ).all()
    points = rank.sheet_points(session, [row[0].id for row in sheets])
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
            app_code,
            expert_code,
            *[points.get((sheet.id, c.id)) for c in criteria],
            float(sheet.total or 0),
            {True: _("Recommend"), False: _("Do not recommend")}.get(sheet.recommend, ""),
            sheet.comment,
        ]
        for sheet, app_code, expert_code in sheets
    ]
    return header, rows


def assignment_list(session: Session, *, round_id: int) -> tuple[list[str], list[list]]:
    """The published panels: application, expert code and name, unit, affinity, state."""
    pairs = session.exec(
        select(Assignment, Application.code, Application.title, Expert.code, Expert.name, Organisation.name)
        .join(Application, Application.id == Assignment.application_id)
        .join(Expert, Expert.id == Assignment.expert_id)
        .outerjoin(Organisation, Organisation.id == Expert.org_id)
        .where(Assignment.round_id == round_id)
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
        [code, title, e_code, e_name, org or "", round(pair.affinity, 3), pair.state.value]
        for pair, code, title, e_code, e_name, org in pairs
    ]
    return header, rows


def ranking_xlsx(session: Session, *, run: RankingRun) -> bytes:
    """The office workbook: ranking with per-criterion means, every individual score, the panels and the
    formal check."""
    report = ranking_report(session, run=run)
    workbook = Workbook()
    _sheet(workbook, _("Ranking"), _ranking_header(report), [_ranking_cells(r) for r in report.rows], first=True)
    _sheet(workbook, _("Individual scores"), *individual_scores(session, round_id=run.round_id))
    _sheet(workbook, _("Expert panels"), *assignment_list(session, round_id=run.round_id))
    _sheet(
        workbook,
        _("Formal check"),
        list(eligibility.REPORT_HEADER),
        [list(row) for row in eligibility.report_rows(session, round_id=run.round_id)],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ranking_csv(session: Session, *, run: RankingRun) -> bytes:
    """The ranking as CSV in UTF-8 with a BOM, so that Excel opens the Chinese text correctly."""
    report = ranking_report(session, run=run)
    return csv_bytes(_ranking_header(report), [_ranking_cells(row) for row in report.rows])


def _pdf_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        path = next((p for p in PDF_FONT_PATHS if Path(p).exists()), None)
        if path is None:
            raise ExportError(_("The Chinese font for PDF exports is missing (Debian package fonts-wqy-zenhei)."))
        pdfmetrics.registerFont(TTFont(PDF_FONT, path, subfontIndex=0))
    return PDF_FONT


def _pdf(title: str, subtitle: str, header: list[str], rows: list[list]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _pdf_font()
    cell = ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=11)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), title=title, leftMargin=36, rightMargin=36)
    table = Table(
        [[Paragraph(str(v), cell) for v in header]] + [[Paragraph(str(v), cell) for v in row] for row in rows],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DCE6F1")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    document.build(
        [
            Paragraph(title, ParagraphStyle("title", fontName=font, fontSize=16, leading=22)),
            Paragraph(subtitle, ParagraphStyle("subtitle", fontName=font, fontSize=10, leading=14)),
            Spacer(1, 10),
            table,
        ]
    )
    return buffer.getvalue()


def ranking_pdf(session: Session, *, run: RankingRun) -> bytes:
    """The ranking report for the file: every application with score, interval and flags."""
    report = ranking_report(session, run=run)
    header = [
        _("Rank"),
        _("Application no."),
        _("Consortium"),
        _("City"),
        _("Lead unit"),
        _("Score"),
        _("Rank interval"),
        _("Reviews"),
        _("Flags"),
        _("Selected"),
    ]
    rows = [
        [
            r.rank,
            r.code,
            r.title,
            r.city,
            r.lead,
            f"{r.score:.2f}",
            f"{r.ci_low}–{r.ci_high}",
            r.n_reviews,
            r.flags,
            _("Yes") if r.selected else "",
        ]
        for r in report.rows
    ]
    subtitle = _(
        "Method: %(method)s · seed %(seed)s · %(n)d applications", method=run.method, seed=run.seed, n=len(rows)
    )
    return _pdf(_("%(round)s: ranking report", round=report.round.name), subtitle, header, rows)


def publication_pdf(session: Session, *, run: RankingRun) -> bytes:
    """The 公示名单: the selected applications in rank order, without scores or personal data."""
    report = ranking_report(session, run=run)
    selected = [r for r in report.rows if r.selected]
    if not selected:
        raise ExportError(_("No application has been selected yet: set the cut-off first."))
    header = [_("No."), _("Application no."), _("Consortium"), _("Lead unit"), _("City"), _("Field")]
    rows = [[i, r.code, r.title, r.lead, r.city, r.field] for i, r in enumerate(selected, start=1)]
    return _pdf(
        _("%(round)s: list for public notice", round=report.round.name),
        _("%(n)d consortia, in ranking order", n=len(rows)),
        header,
        rows,
    )


PUBLIC_HEADER_KEYS = ("rank", "code", "title", "city", "lead", "field", "score", "selected")


def city_results_csv(session: Session, *, run: RankingRun, city: str | None = None) -> bytes:
    """The export for a city (its own applications) or the public (city None: every application): rank,
    application and score only. It never holds anything about the experts (个人信息保护法)."""
    report = ranking_report(session, run=run)
    header = [_("Rank"), _("Application no."), _("Consortium"), _("City"), _("Lead unit"), _("Field"), _("Score"),
              _("Selected")]
    return csv_bytes(header, [
        (row.rank, row.code, row.title, row.city, row.lead, row.field, round(row.score, 2),
         _("Yes") if row.selected else "")
        for row in report.rows if city is None or row.city == city
    ])
