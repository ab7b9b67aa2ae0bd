"""Offline scoring: a panel's (or one expert's) score sheets as an Excel workbook, and its import back.

The workbook lists one row per (expert, application) sheet still open, the round's criteria as columns with
their bounds as data validation, 推荐/不推荐 as a list, the comment; every cell but the entries is locked. A
very hidden sheet holds what was exported (round, group, expert, the rows, the criteria and their bounds,
the header) signed with HMAC-SHA256 under a key derived from the app's SECRET_KEY: a workbook from another
round or panel, or with its template altered, is refused.

The import is all or nothing over every file: one bad cell anywhere and nothing is stored; every bad cell is
listed in Chinese. Imported sheets are submitted, each with a `sheet.submit` audit event whose source is
"线下" (offline). A row left wholly empty is an expert who scores online instead: it is skipped.
"""

import hashlib
import hmac
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import (
    Application,
    Assignment,
    AssignmentState,
    Criterion,
    Expert,
    PanelGroup,
    Round,
    RoundStage,
    ScoreItem,
    ScoreSheet,
    SheetStatus,
    User,
)
from ...models._base import utcnow
from ..assign import panel_groups, panel_runs
from ..compliance import audit
from ..errors import ServiceError
from ..platform.workbooks import xlsx_problem
from ..review.pool import expert_by_code
from ..review.sheets import MIN_COMMENT_LENGTH, parse_points
from ..rounds import criteria_of

SHEET = "评分表"
SIGNATURE_SHEET = "签名"
FIRST_ROW = 3  # row 1: the title, row 2: the header
OFFLINE = "线下"
RECOMMEND = {"推荐": True, "不推荐": False}


class OfflineError(ServiceError):
    """An export or import that cannot be done; the message is shown to the user."""


class ImportRefused(OfflineError):
    """The workbooks were refused: nothing was stored. `problems` lists every bad cell, in Chinese."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(_("Nothing was imported: %(n)d problem(s).", n=len(problems)))


def signing_key(secret_key: str | bytes) -> bytes:
    """The workbooks' own key, derived from the app's SECRET_KEY (never the key itself)."""
    secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(secret, b"review-app/offline-score-workbook", hashlib.sha256).digest()


def _sign(key: bytes, payload: str) -> str:
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()


def header(criteria: list[Criterion]) -> list[str]:
    return ["专家编号", "专家姓名", "申报编号", "创新联合体名称",
            *[f"{c.title}（0–{c.max_points}）" for c in criteria], "总分", "推荐意见", "评审意见"]


@dataclass(frozen=True)
class Row:
    sheet: ScoreSheet
    expert: Expert
    application: Application


def open_rows(session: Session, *, group: PanelGroup, expert: Expert | None = None) -> list[Row]:
    """The group's sheets not yet submitted on its published panel (one expert's, when given), by expert then
    defence order."""
    run = panel_runs.published_run(session, group.round_id)
    if run is None:
        raise OfflineError(_("The panels of this round are not published yet."))
    applications = next((apps for g, apps in panel_groups.groups(session, group.round_id) if g.id == group.id), [])
    rows = []
    for _seat, seat_group, member in panel_runs.members(session, run_id=run.id):
        if seat_group.id != group.id or (expert is not None and member.id != expert.id):
            continue
        for application in applications:
            sheet = session.exec(
                select(ScoreSheet).join(Assignment, Assignment.id == ScoreSheet.assignment_id)
                .where(Assignment.run_id == run.id, Assignment.state == AssignmentState.ACTIVE,
                       ScoreSheet.application_id == application.id, ScoreSheet.expert_id == member.id)
            ).first()
            if sheet is not None and sheet.status != SheetStatus.SUBMITTED:
                rows.append(Row(sheet, member, application))
    return rows


def export_workbook(session: Session, *, group: PanelGroup, key: bytes, expert: Expert | None = None,
                    by: User | None = None) -> bytes:
    """The group's (or one member's) open score sheets as a signed workbook (audited)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation
    review_round = session.get(Round, group.round_id)
    criteria = criteria_of(session, review_round.id)
    rows = open_rows(session, group=group, expert=expert)
    if not rows:
        raise OfflineError(_("No open score sheet in group %(n)d to export.", n=group.number))
    columns = header(criteria)
    book = Workbook()
    ws = book.active
    ws.title = SHEET
    title = f"{review_round.name} · 第 {group.number} 组（{group.field}）专家评分表"
    ws.append([title + (f" · {expert.code} {expert.name}" if expert else "")])
    ws.append(columns)
    first_entry, total_col = 5, 5 + len(criteria)
    for n, row in enumerate(rows, start=FIRST_ROW):
        sum_range = f"{get_column_letter(first_entry)}{n}:{get_column_letter(total_col - 1)}{n}"
        ws.append([row.expert.code, row.expert.name, row.application.code, row.application.title,
                   *[None] * len(criteria), f"=IF(COUNT({sum_range})=0,\"\",SUM({sum_range}))", None, None])
    last = FIRST_ROW + len(rows) - 1
    for i, criterion in enumerate(criteria):
        letter = get_column_letter(first_entry + i)
        bound = DataValidation(type="decimal", operator="between", formula1="0", formula2=str(criterion.max_points),
                               showErrorMessage=True, error=f"分数须在 0 至 {criterion.max_points} 之间",
                               errorTitle="分数超出范围")
        bound.add(f"{letter}{FIRST_ROW}:{letter}{last}")
        ws.add_data_validation(bound)
    choice = DataValidation(type="list", formula1='"推荐,不推荐"', showErrorMessage=True, error="请选择推荐或不推荐")
    choice.add(f"{get_column_letter(total_col + 1)}{FIRST_ROW}:{get_column_letter(total_col + 1)}{last}")
    ws.add_data_validation(choice)
    entry_fill = PatternFill("solid", fgColor="FFF8DC")
    for n in range(FIRST_ROW, last + 1):
        for col in [*range(first_entry, total_col), total_col + 1, total_col + 2]:
            cell = ws.cell(row=n, column=col)
            cell.protection, cell.fill = Protection(locked=False), entry_fill
        ws.cell(row=n, column=total_col + 2).alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in enumerate([10, 10, 14, 30, *[14] * len(criteria), 8, 10, 60], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws["A1"].font, ws.freeze_panes = Font(bold=True, size=13), "E3"
    ws.protection.sheet = True
    ws.protection.password = _sign(key, "sheet-protection")[:12]
    payload = json.dumps({
        "round": review_round.id, "group": group.number, "expert": expert.code if expert else None,
        "rows": [[r.expert.code, r.application.code] for r in rows],
        "criteria": [[c.id, c.max_points] for c in criteria], "header": columns,
    }, ensure_ascii=False, sort_keys=True)
    hidden = book.create_sheet(SIGNATURE_SHEET)
    hidden["A1"], hidden["A2"] = payload, _sign(key, payload)
    hidden.sheet_state = "veryHidden"
    hidden.protection.sheet = True
    buffer = io.BytesIO()
    book.save(buffer)
    audit.record(session, action="score_sheets.export", by=by, target=group, round_id=review_round.id,
                 details={"group": group.number, "expert": expert.code if expert else None, "rows": len(rows)})
    return buffer.getvalue()


@dataclass
class _Parsed:
    """One file's sheets to submit: (sheet, points by criterion id, recommend, comment)."""

    name: str
    entries: list[tuple[ScoreSheet, dict[int, Decimal], bool, str]] = field(default_factory=list)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read(session: Session, review_round: Round, name: str, data: bytes, key: bytes, problems: list[str]) -> _Parsed:
    """Check one file and read its filled rows; every problem is appended to `problems` (prefixed by the file)."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter
    parsed = _Parsed(name)

    def bad(message: str) -> None:
        problems.append(f"{name}：{message}")

    problem = xlsx_problem(data)
    if problem:
        bad(problem)
        return parsed
    try:
        book = load_workbook(io.BytesIO(data))
    except Exception:  # noqa: BLE001 (openpyxl raises many kinds on a damaged file)
        bad(_("the file cannot be read as an Excel workbook"))
        return parsed
    if SIGNATURE_SHEET not in book.sheetnames or SHEET not in book.sheetnames:
        bad(_("not a score workbook exported by this system, or its template was altered (no signature)"))
        return parsed
    payload, signature = (_cell_text(book[SIGNATURE_SHEET]["A1"].value), _cell_text(book[SIGNATURE_SHEET]["A2"].value))
    if not hmac.compare_digest(_sign(key, payload), signature):
        bad(_("the signature does not hold: the template was altered, or the workbook was not exported here"))
        return parsed
    meta = json.loads(payload)
    if meta["round"] != review_round.id:
        bad(_("the workbook belongs to round %(other)s, not to this round (%(this)s)", other=meta["round"],
              this=review_round.id))
        return parsed
    criteria = criteria_of(session, review_round.id)
    if meta["criteria"] != [[c.id, c.max_points] for c in criteria]:
        bad(_("the criteria changed since the export: export the workbook again"))
        return parsed
    group = panel_groups.group_by_number(session, review_round.id, meta["group"])
    ws = book[SHEET]
    if group is None or [_cell_text(c.value) for c in ws[2]][: len(meta["header"])] != meta["header"]:
        bad(_("the template was altered: the header differs from the export"))
        return parsed
    open_keys = {(r.expert.code, r.application.code): r for r in open_rows(session, group=group)}
    n_criteria, first_entry = len(criteria), 5
    for offset, (expert_code, app_code) in enumerate(meta["rows"]):
        n = FIRST_ROW + offset
        cells = [_cell_text(ws.cell(row=n, column=c).value) for c in range(1, first_entry + n_criteria + 3)]
        if cells[0] != expert_code or cells[2] != app_code:
            bad(_("row %(row)d: the expert code or application no. was altered (should be %(expert)s, %(app)s)",
                  row=n, expert=expert_code, app=app_code))
            continue
        points_raw, recommend_raw, comment = cells[4:4 + n_criteria], cells[5 + n_criteria], cells[6 + n_criteria]
        if not any(points_raw) and not recommend_raw and not comment:
            continue  # this expert scores online
        row = open_keys.get((expert_code, app_code))
        if row is None:
            known = expert_by_code(session, expert_code)
            bad(_("row %(row)d: unknown expert %(expert)s", row=n, expert=expert_code) if known is None else
                _("row %(row)d: expert %(expert)s does not score application %(app)s, or has submitted that sheet",
                  row=n, expert=expert_code, app=app_code))
            continue
        points = {}
        for i, (criterion, raw) in enumerate(zip(criteria, points_raw, strict=True)):
            where = dict(row=n, col=get_column_letter(first_entry + i), title=criterion.title)
            value, why = parse_points(raw, criterion)
            if why:
                bad(_("row %(row)d, column %(col)s (%(title)s): %(value)s is not a score from 0 to %(max)d with at "
                      "most two decimals", value=raw, max=criterion.max_points, **where))
            elif value is None:
                bad(_("row %(row)d, column %(col)s (%(title)s): no score", **where))
            else:
                points[criterion.id] = value
        if recommend_raw not in RECOMMEND:
            bad(_("row %(row)d, column %(col)s: the recommendation must be 推荐 or 不推荐", row=n,
                  col=get_column_letter(first_entry + n_criteria + 1)))
        if len(comment) < MIN_COMMENT_LENGTH:
            bad(_("row %(row)d, column %(col)s: the comment needs at least %(n)d characters (now %(m)d)", row=n,
                  col=get_column_letter(first_entry + n_criteria + 2), n=MIN_COMMENT_LENGTH, m=len(comment)))
        if len(points) == n_criteria and recommend_raw in RECOMMEND and len(comment) >= MIN_COMMENT_LENGTH:
            parsed.entries.append((row.sheet, points, RECOMMEND[recommend_raw], comment))
    extra = ws.max_row - (FIRST_ROW + len(meta["rows"]) - 1)
    if extra > 0 and any(_cell_text(c.value) for r in ws.iter_rows(min_row=FIRST_ROW + len(meta["rows"])) for c in r):
        bad(_("the template was altered: rows were added below the sheet"))
    return parsed


def import_workbooks(session: Session, *, review_round: Round, files: list[tuple[str, bytes]], key: bytes,
                     by: User | None) -> int:
    """Import filled workbooks, all or nothing: raises ImportRefused listing every problem; else submits each
    filled sheet (source 线下) and returns how many."""
    if review_round.stage != RoundStage.SCORING:
        raise OfflineError(_("Score sheets can only be imported while the round is in scoring."))
    if not files:
        raise OfflineError(_("Choose at least one workbook."))
    problems: list[str] = []
    parsed = [_read(session, review_round, name, data, key, problems) for name, data in files]
    seen: dict[int, str] = {}
    for one in parsed:
        for sheet, *_rest in one.entries:
            if sheet.id in seen:
                problems.append(one.name + "：" + _("a score sheet filled here is also filled in %(file)s",
                                                     file=seen[sheet.id]))
            seen[sheet.id] = one.name
    if problems:
        raise ImportRefused(problems)
    count = sum(len(one.entries) for one in parsed)
    if count == 0:
        raise ImportRefused([_("No filled row in the workbooks.")])
    for one in parsed:
        for sheet, points, recommend, comment in one.entries:
            _submit(session, sheet, points, recommend, comment, one.name, by)
    audit.record(session, action="score_sheets.import", by=by, round_id=review_round.id,
                 details={"files": [one.name for one in parsed], "sheets": count, "source": OFFLINE})
    return count


def _submit(session: Session, sheet: ScoreSheet, points: dict[int, Decimal], recommend: bool, comment: str,
            filename: str, by: User | None) -> None:
    for item in session.exec(select(ScoreItem).where(ScoreItem.sheet_id == sheet.id)):
        session.delete(item)
    session.flush()
    for criterion_id, value in points.items():
        session.add(ScoreItem(sheet_id=sheet.id, criterion_id=criterion_id, points=value))
    now = utcnow()
    sheet.comment, sheet.recommend, sheet.total = comment, recommend, sum(points.values(), Decimal(0))
    sheet.status, sheet.saved_at, sheet.submitted_at, sheet.version = SheetStatus.SUBMITTED, now, now, sheet.version + 1
    sheet.reopened_reason = None
    session.add(sheet)
    session.flush()
    audit.record(session, action="sheet.submit", by=by, target=sheet, round_id=sheet.round_id,
                 details={"source": OFFLINE, "file": filename, "total": str(sheet.total),
                          "points": {str(k): str(v) for k, v in points.items()}, "recommend": recommend})
