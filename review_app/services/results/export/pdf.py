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
    table = Table(
        [[Paragraph(str(v), cell) for v in header]] + [[Paragraph(str(v), cell) for v in row] for row in rows],
        repeatRows=1,
        colWidths=widths,
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
    lines = [subtitle] if isinstance(subtitle, str) else subtitle
    line_style = ParagraphStyle("subtitle", fontName=font, fontSize=10, leading=14)
    document.build(
        [
            Paragraph(title, ParagraphStyle("title", fontName=font, fontSize=16, leading=22)),
            *[Paragraph(line, line_style) for line in lines],
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
