"""The ranking report and the publication list (公示名单) as PDF. The PDFs embed a TrueType Chinese font
so the text renders and extracts."""

import io

from flask_babel import gettext as _
from sqlmodel import Session

from ....models import RankingRun
from ...platform.pdfs import cjk_font
from ..labels import flags_text, method_name, yes_no
from .report import ExportError, ranking_report


def _pdf_font() -> str:
    font = cjk_font()
    if font is None:
        raise ExportError(_("The Chinese font for PDF exports is missing (Debian package fonts-wqy-zenhei)."))
    return font


def table_pdf(
    title: str, subtitle: str | list[str], header: list[str], rows: list[list], widths: list[int] | None = None
) -> bytes:
    """A landscape A4 document: a title, one or more lines under it, and a table (its header repeated)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _pdf_font()
    cell = ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=11)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), title=title, leftMargin=36, rightMargin=36)
    if widths is None and len(rows) > TABLE_ROWS:  # the parts of a long table share their columns
        widths = _widths(header, rows)
    style = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DCE6F1")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
    )
    head = [Paragraph(str(v), cell) for v in header]
    tables = []
    # A long table is laid out in parts of TABLE_ROWS rows, each with the header: one table of 10,000 rows
    # is split page by page, each split laying out the whole rest again.
    for start in range(0, max(len(rows), 1), TABLE_ROWS):
        part = Table([head] + [[Paragraph(str(v), cell) for v in row] for row in rows[start : start + TABLE_ROWS]],
                     repeatRows=1, colWidths=widths)
        part.setStyle(style)
        tables.append(part)
    lines = [subtitle] if isinstance(subtitle, str) else subtitle
    line_style = ParagraphStyle("subtitle", fontName=font, fontSize=10, leading=14)
    document.build(
        [
            Paragraph(title, ParagraphStyle("title", fontName=font, fontSize=16, leading=22)),
            *[Paragraph(line, line_style) for line in lines],
            Spacer(1, 10),
            *tables,
        ]
    )
    return buffer.getvalue()


TABLE_ROWS = 40
PAGE_WIDTH = 770  # points between the margins of a landscape A4 page


def _widths(header: list[str], rows: list[list]) -> list[float]:
    """Column widths for a table laid out in parts: in proportion to each column's longest text (header
    and the first rows; at most 30 characters counted), filling the page."""
    longest = [
        max([min(len(str(h)), 30)] + [min(len(str(row[i])), 30) for row in rows[:500]]) + 2
        for i, h in enumerate(header)
    ]
    return [PAGE_WIDTH * n / sum(longest) for n in longest]


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
            flags_text(r.flags),
            yes_no(r.selected),
        ]
        for r in report.rows
    ]
    subtitle = _(
        "Method: %(method)s · seed %(seed)s · %(n)d applications",
        method=method_name(run.method),
        seed=run.seed,
        n=len(rows),
    )
    # Points on a landscape A4 page (770 wide between the margins): codes and numbers never wrap.
    widths = [34, 72, 150, 50, 140, 44, 52, 44, 120, 44]
    return table_pdf(_("%(round)s: ranking report", round=report.round.name), subtitle, header, rows, widths)


def publication_pdf(session: Session, *, run: RankingRun) -> bytes:
    """The 公示名单: the selected applications in rank order, without scores or personal data."""
    report = ranking_report(session, run=run)
    selected = [r for r in report.rows if r.selected]
    if not selected:
        raise ExportError(_("No application has been selected yet: set the cut-off first."))
    header = [_("No."), _("Application no."), _("Consortium"), _("Lead unit"), _("City"), _("Field")]
    rows = [[i, r.code, r.title, r.lead, r.city, r.field] for i, r in enumerate(selected, start=1)]
    return table_pdf(
        _("%(round)s: list for public notice", round=report.round.name),
        _("%(n)d consortia, in ranking order", n=len(rows)),
        header,
        rows,
    )
