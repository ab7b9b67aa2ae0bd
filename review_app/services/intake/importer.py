"""The application import (design.md, "Application import template"): .xlsx or CSV files, read by
the shared reader (platform.tables) under the template's columns, checked, and applied to a round.

Formats. An .xlsx workbook holds both sheets, `申请` and `成员单位`. A CSV file holds one sheet: which
one is told by its header row (a header with 牵头单位名称 is the 申请 sheet, one with 单位名称 the 成员单位
sheet), so a CSV import is one or two files given together (the CLI takes several FILE arguments, the
page two file fields).

Semantics. All or nothing: every bad row is listed (sheet, row, column, reason, in Chinese) and nothing
changes. Only what cannot be read is rejected (a missing required cell, a value outside an
enumeration, a number that is not a number, a member of an application that does not exist);
everything else is stored and the formal check judges it. Applications are keyed by 申报编号 within
the round and their units by credit code; each application keeps its units as its rows declare them (a
snapshot of its own, see `organisations`), so two applications naming one unit differently change
nothing of each other and importing the same file twice changes nothing: every row reports 未变. The
result lists each row's outcome (新增, 更新, 未变). An application
in the 申请 sheet of an import that also carries a 成员单位 sheet gets exactly the members listed there.
Imported applications count as recommended by their city (status submitted). The 成员单位 sheet's checks
and the cell checks both sheets make are `member_sheet`'s (the registry import reads its members there too).
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from ...models import Application, ApplicationMember, ApplicationStatus, City, Round, RoundKind, RoundStage, User
from ...models._base import utcnow
from ..compliance import audit
from ..platform import tables
from ..platform.tables import ImportRejected, RowProblem, Table
from . import fields, notice
from .member_sheet import ParsedMember, one_of, parse_members, required_and_lengths
from .organisations import Declared, Register, declare_lead, normalise_code, set_members
from .template import APPLICATION_SHEET, MEMBER_SHEET, SHEETS

SHEET_TITLES = {
    APPLICATION_SHEET: APPLICATION_SHEET,
    MEMBER_SHEET: MEMBER_SHEET,
    "applications": APPLICATION_SHEET,
    "members": MEMBER_SHEET,
}
# A CSV file holds one sheet: the first whose mark is in its header row.
CSV_MARKS = (
    (APPLICATION_SHEET, {"牵头单位名称", "lead_name"}),
    (MEMBER_SHEET, {"单位名称", "name", "统一社会信用代码", "credit_code"}),
)
IMPORT_STAGES = (RoundStage.DRAFT, RoundStage.INTAKE, RoundStage.FORMAL_CHECK)


NEW, UPDATED, UNCHANGED = "new", "updated", "unchanged"
OUTCOME_LABELS = {NEW: _l("Added"), UPDATED: _l("Updated"), UNCHANGED: _l("Unchanged")}


@dataclass(frozen=True)
class RowOutcome:
    """What the import did with one row of a sheet: NEW, UPDATED or UNCHANGED."""

    sheet: str
    row: int
    code: str  # the application's 申报编号
    unit: str  # the unit the row names (its credit code)
    outcome: str

    @property
    def label(self) -> str:
        """新增, 更新 or 未变."""
        return str(OUTCOME_LABELS[self.outcome])


@dataclass(frozen=True)
class ImportResult:
    applications_created: int
    applications_updated: int
    applications_unchanged: int
    members_changed: int
    organisations_created: int  # credit codes entered into the centre's register for the first time
    rows: tuple[RowOutcome, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.applications_created or self.applications_updated or self.members_changed)


# Reading ---------------------------------------------------------------------------------------


def read_files(files: list[tuple[str, bytes]], problems: list[RowProblem]) -> dict[str, Table]:
    """The sheets in the files, by name; a sheet given twice is a problem."""
    sheets: dict[str, Table] = {}
    for filename, data in files:
        for sheet in _read_file(filename, data, problems):
            if sheet.name in sheets:
                problems.append(RowProblem(sheet.label, 0, "", _("the sheet %(name)s is given twice", name=sheet.name)))
            sheets[sheet.name] = sheet
    return sheets


def _read_file(filename: str, data: bytes, problems: list[RowProblem]) -> list[Table]:
    """A workbook's 申请 and 成员单位 sheets, or the one sheet of a CSV file, told by its header row."""
    max_rows, max_mb = current_app.config["IMPORT_MAX_ROWS"], current_app.config["IMPORT_MAX_UNPACKED_MB"]
    kind, grids = tables.read_grids(filename, data, SHEET_TITLES, problems, label=filename, required=APPLICATION_SHEET,
                                    max_unpacked_bytes=max_mb * 1024 * 1024)
    labels = {name: name for name in grids}
    if kind == tables.CSV and grids:
        grid = grids[""]
        header = {tables.header_name(h) for h in grid[0]} if grid else set()
        name = next((name for name, marks in CSV_MARKS if marks & header), None)
        if name is None:
            reason = _("the header row matches neither the 申请 nor the 成员单位 sheet of the template")
            problems.append(RowProblem(filename, 1, "", reason))
            return []
        grids, labels = {name: grid}, {name: f"{name}（{filename}）"}
    found = (
        tables.table(name, labels[name], grids[name], columns, problems, max_rows)
        for name, columns in SHEETS.items()
        if name in grids
    )
    return [sheet for sheet in found if sheet is not None]


# Validating ------------------------------------------------------------------------------------


@dataclass
class ParsedApplication:
    row: int
    code: str
    title: str
    field: str
    city: str
    lead_name: str
    lead_code: str
    lead_kind: str
    revenue: Decimal | None
    rd: Decimal | None
    clauses: str
    opinion: str
    keywords: str | None  # None: the file has no such column (an older template): left as it is
    abstract: str | None


def _number(
    text: str, label: str, row: int, header: str, problems: list[RowProblem], places: str, upper: Decimal | None
) -> Decimal | None:
    if not text:
        return None
    cleaned = text.replace(",", "").replace("，", "").replace("亿元", "").replace("亿", "").replace("%", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        problems.append(RowProblem(label, row, header, _("%(value)s is not a number", value=text)))
        return None
    if not value.is_finite() or value < 0 or (upper is not None and value > upper):
        problems.append(RowProblem(label, row, header, _("%(value)s is out of range", value=text)))
        return None
    return value.quantize(Decimal(places))


def city_name(text: str) -> str:
    """A 设区市 as written: 苏州 is 苏州市."""
    return text if text in notice.CITIES or not text or text.endswith("市") else text + "市"


def parse_applications(
    sheet: Table, problems: list[RowProblem], tech_fields: tuple[str, ...] = fields.DEFAULT_FIELDS
) -> list[ParsedApplication]:
    parsed, seen = [], {}
    for row, v in sheet.rows:
        ok = required_and_lengths(sheet, row, v, problems)
        ok &= one_of(v["field"], tech_fields, sheet, row, "技术领域", problems)
        city = city_name(v["city"])
        ok &= one_of(city, notice.CITIES, sheet, row, "所属设区市", problems)
        ok &= one_of(v["lead_kind"], notice.LEAD_KINDS, sheet, row, "牵头单位类型", problems)
        clauses = notice.split_clauses(v["clauses"])
        unknown = [c for c in clauses if c not in notice.AGREEMENT_CLAUSES]
        if unknown:
            problems.append(
                RowProblem(
                    sheet.label,
                    row,
                    "共建协议条款",
                    _(
                        "%(value)s is not one of: %(allowed)s",
                        value="、".join(unknown),
                        allowed="、".join(notice.AGREEMENT_CLAUSES),
                    ),
                )
            )
            ok = False
        before = len(problems)
        revenue = _number(v["revenue"], sheet.label, row, "2025年销售收入(亿元)", problems, "0.0001", Decimal(10**9))
        rd = _number(v["rd"], sheet.label, row, "2025年研发投入强度(%)", problems, "0.001", Decimal(100))
        ok &= len(problems) == before
        if v["code"] in seen:
            problems.append(
                RowProblem(
                    sheet.label,
                    row,
                    "申报编号",
                    _("%(code)s is also in row %(row)d", code=v["code"], row=seen[v["code"]]),
                )
            )
            ok = False
        seen.setdefault(v["code"], row)
        if ok:
            parsed.append(
                ParsedApplication(
                    row=row,
                    code=v["code"],
                    title=v["title"],
                    field=v["field"],
                    city=city,
                    lead_name=v["lead_name"],
                    lead_code=normalise_code(v["lead_code"]),
                    lead_kind=v["lead_kind"],
                    revenue=revenue,
                    rd=rd,
                    clauses=";".join(c for c in notice.AGREEMENT_CLAUSES if c in clauses),
                    opinion=v["opinion"],
                    keywords=None if "keywords" in sheet.absent else tables.list_text(v["keywords"]),
                    abstract=None if "abstract" in sheet.absent else v["abstract"],
                )
            )
    return parsed


# Importing -------------------------------------------------------------------------------------


def import_files(
    session: Session, *, review_round: Round, files: list[tuple[str, bytes]], by: User | None
) -> ImportResult:
    """Import one .xlsx workbook, or one or two CSV files, into the round (all or nothing)."""
    if review_round.kind != RoundKind.NEW_CONSORTIUM:
        raise ImportRejected([RowProblem("", 0, "", _("applications are imported into new-consortium rounds only"))])
    if review_round.stage not in IMPORT_STAGES:
        raise ImportRejected([RowProblem("", 0, "", _("the round no longer takes applications"))])
    problems: list[RowProblem] = []
    sheets = read_files(files, problems)
    if not sheets and not problems:
        problems.append(RowProblem("", 0, "", _("no file was given")))
    existing = {a.code: a for a in session.exec(select(Application).where(Application.round_id == review_round.id))}
    tech_fields = fields.round_fields(review_round)
    parsed_apps = (
        parse_applications(sheets[APPLICATION_SHEET], problems, tech_fields) if APPLICATION_SHEET in sheets else []
    )
    leads = {a.code: a.lead_code for a in parsed_apps}
    for code, application in existing.items():
        if code not in leads:
            leads[code] = application.lead_credit_code
    known = set(existing) | {a.code for a in parsed_apps}
    if APPLICATION_SHEET in sheets:  # codes of rejected rows are known too: say only what is wrong
        known |= {v["code"] for _r, v in sheets[APPLICATION_SHEET].rows}
    parsed_members = parse_members(sheets[MEMBER_SHEET], problems, known, leads) if MEMBER_SHEET in sheets else None
    if problems:
        raise ImportRejected(problems)
    return _apply(session, review_round, existing, parsed_apps, parsed_members, files, by)


def _lead(p: ParsedApplication) -> Declared:
    return Declared.lead(credit_code=p.lead_code, name=p.lead_name, lead_kind=p.lead_kind, city=p.city)


def _stored_members(session: Session, application_ids: list[int]) -> dict[int, list[ApplicationMember]]:
    """The stored members of these applications, by application id (a thousand applications a query)."""
    found: dict[int, list[ApplicationMember]] = defaultdict(list)
    for start in range(0, len(application_ids), 1000):
        chunk = application_ids[start : start + 1000]
        for member in session.exec(select(ApplicationMember).where(ApplicationMember.application_id.in_(chunk))):
            found[member.application_id].append(member)
    return found


def _apply(
    session: Session,
    review_round: Round,
    existing: dict[str, Application],
    parsed_apps: list[ParsedApplication],
    parsed_members: list[ParsedMember] | None,
    files: list[tuple[str, bytes]],
    by: User | None,
) -> ImportResult:
    cities = {c.name: c for c in session.exec(select(City))}
    register = Register(session)
    register.preload([_lead(p) for p in parsed_apps] + [Declared.member(m) for m in parsed_members or ()])
    now = utcnow()
    touched: dict[str, Application] = {}
    outcomes: dict[str, str] = {}  # by application code
    app_rows: dict[str, int] = {}
    for p in parsed_apps:
        values = {
            "title": p.title,
            "field": p.field,
            "city_id": cities[p.city].id,
            "lead_kind": p.lead_kind,
            "revenue_2025": p.revenue,
            "rd_intensity_2025": p.rd,
            "agreement_clauses": p.clauses,
            "city_opinion": p.opinion,
            "status": ApplicationStatus.SUBMITTED,
        }
        values.update({k: v for k, v in (("keywords", p.keywords), ("abstract", p.abstract)) if v is not None})
        lead = _lead(p)
        application = existing.get(p.code)
        if application is None:
            application = Application(round_id=review_round.id, code=p.code, submitted_at=now, **values)
            declare_lead(session, application=application, lead=lead, register=register)
            session.add(application)
            outcomes[p.code] = NEW
        else:
            changed = any(getattr(application, k) != v for k, v in values.items())
            for k, v in values.items():
                setattr(application, k, v)
            changed |= declare_lead(session, application=application, lead=lead, register=register)
            outcomes[p.code] = UPDATED if changed else UNCHANGED
        touched[p.code] = application
        app_rows[p.code] = p.row
    session.flush()
    rows: list[RowOutcome] = []
    members_changed = 0
    if parsed_members is not None:
        by_code: dict[str, list[ParsedMember]] = defaultdict(list)
        for m in parsed_members:
            by_code[m.code].append(m)
        codes = sorted(set(by_code) | set(touched))
        stored = _stored_members(session, [existing[c].id for c in codes if c in existing])
        for code in codes:
            application = touched.get(code) or existing[code]
            listed = by_code.get(code, [])
            declared = [Declared.member(m) for m in listed]
            member_outcomes = set_members(session, application=application, members=declared, register=register,
                                          current=stored.get(application.id, []), flush=False)
            rows += [
                RowOutcome(MEMBER_SHEET, m.row, code, m.credit_code, {"new": NEW, "updated": UPDATED}.get(o, UNCHANGED))
                for m, o in zip(listed, member_outcomes, strict=False)
            ]
            if any(o != "unchanged" for o in member_outcomes):
                members_changed += 1
                if outcomes.get(code) != NEW:
                    outcomes[code] = UPDATED
    for code, outcome in outcomes.items():
        if outcome == UPDATED:
            application = touched.get(code) or existing[code]
            application.updated_at = now
            application.submitted_at = application.submitted_at or now
    rows = [
        RowOutcome(APPLICATION_SHEET, app_rows[code], code, touched[code].lead_credit_code, outcomes[code])
        for code in sorted(app_rows, key=app_rows.get)
    ] + sorted(rows, key=lambda r: r.row)
    counts = list(outcomes.values())
    result = ImportResult(
        counts.count(NEW),
        counts.count(UPDATED),
        counts.count(UNCHANGED),
        members_changed,
        register.created,
        tuple(rows),
    )
    audit.record(
        session,
        action="applications.import",
        by=by,
        target=review_round,
        round_id=review_round.id,
        details={
            "files": [name for name, _d in files],
            **{k: v for k, v in result.__dict__.items() if k != "rows"},
            "rows": [f"{r.sheet}:{r.row}:{r.code}:{r.outcome}" for r in result.rows if r.outcome != UNCHANGED],
        },
    )
    return result
