"""The structured self-evaluation as a PDF (A4): the consortium and its round, the key indicators as a table,
then the notice's six parts. Generated from what the city filed whenever it is opened (the centre's and the
city's application pages, the expert's sheet), so it is always the report as it stands; the uploaded report
PDF stays beside it. The words are Chinese whatever the reader's language: it is a document of the offices."""

import io
from xml.sax.saxutils import escape

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlmodel import Session

from ...models import Application, Round
from ...models._base import utcnow
from ..errors import ServiceError
from ..platform.localtime import local_time
from ..platform.pdfs import cjk_font
from .dossier import Dossier, load
from .self_evaluation import INDICATORS, SECTIONS, indicator_text

DOCUMENT_LOCALE = "zh_CN"


def filename(dossier: Dossier) -> str:
    return f"{dossier.application.code}_自评报告_结构化.pdf"


def _paragraphs(text: str) -> str:
    """The city's text with its line breaks kept, escaped for reportlab's markup."""
    return "<br/>".join(escape(line) for line in text.strip().splitlines()) or "（未填写）"


def report_pdf(dossier: Dossier, review_round: Round) -> bytes:
    """The PDF of one annual report's structured content (an empty report shows its parts as not filled)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font()
    if font is None:
        raise ServiceError("缺少PDF中文字体（Debian 软件包 fonts-wqy-zenhei），无法生成自评报告。")
    a, report = dossier.application, dossier.self_evaluation
    styles = {name: ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.5)
              for name, size in (("title", 15), ("meta", 9.5), ("heading", 12), ("body", 10.5), ("cell", 10))}
    title = f"{a.title}　{review_round.year}年度自评报告"
    with force_locale(DOCUMENT_LOCALE):
        indicators = [[str(i.label), indicator_text(getattr(report, i.key, None)), i.unit] for i in INDICATORS]
        sections = [(str(s.label), getattr(report, s.key, "") or "") for s in SECTIONS]
    table = Table(
        [[Paragraph(v, styles["cell"]) for v in ("指标", "数值", "单位")]]
        + [[Paragraph(escape(v), styles["cell"]) for v in row] for row in indicators],
        colWidths=(260, 140, 80),
        repeatRows=1,
    )
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF6")),
        ("ALIGN", (1, 1), (1, -1), "RIGHT"),
    ]))
    where = f"{review_round.name}　编号 {a.code}　{dossier.city.name}　技术领域 {a.field}"
    flowables = [
        Paragraph(escape(title), styles["title"]),
        Paragraph(escape(where), styles["meta"]),
        Paragraph(escape(f"牵头单位 {dossier.lead.name}（{dossier.lead.credit_code}）"), styles["meta"]),
        Paragraph(f"由设区市科技局在系统中填报；生成时间 {local_time(utcnow())}（北京时间）。", styles["meta"]),
        Spacer(1, 10),
        Paragraph("一、主要指标", styles["heading"]),
        Spacer(1, 4),
        table,
    ]
    for number, (label, text) in zip("二三四五六七", sections, strict=True):
        flowables += [Spacer(1, 10), Paragraph(f"{number}、{escape(label)}", styles["heading"]),
                      Paragraph(_paragraphs(text), styles["body"])]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=title, leftMargin=50, rightMargin=50, topMargin=45,
                      bottomMargin=45).build(flowables)
    return buffer.getvalue()


def for_application(session: Session, application: Application) -> tuple[str, bytes]:
    """(file name, PDF) of an annual report; a ServiceError for an application that is not one."""
    if application.consortium_id is None:
        raise ServiceError(_("Only an annual report has a structured self-evaluation."))
    found = load(session, application)
    return filename(found), report_pdf(found, session.get(Round, application.round_id))
