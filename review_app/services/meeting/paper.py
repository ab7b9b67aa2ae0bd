"""Signed paper of a panel meeting: per member a 专家签字评分表 (every application of the group with its
criterion scores, total, recommendation and comment; signature and date lines), per panel a 专家组意见表
(each application's mean score and votes; the members' and the 组长's signature lines); the signed scans
uploaded back (kept in the upload store, audited, put into the round archive).

The per-member sheet is the multi-application document signed at the meeting; the expert's own print view
of one online sheet is another thing (the expert pages)."""

import io
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Expert, PanelGroup, Round, ScoreItem, ScoreSheet, SheetStatus, SignedScan, User
from ..assign import panel_groups, panel_runs
from ..compliance import audit
from ..errors import ServiceError
from ..platform.pdfs import pdf_problem
from ..platform.storage import FolderStore
from ..results.export.pdf import _pdf_font
from ..rounds import criteria_of

#: What a scan may be: a PDF, or a photo (JPEG, PNG), judged by its first bytes.
IMAGE_MAGIC = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}
MAX_SCAN_BYTES = 20 * 1024 * 1024


class PaperError(ServiceError):
    """A signed-paper request that cannot be honoured; the message is shown to the user."""


@dataclass(frozen=True)
class Member:
    expert: Expert
    is_leader: bool
    recused: tuple[str, ...]


def _panel(session: Session, group: PanelGroup) -> list[Member]:
    run = panel_runs.published_run(session, group.round_id)
    if run is None:
        raise PaperError(_("The panels of this round are not published yet."))
    return [Member(expert, seat.is_leader, tuple(c for c in seat.recused.split(";") if c))
            for seat, seat_group, expert in panel_runs.members(session, run_id=run.id) if seat_group.id == group.id]


def _sheets(session: Session, group: PanelGroup, expert: Expert):
    """(application, sheet or None, points by criterion id) for each application of the group, in order."""
    applications = next((apps for g, apps in panel_groups.groups(session, group.round_id) if g.id == group.id), [])
    rows = []
    for application in applications:
        sheet = session.exec(
            select(ScoreSheet).where(ScoreSheet.round_id == group.round_id, ScoreSheet.application_id == application.id,
                                     ScoreSheet.expert_id == expert.id).order_by(ScoreSheet.id.desc())
        ).first()
        items = session.exec(select(ScoreItem).where(ScoreItem.sheet_id == sheet.id)) if sheet else []
        points = {i.criterion_id: i.points for i in items}
        rows.append((application, sheet, points))
    return rows


def _styles():
    from reportlab.lib.styles import ParagraphStyle

    font = _pdf_font()
    return {name: ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.35)
            for name, size in (("title", 16), ("meta", 10), ("cell", 8.5), ("sign", 11))}


def _document(title: str, flowables: list) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=title, leftMargin=36, rightMargin=36).build(flowables)
    return buffer.getvalue()


def _table(rows: list[list], styles, widths=None):
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    table = Table([[Paragraph(str(v), styles["cell"]) for v in row] for row in rows], repeatRows=1, colWidths=widths)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DCE6F1")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _widths(n_criteria: int) -> list[float]:
    """Columns of the signed sheet on portrait A4 (523 pt): code, title, each criterion, total, recommendation."""
    fixed = [62, 120]
    tail = [42, 52]
    each = (523 - sum(fixed) - sum(tail)) / max(n_criteria, 1)
    return [*fixed, *[each] * n_criteria, *tail]


def _meta(session: Session, group: PanelGroup) -> str:
    review_round = session.get(Round, group.round_id)
    when = group.meeting_date.isoformat() if group.meeting_date else _("date to be announced")
    return f"{review_round.name} · {_('Group %(n)d', n=group.number)}（{group.field}）· {when} {group.room}"


def _recommend(sheet: ScoreSheet | None) -> str:
    if sheet is None or sheet.recommend is None:
        return "□推荐 □不推荐"
    return "推荐" if sheet.recommend else "不推荐"


def expert_sheet_pdf(session: Session, *, group: PanelGroup, expert: Expert) -> bytes:
    """The 专家签字评分表 of one member: every application of the group they score, with the criterion
    scores, total, recommendation and comment as recorded (blank where not yet scored), then the signature
    and date lines."""
    from reportlab.platypus import Paragraph, Spacer

    members = {m.expert.id: m for m in _panel(session, group)}
    if expert.id not in members:
        raise PaperError(_("Expert %(code)s is not on the panel of group %(n)d.", code=expert.code, n=group.number))
    styles = _styles()
    criteria = criteria_of(session, group.round_id)
    header = ["申报编号", "创新联合体名称", *[f"{c.title}（{c.max_points}）" for c in criteria], "总分", "推荐意见"]
    rows, comments = [header], []
    for application, sheet, points in _sheets(session, group, expert):
        if application.code in members[expert.id].recused:
            rows.append([application.code, application.title, *["—"] * len(criteria), "回避", "回避"])
            continue
        total = sheet.total if sheet is not None and sheet.total is not None else ""
        rows.append([application.code, application.title, *[points.get(c.id, "") for c in criteria], total,
                     _recommend(sheet)])
        comments.append([application.code, (sheet.comment if sheet else "") or "\n\n\n"])
    title = "专家签字评分表"
    flowables = [
        Paragraph(title, styles["title"]), Paragraph(_meta(session, group), styles["meta"]),
        Paragraph(f"评审专家：{expert.code} {expert.name}" + ("（组长）" if members[expert.id].is_leader else ""),
                  styles["meta"]),
        Spacer(1, 8), _table(rows, styles, widths=_widths(len(criteria))), Spacer(1, 10),
        Paragraph("评审意见", styles["sign"]),
        _table([["申报编号", "评审意见"], *comments], styles, widths=[80, 440]), Spacer(1, 24),
        Paragraph("本人承诺以上评分和意见客观公正，与所评申请无利益冲突。", styles["meta"]), Spacer(1, 18),
        Paragraph("专家签字：____________________　　　日期：______年____月____日", styles["sign"]),
    ]
    return _document(title, flowables)


def panel_opinion_pdf(session: Session, *, group: PanelGroup) -> bytes:
    """The 专家组意见表 of one panel: each application's number of scores, mean total and votes, space for
    the panel's opinion, each member's signature line and the 组长's."""
    from reportlab.platypus import Paragraph, Spacer

    members = _panel(session, group)
    styles = _styles()
    applications = next((apps for g, apps in panel_groups.groups(session, group.round_id) if g.id == group.id), [])
    rows = [["申报编号", "创新联合体名称", "已提交评分", "平均分", "推荐", "不推荐", "专家组意见"]]
    for application in applications:
        sheets = list(session.exec(select(ScoreSheet).where(ScoreSheet.application_id == application.id,
                                                            ScoreSheet.status == SheetStatus.SUBMITTED)))
        totals = [s.total for s in sheets if s.total is not None]
        mean = f"{sum(totals, Decimal(0)) / len(totals):.2f}" if totals else "—"
        rows.append([application.code, application.title, len(sheets), mean, sum(1 for s in sheets if s.recommend),
                     sum(1 for s in sheets if s.recommend is False), "\n\n"])
    leader = next((m for m in members if m.is_leader), None)
    title = "专家组意见表"
    signatures = [Paragraph(f"专家 {m.expert.code} {m.expert.name}" + ("（组长）" if m.is_leader else "")
                            + "　签字：____________________", styles["sign"]) for m in members]
    flowables = [
        Paragraph(title, styles["title"]), Paragraph(_meta(session, group), styles["meta"]), Spacer(1, 8),
        _table(rows, styles, widths=[70, 170, 50, 45, 35, 40, 110]), Spacer(1, 12),
        Paragraph("专家组综合意见：", styles["sign"]), Spacer(1, 60), Paragraph("专家组成员签字：", styles["sign"]),
        *signatures, Spacer(1, 18),
        Paragraph(f"专家组组长（{leader.expert.name if leader else '　　　'}）签字：____________________　　"
                  "日期：______年____月____日", styles["sign"]),
    ]
    return _document(title, flowables)


def _scan_kind(data: bytes) -> str:
    if data.startswith(b"%PDF-"):
        problem = pdf_problem(data)
        if problem:
            raise PaperError(problem)
        return "pdf"
    for magic, kind in IMAGE_MAGIC.items():
        if data.startswith(magic):
            return kind
    raise PaperError(_("A scan is a PDF, JPEG or PNG file."))


def upload_scan(session: Session, *, group: PanelGroup, expert: Expert | None, filename: str, data: bytes,
                store: FolderStore, by: User | None) -> SignedScan:
    """Keep the scan of a signed sheet (a member's, or the panel's opinion sheet when `expert` is None)."""
    if not data:
        raise PaperError(_("The file is empty."))
    if len(data) > MAX_SCAN_BYTES:
        raise PaperError(_("A scan may be at most %(mb)d MB.", mb=MAX_SCAN_BYTES // (1024 * 1024)))
    kind = _scan_kind(data)
    if expert is not None and expert.id not in {m.expert.id for m in _panel(session, group)}:
        raise PaperError(_("Expert %(code)s is not on the panel of group %(n)d.", code=expert.code, n=group.number))
    scan = SignedScan(round_id=group.round_id, group_id=group.id, expert_id=expert.id if expert else None,
                      filename=(filename or f"scan.{kind}")[:200], sha256=store.put(data),
                      uploaded_by_id=by.id if by else None)
    session.add(scan)
    session.flush()
    audit.record(session, action="panels.scan", by=by, target=scan, round_id=group.round_id,
                 details={"group": group.number, "expert": expert.code if expert else None, "sha256": scan.sha256,
                          "filename": scan.filename})
    return scan


def scans(session: Session, round_id: int) -> list[tuple[SignedScan, PanelGroup, Expert | None]]:
    rows = session.exec(select(SignedScan, PanelGroup).join(PanelGroup, PanelGroup.id == SignedScan.group_id)
                        .where(SignedScan.round_id == round_id).order_by(PanelGroup.number, SignedScan.id)).all()
    return [(scan, group, session.get(Expert, scan.expert_id) if scan.expert_id else None) for scan, group in rows]
