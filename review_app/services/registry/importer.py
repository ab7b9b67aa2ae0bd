"""The registry import (design.md, `import-consortia`): the centre's .xlsx template (`template`) read by the
shared reader (platform.tables), checked, and applied to the registry.

All or nothing: every bad row is listed (sheet, row, column, reason, in Chinese) and nothing changes. A
row is bad when a required cell is empty, a value is outside its list (技术领域, 所属设区市, 单位类型 …),
a credit code is not valid, the year is not a year, a 联合体编号 is given twice, or a member names a
consortium that neither the file nor the registry has. Consortia are keyed by 联合体编号 and units by
credit code: importing the same file twice changes nothing; a changed row updates its consortium, audited
with the values before and after (`consortia.store`). A consortium of the 联合体 sheet gets exactly the
members the 成员单位 sheet lists for it, when the file has that sheet. The member rows are read by the
applications import's own member checks (`intake.member_sheet.parse_members`).
"""

from collections import defaultdict
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from ...models import City, Consortium, User
from ..compliance import audit
from ..intake import fields
from ..intake.importer import NEW, UNCHANGED, UPDATED, RowOutcome, city_name
from ..intake.member_sheet import MemberKey, ParsedMember, parse_members, required_and_lengths
from ..intake.organisations import Declared, Register, normalise_code
from ..platform import tables
from ..platform.tables import ImportRejected, RowProblem, Table
from . import consortia
from .template import CONSORTIUM_SHEET, KEY_HEADER, MEMBER_SHEET, SHEET_TITLES, SHEETS

MAX_ROWS = 20000
CONSORTIUM_KEY = MemberKey(
    KEY_HEADER,
    _l("no consortium %(code)s in this file or the registry"),
    _l("the lead unit cannot also be a member of its consortium"),
)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    organisations_created: int  # credit codes entered into the centre's register for the first time
    rows: tuple[RowOutcome, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def read_workbook(filename: str, data: bytes, problems: list[RowProblem]) -> dict[str, Table]:
    """The file's 联合体 and 成员单位 sheets (an .xlsx workbook; the 联合体 sheet is required)."""
    kind, grids = tables.read_grids(filename, data, SHEET_TITLES, problems, label=filename, required=CONSORTIUM_SHEET)
    if kind == tables.CSV:
        problems.append(RowProblem(filename, 0, "", _("the registry is imported from its .xlsx template")))
        return {}
    found = (tables.table(name, name, grids[name], columns, problems, MAX_ROWS)
             for name, columns in SHEETS.items() if name in grids)
    return {sheet.name: sheet for sheet in found if sheet is not None}


def parse_consortia(sheet: Table, problems: list[RowProblem], known_fields: set[str]) -> list[tuple[int, dict]]:
    """The 联合体 rows that can be read, as (row, values); the others are problems."""
    parsed, seen = [], {}
    for row, v in sheet.rows:
        v = {**v, "city": city_name(v["city"]), "lead_code": normalise_code(v["lead_code"])}
        ok = required_and_lengths(sheet, row, v, problems)
        found = consortia.facts_problems(v, known_fields)
        problems += [RowProblem(sheet.label, row, column, reason) for column, reason in found]
        if v["code"] in seen:
            again = _("%(code)s is listed again (first in row %(row)d)", code=v["code"], row=seen[v["code"]])
            problems.append(RowProblem(sheet.label, row, KEY_HEADER, again))
            ok = False
        seen.setdefault(v["code"], row)
        if ok and not found:
            parsed.append((row, v))
    return parsed


def _member_codes(sheet: Table, problems: list[RowProblem]) -> None:
    """Every member credit code must be valid (the registry records units the centre vouches for)."""
    for row, v in sheet.rows:
        if v["credit_code"] and (problem := consortia.credit_code_problem(v["credit_code"])):
            problems.append(RowProblem(sheet.label, row, "统一社会信用代码", problem))


def import_file(session: Session, *, filename: str, data: bytes, by: User | None) -> ImportResult:
    """Import the registry template into the registry (all or nothing; raises ImportRejected)."""
    problems: list[RowProblem] = []
    sheets = read_workbook(filename, data, problems)
    existing = {c.code: c for c in session.exec(select(Consortium))}
    parsed = (parse_consortia(sheets[CONSORTIUM_SHEET], problems, fields.known_fields(session))
              if CONSORTIUM_SHEET in sheets else [])
    members = None
    if MEMBER_SHEET in sheets:
        leads = {**consortia.lead_codes(session), **{v["code"]: v["lead_code"] for _row, v in parsed}}
        known = set(existing) | {v["code"] for _r, v in sheets.get(CONSORTIUM_SHEET, Table("", "")).rows}
        members = parse_members(sheets[MEMBER_SHEET], problems, known, leads, CONSORTIUM_KEY)
        _member_codes(sheets[MEMBER_SHEET], problems)
    if problems:
        raise ImportRejected(problems)
    return _apply(session, existing, parsed, members, filename, by)


def _apply(
    session: Session,
    existing: dict[str, Consortium],
    parsed: list[tuple[int, dict]],
    members: list[ParsedMember] | None,
    filename: str,
    by: User | None,
) -> ImportResult:
    cities = {c.name: c for c in session.exec(select(City))}
    register = Register(session)
    listed: dict[str, list[ParsedMember]] = defaultdict(list)
    for member in members or ():
        listed[member.code].append(member)
    outcomes: list[RowOutcome] = []
    rows_of = {v["code"]: row for row, v in parsed}
    data = {
        v["code"]: consortia.ConsortiumData(
            code=v["code"], name=v["name"], field=v["field"], city=v["city"], lead_name=v["lead_name"],
            lead_credit_code=v["lead_code"], established_year=int(v["year"]),
            members=None if members is None else tuple(Declared.member(m) for m in listed.get(v["code"], [])),
        )
        for _row, v in parsed
    }
    # Members listed for a registered consortium that the 联合体 sheet leaves out: its members only change.
    for code in sorted(set(listed) - set(data)):
        data[code] = consortia.data_of(session, existing[code], members=tuple(Declared.member(m) for m in listed[code]))
    by_code: dict[str, str] = {}
    for code, item in data.items():
        consortium, outcome = consortia.store(session, consortium=existing.get(code), data=item, register=register,
                                              cities=cities, by=by)
        existing[code], by_code[code] = consortium, outcome
        if code in rows_of:
            outcomes.append(RowOutcome(CONSORTIUM_SHEET, rows_of[code], code, item.lead_credit_code, outcome))
        outcomes += [RowOutcome(MEMBER_SHEET, m.row, code, m.credit_code, outcome) for m in listed.get(code, [])]
    counts = list(by_code.values())
    result = ImportResult(counts.count(NEW), counts.count(UPDATED), counts.count(UNCHANGED), register.created,
                          tuple(sorted(outcomes, key=lambda o: (o.sheet != CONSORTIUM_SHEET, o.row))))
    audit.record(session, action="consortia.import", by=by, details={
        "file": filename, "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
        "organisations_created": result.organisations_created,
        "codes": sorted(code for code, outcome in by_code.items() if outcome != UNCHANGED),
    })
    return result
