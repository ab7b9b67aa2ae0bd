"""The city's 推荐汇总表 as a PDF (A4 landscape): the round and the city, the recommendations in the city's
order with the city's opinions on necessity and feasibility, then the area the bureau signs and stamps.
The words are the office's own (Chinese, whatever the reader's language): the sheet is filed on paper."""

import io
from xml.sax.saxutils import escape

from ...models._base import utcnow
from ..errors import ServiceError
from ..platform.localtime import local_time
from ..platform.pdfs import cjk_font

HEADER = ("推荐排序", "申报编号", "创新联合体名称", "牵头单位", "技术领域", "必要性审核意见", "可行性审核意见")
WIDTHS = (44, 72, 120, 110, 62, 180, 180)  # points, 768 between the margins of a landscape A4 page


def summary_document(found) -> bytes:
    """The PDF of `found`, a recommendations.CityRecommendations."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font()
    if font is None:
        raise ServiceError("缺少PDF中文字体（Debian 软件包 fonts-wqy-zenhei），无法生成推荐汇总表。")
    cell = ParagraphStyle("cell", fontName=font, fontSize=9, leading=12)
    title = f"{found.round.name}　{found.city.name}科技局推荐汇总表"
    rows = [
        [a.recommend_rank or "—", a.code, a.title, a.lead_name, a.field, a.necessity, a.feasibility]
        for a in found.applications
    ]
    table = Table(
        [[Paragraph(h, cell) for h in HEADER]] + [[Paragraph(escape(str(v)), cell) for v in row] for row in rows],
        colWidths=WIDTHS,
        repeatRows=1,
    )
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF6")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    signature = Table(
        [[Paragraph(text, cell) for text in ("设区市科技局（盖章）", "负责人（签字）：", "经办人（签字）：")],
         [Paragraph("<br/><br/><br/>", cell), "", Paragraph("日期：　　年　　月　　日", cell)]],
        colWidths=(256, 256, 256),
        rowHeights=(20, 70),
    )
    signature.setStyle(TableStyle([("BOX", (0, 0), (0, 1), 0.5, colors.black)]))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), title=title, leftMargin=36, rightMargin=36,
                                 topMargin=36, bottomMargin=36)
    document.build([
        Paragraph(escape(title), ParagraphStyle("title", fontName=font, fontSize=15, leading=22)),
        Paragraph(
            f"共推荐 {len(rows)} 项（按“好中选优”排序）；生成时间 {local_time(utcnow())}（北京时间）。"
            "请打印本表，经负责人签字并加盖公章后扫描为 PDF，上传至系统。",
            ParagraphStyle("note", fontName=font, fontSize=9.5, leading=14),
        ),
        Spacer(1, 8),
        table,
        Spacer(1, 16),
        KeepTogether([signature]),
    ])
    return buffer.getvalue()

