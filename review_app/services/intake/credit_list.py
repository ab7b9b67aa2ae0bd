"""The centre's own 失信 list: units with a bad credit record, imported from a file the centre keeps.

Rule R7 reads it beside what each application declared: a unit fails when either says 失信, and the
finding names the source. The file (.xlsx, its first sheet named 失信名单, or CSV) has the columns
统一社会信用代码 (required), 单位名称, 失信原因 and 列入日期; it is the whole list: importing it replaces
the list (codes no longer in the file leave it), all or nothing, with every bad row named in Chinese.
"""

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import CreditListEntry, User
from ...models._base import utcnow
from ..compliance import audit
from ..platform import tables
from ..platform.tables import Column, ImportRejected, RowProblem
from . import credit_codes
from .organisations import normalise_code

SHEET = "失信名单"
COLUMNS = (
    Column("统一社会信用代码", "code", True, ("credit_code", "code"), 32),
    Column("单位名称", "name", False, ("name",), 200, may_be_absent=True),
    Column("失信原因", "reason", False, ("reason",), 500, may_be_absent=True),
    Column("列入日期", "listed_on", False, ("listed_on", "date"), 32, may_be_absent=True),
)
MAX_ROWS = 20000


@dataclass(frozen=True)
class CreditListResult:
    added: list[str]
    updated: list[str]
    removed: list[str]
    unchanged: int

    @property
    def total(self) -> int:
        return len(self.added) + len(self.updated) + self.unchanged


def _date(text: str) -> date | None:
    text = text.strip().split(" ")[0].replace("/", "-").replace(".", "-")
    for pattern in ("%Y-%m-%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse(filename: str, data: bytes) -> dict[str, dict]:
    """The list in the file, by normalised credit code; ImportRejected names every bad row."""
    sheet, problems = tables.read_table(filename, data, COLUMNS, sheet=SHEET, max_rows=MAX_ROWS)
    entries: dict[str, dict] = {}
    seen: dict[str, int] = {}
    for row, v in sheet.rows if sheet is not None else []:
        code = normalise_code(v["code"])
        for column in COLUMNS:
            if column.required and not v[column.key]:
                problems.append(RowProblem(SHEET, row, column.header, _("a required cell is empty")))
            elif len(v[column.key]) > column.max_length:
                problems.append(
                    RowProblem(SHEET, row, column.header, _("longer than %(n)d characters", n=column.max_length))
                )
        if code and credit_codes.problem(code):
            problems.append(
                RowProblem(SHEET, row, "统一社会信用代码", _("%(value)s is not a valid credit code", value=v["code"]))
            )
        if code in seen:
            again = _("%(code)s is also in row %(row)d", code=code, row=seen[code])
            problems.append(RowProblem(SHEET, row, "统一社会信用代码", again))
        seen.setdefault(code, row)
        listed_on = None
        if v["listed_on"]:
            try:
                listed_on = _date(v["listed_on"])
            except ValueError:
                problems.append(
                    RowProblem(SHEET, row, "列入日期", _("%(value)s is not a date (2026-03-01)", value=v["listed_on"]))
                )
        entries[code] = {"name": v["name"], "reason": v["reason"], "listed_on": listed_on}
    if sheet is not None and not sheet.rows and not problems:
        problems.append(RowProblem(SHEET, 0, "", _("the sheet is empty")))
    if problems:
        raise ImportRejected(problems)
    return entries


def import_list(session: Session, *, filename: str, data: bytes, by: User | None) -> CreditListResult:
    """Replace the centre's 失信 list with the file's (all or nothing), audited with what changed."""
    wanted = parse(filename, data)
    current = {e.credit_code: e for e in session.exec(select(CreditListEntry))}
    added, updated, removed, unchanged = [], [], [], 0
    now = utcnow()
    for code, values in wanted.items():
        entry = current.get(code)
        if entry is None:
            session.add(CreditListEntry(credit_code=code, imported_at=now, **values))
            added.append(code)
        elif any(getattr(entry, k) != val for k, val in values.items()):
            for k, val in values.items():
                setattr(entry, k, val)
            entry.imported_at = now
            updated.append(code)
        else:
            unchanged += 1
    for code, entry in current.items():
        if code not in wanted:
            session.delete(entry)
            removed.append(code)
    session.flush()
    result = CreditListResult(sorted(added), sorted(updated), sorted(removed), unchanged)
    audit.record(
        session,
        action="credit_list.import",
        by=by,
        details={
            "file": filename,
            "added": result.added,
            "updated": result.updated,
            "removed": result.removed,
            "unchanged": unchanged,
        },
    )
    return result


def entries(session: Session) -> list[CreditListEntry]:
    """The list as it stands, by credit code."""
    return list(session.exec(select(CreditListEntry).order_by(CreditListEntry.credit_code)))


def listed(session: Session, codes: set[str] | None = None) -> dict[str, CreditListEntry]:
    """The list's entries by credit code (only these codes, when given)."""
    query = select(CreditListEntry)
    if codes is not None:
        query = query.where(CreditListEntry.credit_code.in_(sorted(codes)))
    return {e.credit_code: e for e in session.exec(query)}
