"""The expert pool (专家库): import from Excel, add and edit experts (their conflicts of interest are in
services.conflicts, their accounts' activation links in services.activation).

The import is all or nothing and idempotent: every row is checked first, a file with any bad row
changes nothing and names every problem (sheet, row, column, reason, in Chinese); importing the same
file again changes nothing. Experts are matched by 专家编号, employers by their credit code.
"""

import csv
import hashlib
import io
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Conflict, Expert, Organisation, User, UserToken
from ...models._base import utcnow
from ..compliance import audit
from ..errors import ServiceError
from ..intake import credit_codes
from ..platform import workbooks
from .activation import ACTIVATION
from .conflicts import ConflictRow, conflicts_of_expert

SHEET = "专家库"
COLUMNS = (
    "专家编号",
    "姓名",
    "工作单位",
    "单位统一社会信用代码",
    "所在城市",
    "专业领域",
    "职称",
    "最大评审数",
    "手机",
    "邮箱",
)
REQUIRED = ("专家编号", "姓名", "工作单位", "单位统一社会信用代码", "专业领域")
MAX_ROWS = 20_000
LENGTHS = {"专家编号": 32, "姓名": 64, "工作单位": 200, "所在城市": 32, "职称": 64, "手机": 32, "邮箱": 128}
FIELD_SEPARATORS = re.compile(r"[;；、,，]")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^[0-9+\-() ]{5,32}$")


class PoolError(ServiceError):
    """A request about the pool that cannot be honoured; the message is shown to the user."""


@dataclass(frozen=True)
class RowProblem:
    sheet: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return _(
            "sheet %(sheet)s, row %(row)d, column %(column)s: %(reason)s",
            sheet=self.sheet,
            row=self.row,
            column=self.column or "—",
            reason=self.reason,
        )


class PoolImportError(PoolError):
    """The file was not imported; `problems` names every bad row."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        super().__init__(_("Nothing was imported: %(n)d problem(s) found.", n=len(problems)))


@dataclass(frozen=True)
class ExpertData:
    """One expert as read from a row or a form, checked and normalised."""

    code: str
    name: str
    org_name: str
    org_credit_code: str
    city: str
    fields: tuple[str, ...]
    title: str
    max_load: int | None
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


# Reading and checking ----------------------------------------------------------------------------


def read_table(filename: str, data: bytes) -> tuple[list[tuple[int, dict[str, object]]], list[RowProblem]]:
    """The rows of the 专家库 sheet (xlsx) or of a CSV file, as (row number, {column: value})."""
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return _read_csv(data)
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    return [], [RowProblem(SHEET, 0, "", _("only .xlsx and .csv files can be imported"))]


def _read_xlsx(data: bytes):
    from openpyxl import load_workbook

    problem = workbooks.xlsx_problem(data)
    if problem:
        return [], [RowProblem(SHEET, 0, "", problem)]
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        return [], [RowProblem(SHEET, 0, "", _("the file cannot be read as an Excel workbook (.xlsx)"))]
    try:
        if SHEET not in workbook.sheetnames:
            return [], [RowProblem(SHEET, 0, "", _("the workbook has no sheet named %(name)s", name=SHEET))]
        rows = list(workbook[SHEET].iter_rows(values_only=True, max_row=MAX_ROWS + 2))
    finally:
        workbook.close()
    return _table(rows)


def _read_csv(data: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return [], [RowProblem(SHEET, 0, "", _("the file is neither UTF-8 nor GBK/GB18030 text"))]
    return _table(list(csv.reader(io.StringIO(text))))


def _table(rows: list) -> tuple[list[tuple[int, dict[str, object]]], list[RowProblem]]:
    if not rows:
        return [], [RowProblem(SHEET, 1, "", _("the sheet is empty"))]
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    missing = [c for c in COLUMNS if c in REQUIRED and c not in header]
    if missing:
        return [], [RowProblem(SHEET, 1, c, _("the column is missing from the header row")) for c in missing]
    if len(rows) > MAX_ROWS + 1:
        return [], [RowProblem(SHEET, MAX_ROWS + 2, "", _("more than %(n)d rows", n=MAX_ROWS))]
    index = {c: header.index(c) for c in COLUMNS if c in header}
    table = []
    for number, row in enumerate(rows[1:], start=2):
        values = {c: (row[i] if i < len(row) else None) for c, i in index.items()}
        if all(_text(v) == "" for v in values.values()):
            continue
        table.append((number, values))
    return table, []


def _text(value: object) -> str:
    """A cell as text: Excel numbers without a trailing .0 (phone numbers, codes)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def check_row(values: dict[str, object]) -> tuple[ExpertData | None, list[tuple[str, str]]]:
    """The row as ExpertData, or the (column, reason) pairs that stop it."""
    problems: list[tuple[str, str]] = []
    text = {c: _text(values.get(c)) for c in COLUMNS}
    for column in REQUIRED:
        if not text[column]:
            problems.append((column, _("a required cell is empty")))
    for column, limit in LENGTHS.items():
        if len(text[column]) > limit:
            problems.append((column, _("longer than %(n)d characters", n=limit)))
    code = text["单位统一社会信用代码"].upper().replace(" ", "")
    if code:
        problem = credit_codes.problem(code)
        if problem:
            problems.append(("单位统一社会信用代码", _credit_problem(code, problem)))
    fields = tuple(f.strip() for f in FIELD_SEPARATORS.split(text["专业领域"]) if f.strip())
    if text["专业领域"] and not fields:
        problems.append(("专业领域", _("a required cell is empty")))
    if any(len(f) > 64 for f in fields):
        problems.append(("专业领域", _("longer than %(n)d characters", n=64)))
    max_load = None
    if text["最大评审数"]:
        try:
            max_load = int(text["最大评审数"])
        except ValueError:
            problems.append(("最大评审数", _("%(value)s is not a number", value=text["最大评审数"])))
        else:
            if not 1 <= max_load <= 100:
                problems.append(("最大评审数", _("%(value)s is out of range", value=text["最大评审数"])))
    if text["手机"] and not PHONE.match(text["手机"]):
        problems.append(("手机", _("%(value)s is not a phone number", value=text["手机"])))
    if text["邮箱"] and not EMAIL.match(text["邮箱"]):
        problems.append(("邮箱", _("%(value)s is not an e-mail address", value=text["邮箱"])))
    if problems:
        return None, problems
    return (
        ExpertData(
            code=text["专家编号"],
            name=text["姓名"],
            org_name=text["工作单位"],
            org_credit_code=code,
            city=text["所在城市"],
            fields=fields,
            title=text["职称"],
            max_load=max_load,
            phone=text["手机"] or None,
            email=text["邮箱"] or None,
        ),
        [],
    )


def _credit_problem(code: str, problem: str) -> str:
    reasons = {
        "length": _("%(code)s is not 18 characters long", code=code),
        "characters": _("%(code)s has characters a credit code cannot have", code=code),
        "org_code_check": _("%(code)s: wrong check character of the embedded organisation code", code=code),
        "check": _("%(code)s: wrong check character", code=code),
    }
    return reasons[problem]


# Importing -----------------------------------------------------------------------------------------


def import_experts(session: Session, *, filename: str, data: bytes, by: User | None) -> ImportResult:
    """Import the pool: all or nothing, idempotent. Raises PoolImportError listing every bad row."""
    table, problems = read_table(filename, data)
    rows: list[ExpertData] = []
    seen: dict[str, int] = {}
    for number, values in table:
        row, row_problems = check_row(values)
        problems += [RowProblem(SHEET, number, column, reason) for column, reason in row_problems]
        if row is None:
            continue
        if row.code in seen:
            problems.append(
                RowProblem(
                    SHEET, number, "专家编号", _("%(code)s is also in row %(row)d", code=row.code, row=seen[row.code])
                )
            )
            continue
        seen[row.code] = number
        rows.append(row)
    if not problems and not rows:
        problems.append(RowProblem(SHEET, 2, "", _("the sheet is empty")))
    if problems:
        raise PoolImportError(problems)

    created, updated, unchanged = [], [], []
    existing = {e.code: e for e in session.exec(select(Expert).where(Expert.code.in_(list(seen))))}
    for row in rows:
        expert = existing.get(row.code)
        if expert is None:
            expert = Expert(code=row.code, name=row.name)
            session.add(expert)
            created.append(row.code)
            _apply(session, expert, row)
        elif _apply(session, expert, row):
            updated.append(row.code)
        else:
            unchanged.append(row.code)
    session.flush()
    audit.record(
        session,
        action="experts.import",
        by=by,
        details={
            "file": filename,
            "sha256": hashlib.sha256(data).hexdigest(),
            "created": created[:200],
            "updated": updated[:200],
            "unchanged": len(unchanged),
        },
    )
    return ImportResult(len(created), len(updated), len(unchanged))


def _org(session: Session, *, credit_code: str, name: str, city: str) -> Organisation:
    org = session.exec(select(Organisation).where(Organisation.credit_code == credit_code)).first()
    if org is None:
        org = Organisation(credit_code=credit_code, name=name, city=city or None)
        session.add(org)
        session.flush()
    return org


def _apply(session: Session, expert: Expert, row: ExpertData) -> bool:
    """Write the row's values on the expert; True when something changed."""
    org = _org(session, credit_code=row.org_credit_code, name=row.org_name, city=row.city)
    values = {
        "code": row.code,
        "name": row.name,
        "org_id": org.id,
        "city": row.city,
        "fields": ";".join(row.fields),
        "title": row.title,
        "max_load": row.max_load,
        "phone": row.phone,
        "email": row.email,
    }
    changed = False
    for key, value in values.items():
        if getattr(expert, key) != value:
            setattr(expert, key, value)
            changed = True
    return changed


# Editing the pool ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolRow:
    expert: Expert
    org: Organisation | None
    account: User | None
    conflicts: int

    @property
    def activated(self) -> bool:
        return self.account is not None and self.account.password_hash is not None


def pool(session: Session, *, query: str = "", show: str = "active") -> list[PoolRow]:
    """The pool for the centre, by code; `query` matches code, name, employer or field."""
    statement = (
        select(Expert, Organisation, User)
        .join(Organisation, Organisation.id == Expert.org_id, isouter=True)
        .join(User, User.expert_id == Expert.id, isouter=True)
        .order_by(Expert.code)
    )
    if show == "active":
        statement = statement.where(Expert.is_active)
    elif show == "inactive":
        statement = statement.where(sa.not_(Expert.is_active))
    query = query.strip()
    if query:
        like = f"%{query}%"
        statement = statement.where(
            sa.or_(
                Expert.code.ilike(like), Expert.name.like(like), Organisation.name.like(like), Expert.fields.like(like)
            )
        )
    counts = dict(session.execute(select(Conflict.expert_id, sa.func.count()).group_by(Conflict.expert_id)).all())
    return [PoolRow(e, o, u, counts.get(e.id, 0)) for e, o, u in session.exec(statement.limit(2000)).all()]


def get_expert(session: Session, expert_id: int) -> Expert | None:
    return session.get(Expert, expert_id)


@dataclass(frozen=True)
class ExpertDetail:
    expert: Expert
    org: Organisation | None
    account: User | None
    link_pending_until: datetime | None  # an unused activation link works until then
    conflicts: list[ConflictRow]

    @property
    def activated(self) -> bool:
        return self.account is not None and self.account.password_hash is not None

    @property
    def form_data(self) -> dict:
        e = self.expert
        return {
            "code": e.code,
            "name": e.name,
            "org_name": self.org.name if self.org else "",
            "org_credit_code": self.org.credit_code if self.org else "",
            "city": e.city,
            "fields": "；".join(e.field_list),
            "title": e.title,
            "max_load": e.max_load,
            "phone": e.phone or "",
            "email": e.email or "",
        }


def expert_detail(session: Session, *, expert: Expert) -> ExpertDetail:
    account = session.exec(select(User).where(User.expert_id == expert.id)).first()
    pending = None
    if account is not None:
        pending = session.execute(
            select(sa.func.max(UserToken.expires_at)).where(
                UserToken.user_id == account.id,
                UserToken.purpose == ACTIVATION,
                UserToken.used_at.is_(None),
                UserToken.expires_at > utcnow(),
            )
        ).scalar_one()
    return ExpertDetail(
        expert=expert,
        org=session.get(Organisation, expert.org_id) if expert.org_id else None,
        account=account,
        link_pending_until=pending,
        conflicts=conflicts_of_expert(session, expert=expert),
    )


def expert_data_from(values: dict[str, object]) -> ExpertData:
    """Check a form's values with the import's rules; PoolError names every problem."""
    row, problems = check_row(values)
    if problems:
        raise PoolError("；".join(f"{column}：{reason}" for column, reason in problems))
    return row


def save_expert(session: Session, *, expert: Expert | None, data: ExpertData, by: User) -> Expert:
    """Add an expert (expert None) or change one; the code stays unique."""
    clash = session.exec(select(Expert).where(Expert.code == data.code)).first()
    if clash is not None and (expert is None or clash.id != expert.id):
        raise PoolError(_("The expert code %(code)s is taken.", code=data.code))
    creating = expert is None
    if creating:
        expert = Expert(code=data.code, name=data.name)
        session.add(expert)
    changed = _apply(session, expert, data)
    session.flush()
    if creating or changed:
        audit.record(
            session,
            action="expert.create" if creating else "expert.update",
            by=by,
            target=expert,
            details={"code": expert.code, "name": expert.name},
        )
    return expert


def set_active(session: Session, *, expert: Expert, active: bool, by: User) -> None:
    """Take an expert out of the pool (no new assignments, no login) or back in."""
    if expert.is_active == active:
        return
    expert.is_active = active
    account = session.exec(select(User).where(User.expert_id == expert.id)).first()
    if account is not None:
        account.is_active = active
        if not active:
            account.session_nonce = secrets.token_hex(8)
    audit.record(
        session,
        action="expert.activate" if active else "expert.deactivate",
        by=by,
        target=expert,
        details={"code": expert.code},
    )
