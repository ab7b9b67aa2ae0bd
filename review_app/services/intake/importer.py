"""The application import (design.md, "Application import template"): the .xlsx template with its
dropdowns, and the import of .xlsx or CSV files into a round.

Formats. An .xlsx workbook holds both sheets, `申请` and `成员单位`. A CSV file holds one sheet: which
one is told by its header row (a header with 牵头单位名称 is the 申请 sheet, one with 单位名称 the 成员单位
sheet), so a CSV import is one or two files given together (the CLI takes several FILE arguments, the
page two file fields). CSV may be UTF-8, with or without a byte order mark, or GB18030/GBK as Chinese
offices save it.

Semantics. All or nothing: every bad row is listed (sheet, row, column, reason, in Chinese) and nothing
changes. Only what cannot be read is rejected (a missing required cell, a value outside an
enumeration, a number that is not a number, a member of an application that does not exist);
everything else is stored and the formal check judges it. Applications are keyed by 申报编号 within
the round and units by credit code, so importing the same file twice changes nothing. An application
in the 申请 sheet of an import that also carries a 成员单位 sheet gets exactly the members listed there.
Imported applications count as recommended by their city (status submitted).
"""

import csv
import io
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Application, ApplicationStatus, City, Organisation, Round, RoundKind, RoundStage, User
from ...models._base import utcnow
from ..compliance import audit
from ..errors import ServiceError
from ..platform import workbooks
from . import notice
from .organisations import STANDING, Organisations, normalise_code, set_members

APPLICATION_SHEET, MEMBER_SHEET, HELP_SHEET = "申请", "成员单位", "填写说明"


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool
    aliases: tuple[str, ...] = ()
    max_length: int = 200


APPLICATION_COLUMNS = (
    Column("申报编号", "code", True, ("code", "application_code"), 32),
    Column("创新联合体名称", "title", True, ("title", "consortium"), 200),
    Column("技术领域", "field", True, ("field",), 64),
    Column("所属设区市", "city", True, ("city",), 32),
    Column("牵头单位名称", "lead_name", True, ("lead_name", "lead_org"), 200),
    Column("牵头单位统一社会信用代码", "lead_code", True, ("lead_credit_code", "lead_code"), 32),
    Column("牵头单位类型", "lead_kind", True, ("lead_kind",), 32),
    Column("2025年销售收入(亿元)", "revenue", False, ("revenue_2025", "revenue"), 32),
    Column("2025年研发投入强度(%)", "rd", False, ("rd_intensity_2025", "rd_intensity"), 32),
    Column("共建协议条款", "clauses", False, ("agreement_clauses",), 200),
    Column("市科技局推荐意见", "opinion", False, ("city_opinion", "opinion"), 5000),
)
MEMBER_COLUMNS = (
    Column("申报编号", "code", True, ("code", "application_code"), 32),
    Column("单位名称", "name", True, ("name", "org_name"), 200),
    Column("统一社会信用代码", "credit_code", True, ("credit_code",), 32),
    Column("单位类型", "unit_type", True, ("unit_type",), 32),
    Column("所在省份", "province", True, ("province",), 32),
    Column("所在城市", "city", False, ("city",), 32),
    Column("信用状况", "standing", True, ("credit_standing", "standing"), 8),
)
SHEETS = {APPLICATION_SHEET: APPLICATION_COLUMNS, MEMBER_SHEET: MEMBER_COLUMNS}
SHEET_ALIASES = {"applications": APPLICATION_SHEET, "members": MEMBER_SHEET}
PROVINCE_SHORT = {"江苏": "江苏省", "上海": "上海市", "浙江": "浙江省", "安徽": "安徽省"}
STANDING_ALIASES = {"good": notice.CREDIT_GOOD, "bad": notice.CREDIT_BAD}
IMPORT_STAGES = (RoundStage.DRAFT, RoundStage.INTAKE, RoundStage.FORMAL_CHECK)
MAX_ROWS = 5000


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (sheet, spreadsheet row, column) and why, in Chinese."""

    sheet: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = _("sheet %(sheet)s, row %(row)d", sheet=self.sheet, row=self.row) if self.row else self.sheet
        return f"{where}{'，' + self.column if self.column else ''}：{self.reason}"


class ImportRejected(ServiceError):
    """The file(s) changed nothing; `problems` lists every bad row."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(_("Nothing was imported: %(n)d problem(s) found.", n=len(problems)))


@dataclass(frozen=True)
class ImportResult:
    applications_created: int
    applications_updated: int
    applications_unchanged: int
    members_changed: int
    organisations_created: int

    @property
    def changed(self) -> bool:
        return bool(self.applications_created or self.applications_updated or self.members_changed)


@dataclass
class Sheet:
    name: str  # 申请 or 成员单位
    label: str  # how problems name it (the sheet, or the CSV file and its sheet)
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (spreadsheet row, values by key)


# Reading ---------------------------------------------------------------------------------------


def _norm_header(text: str) -> str:
    text = str(text or "").strip().replace("（", "(").replace("）", ")").replace("％", "%")
    return "".join(text.split()).lower()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _match_columns(header: list[str], columns: tuple[Column, ...], label: str, problems: list[Problem]) -> dict:
    """Map each column key to its index in the header; missing columns are problems."""
    index = {}
    normalised = [_norm_header(h) for h in header]
    for column in columns:
        names = {_norm_header(column.header), *(_norm_header(a) for a in column.aliases)}
        found = next((i for i, h in enumerate(normalised) if h in names), None)
        if found is None:
            problems.append(Problem(label, 1, column.header, _("the column is missing from the header row")))
        else:
            index[column.key] = found
    return index


def _sheet_from_rows(
    name: str, label: str, rows: list[tuple], problems: list[Problem], start_row: int = 1
) -> Sheet | None:
    sheet = Sheet(name, label)
    if not rows:
        problems.append(Problem(label, 0, "", _("the sheet is empty")))
        return None
    header = [_cell(v) for v in rows[0]]
    index = _match_columns(header, SHEETS[name], label, problems)
    if len(index) != len(SHEETS[name]):
        return None
    for offset, raw in enumerate(rows[1:], start=start_row + 1):
        values = [_cell(v) for v in raw]
        if not any(values):
            continue
        sheet.rows.append((offset, {k: values[i] if i < len(values) else "" for k, i in index.items()}))
    if len(sheet.rows) > MAX_ROWS:
        problems.append(Problem(label, 0, "", _("more than %(n)d rows", n=MAX_ROWS)))
    return sheet


def _read_xlsx(filename: str, data: bytes, problems: list[Problem]) -> list[Sheet]:
    from openpyxl import load_workbook

    problem = workbooks.xlsx_problem(data)
    if problem:
        problems.append(Problem(filename, 0, "", problem))
        return []
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        problems.append(Problem(filename, 0, "", _("the file cannot be read as an Excel workbook (.xlsx)")))
        return []
    sheets = []
    try:
        by_name = {SHEET_ALIASES.get(ws.title.strip().lower(), ws.title.strip()): ws for ws in workbook.worksheets}
        if APPLICATION_SHEET not in by_name:
            problems.append(Problem(filename, 0, "", _("the workbook has no sheet named %(name)s", name="申请")))
        for name in (APPLICATION_SHEET, MEMBER_SHEET):
            if name in by_name:
                rows = list(by_name[name].iter_rows(values_only=True))
                sheet = _sheet_from_rows(name, name, rows, problems)
                if sheet is not None:
                    sheets.append(sheet)
    finally:
        workbook.close()
    return sheets


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK and GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _read_csv(filename: str, data: bytes, problems: list[Problem]) -> list[Sheet]:
    try:
        text = decode_csv(data)
    except UnicodeDecodeError:
        problems.append(Problem(filename, 0, "", _("the file is neither UTF-8 nor GBK/GB18030 text")))
        return []
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    rows = [tuple(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    header = {_norm_header(h) for h in rows[0]} if rows else set()
    if {"牵头单位名称", "lead_name"} & header:
        name = APPLICATION_SHEET
    elif {"单位名称", "name", "统一社会信用代码", "credit_code"} & header:
        name = MEMBER_SHEET
    else:
        problems.append(
            Problem(
                filename, 1, "", _("the header row matches neither the 申请 nor the 成员单位 sheet of the template")
            )
        )
        return []
    sheet = _sheet_from_rows(name, f"{name}（{filename}）", rows, problems)
    return [sheet] if sheet is not None else []


def read_files(files: list[tuple[str, bytes]], problems: list[Problem]) -> dict[str, Sheet]:
    """The sheets in the files, by name; a sheet given twice is a problem."""
    sheets: dict[str, Sheet] = {}
    for filename, data in files:
        lower = filename.lower()
        if lower.endswith(".xlsx") or data[:2] == b"PK":
            found = _read_xlsx(filename, data, problems)
        elif lower.endswith((".csv", ".txt")):
            found = _read_csv(filename, data, problems)
        else:
            problems.append(Problem(filename, 0, "", _("only .xlsx and .csv files can be imported")))
            found = []
        for sheet in found:
            if sheet.name in sheets:
                problems.append(Problem(sheet.label, 0, "", _("the sheet %(name)s is given twice", name=sheet.name)))
            sheets[sheet.name] = sheet
    return sheets


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


@dataclass
class ParsedMember:
    row: int
    code: str
    name: str
    credit_code: str
    unit_type: str
    province: str
    city: str
    standing: str


def _number(
    text: str, label: str, row: int, header: str, problems: list[Problem], places: str, upper: Decimal | None
) -> Decimal | None:
    if not text:
        return None
    cleaned = text.replace(",", "").replace("，", "").replace("亿元", "").replace("亿", "").replace("%", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        problems.append(Problem(label, row, header, _("%(value)s is not a number", value=text)))
        return None
    if not value.is_finite() or value < 0 or (upper is not None and value > upper):
        problems.append(Problem(label, row, header, _("%(value)s is out of range", value=text)))
        return None
    return value.quantize(Decimal(places))


def _required_and_lengths(sheet: Sheet, row: int, values: dict, problems: list[Problem]) -> bool:
    ok = True
    for column in SHEETS[sheet.name]:
        value = values[column.key]
        if column.required and not value:
            problems.append(Problem(sheet.label, row, column.header, _("a required cell is empty")))
            ok = False
        elif len(value) > column.max_length:
            problems.append(
                Problem(sheet.label, row, column.header, _("longer than %(n)d characters", n=column.max_length))
            )
            ok = False
    return ok


def _one_of(value: str, allowed: tuple[str, ...], sheet: Sheet, row: int, header: str, problems: list[Problem]) -> bool:
    if value and value not in allowed:
        problems.append(
            Problem(
                sheet.label,
                row,
                header,
                _("%(value)s is not one of: %(allowed)s", value=value, allowed="、".join(allowed)),
            )
        )
        return False
    return True


def parse_applications(sheet: Sheet, problems: list[Problem]) -> list[ParsedApplication]:
    parsed, seen = [], {}
    for row, v in sheet.rows:
        ok = _required_and_lengths(sheet, row, v, problems)
        city = v["city"] if v["city"] in notice.CITIES or not v["city"] else v["city"] + "市"
        ok &= _one_of(city, notice.CITIES, sheet, row, "所属设区市", problems)
        ok &= _one_of(v["lead_kind"], notice.LEAD_KINDS, sheet, row, "牵头单位类型", problems)
        clauses = notice.split_clauses(v["clauses"])
        unknown = [c for c in clauses if c not in notice.AGREEMENT_CLAUSES]
        if unknown:
            problems.append(
                Problem(
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
                Problem(
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
                )
            )
    return parsed


def parse_members(
    sheet: Sheet, problems: list[Problem], known_codes: set[str], leads: dict[str, str]
) -> list[ParsedMember]:
    parsed, seen = [], {}
    for row, v in sheet.rows:
        ok = _required_and_lengths(sheet, row, v, problems)
        standing = STANDING_ALIASES.get(v["standing"].lower(), v["standing"])
        ok &= _one_of(v["unit_type"], notice.UNIT_TYPES, sheet, row, "单位类型", problems)
        ok &= _one_of(standing, notice.CREDIT_STANDINGS, sheet, row, "信用状况", problems)
        code, credit_code = v["code"], normalise_code(v["credit_code"])
        if code and code not in known_codes:
            problems.append(
                Problem(sheet.label, row, "申报编号", _("no application %(code)s in this round", code=code))
            )
            ok = False
        if credit_code and leads.get(code) == credit_code:
            problems.append(
                Problem(
                    sheet.label, row, "统一社会信用代码", _("the lead unit cannot also be a member of its application")
                )
            )
            ok = False
        if credit_code and (code, credit_code) in seen:
            problems.append(
                Problem(
                    sheet.label,
                    row,
                    "统一社会信用代码",
                    _(
                        "the unit is already a member of %(code)s in row %(row)d",
                        code=code,
                        row=seen[(code, credit_code)],
                    ),
                )
            )
            ok = False
        seen.setdefault((code, credit_code), row)
        if ok:
            province = PROVINCE_SHORT.get(v["province"], v["province"])
            parsed.append(
                ParsedMember(row, code, v["name"], credit_code, v["unit_type"], province, v["city"], standing)
            )
    return parsed


# Importing -------------------------------------------------------------------------------------


def import_files(
    session: Session, *, review_round: Round, files: list[tuple[str, bytes]], by: User | None
) -> ImportResult:
    """Import one .xlsx workbook, or one or two CSV files, into the round (all or nothing)."""
    if review_round.kind != RoundKind.NEW_CONSORTIUM:
        raise ImportRejected([Problem("", 0, "", _("applications are imported into new-consortium rounds only"))])
    if review_round.stage not in IMPORT_STAGES:
        raise ImportRejected([Problem("", 0, "", _("the round no longer takes applications"))])
    problems: list[Problem] = []
    sheets = read_files(files, problems)
    if not sheets and not problems:
        problems.append(Problem("", 0, "", _("no file was given")))
    existing = {a.code: a for a in session.exec(select(Application).where(Application.round_id == review_round.id))}
    parsed_apps = parse_applications(sheets[APPLICATION_SHEET], problems) if APPLICATION_SHEET in sheets else []
    leads = {a.code: a.lead_code for a in parsed_apps}
    for code, application in existing.items():
        if code not in leads:
            leads[code] = session.get(Organisation, application.lead_org_id).credit_code
    known = set(existing) | {a.code for a in parsed_apps}
    if APPLICATION_SHEET in sheets:  # codes of rejected rows are known too: say only what is wrong
        known |= {v["code"] for _r, v in sheets[APPLICATION_SHEET].rows}
    parsed_members = parse_members(sheets[MEMBER_SHEET], problems, known, leads) if MEMBER_SHEET in sheets else None
    if problems:
        raise ImportRejected(problems)
    return _apply(session, review_round, existing, parsed_apps, parsed_members, files, by)


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
    orgs = Organisations(session)
    created = updated = unchanged = members_changed = 0
    now = utcnow()
    touched: dict[str, Application] = {}
    for p in parsed_apps:
        lead = orgs.upsert(
            credit_code=p.lead_code,
            name=p.lead_name,
            kind=notice.lead_org_kind(p.lead_kind),
            province="江苏省",
            city=p.city,
        )
        values = {
            "title": p.title,
            "field": p.field,
            "city_id": cities[p.city].id,
            "lead_org_id": lead.id,
            "lead_kind": p.lead_kind,
            "revenue_2025": p.revenue,
            "rd_intensity_2025": p.rd,
            "agreement_clauses": p.clauses,
            "city_opinion": p.opinion,
            "status": ApplicationStatus.SUBMITTED,
        }
        application = existing.get(p.code)
        if application is None:
            application = Application(round_id=review_round.id, code=p.code, submitted_at=now, **values)
            session.add(application)
            created += 1
        elif any(getattr(application, k) != v for k, v in values.items()) or orgs.changed(lead):
            for k, v in values.items():
                setattr(application, k, v)
            application.submitted_at = application.submitted_at or now
            application.updated_at = now
            updated += 1
        else:
            unchanged += 1
        touched[p.code] = application
    session.flush()
    if parsed_members is not None:
        by_code: dict[str, list[ParsedMember]] = defaultdict(list)
        for m in parsed_members:
            by_code[m.code].append(m)
        for code in set(by_code) | set(touched):
            application = touched.get(code) or existing[code]
            rows = by_code.get(code, [])
            member_orgs = [
                (
                    orgs.upsert(
                        credit_code=m.credit_code,
                        name=m.name,
                        kind=m.unit_type,
                        province=m.province,
                        city=m.city,
                        standing=STANDING[m.standing],
                    ),
                    m.unit_type,
                )
                for m in rows
            ]
            org_changed = any(orgs.changed(o) for o, _t in member_orgs)
            if set_members(session, application=application, members=member_orgs) or org_changed:
                members_changed += 1
                application.updated_at = now
                if code in existing and code not in touched:
                    updated += 1
    result = ImportResult(created, updated, unchanged, members_changed, orgs.created)
    audit.record(
        session,
        action="applications.import",
        by=by,
        target=review_round,
        round_id=review_round.id,
        details={"files": [name for name, _d in files], **result.__dict__},
    )
    return result


# The template ----------------------------------------------------------------------------------


def template_workbook() -> bytes:
    """The import template: both sheets with their Chinese headers, dropdowns for the enumerations,
    text format for codes (so Excel keeps long numbers as written), and a sheet of instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    header_font, header_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="0B5CAB")
    dropdowns = {
        APPLICATION_SHEET: {"所属设区市": notice.CITIES, "牵头单位类型": notice.LEAD_KINDS},
        MEMBER_SHEET: {
            "单位类型": notice.UNIT_TYPES,
            "信用状况": notice.CREDIT_STANDINGS,
            "所在省份": notice.PROVINCES_HINT,
        },
    }
    text_columns = {"申报编号", "牵头单位统一社会信用代码", "统一社会信用代码"}
    for i, (name, columns) in enumerate(SHEETS.items()):
        sheet = workbook.active if i == 0 else workbook.create_sheet()
        sheet.title = name
        for col, column in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=col, value=column.header)
            cell.font, cell.fill = header_font, header_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            letter = cell.column_letter
            sheet.column_dimensions[letter].width = max(12, min(40, len(column.header) * 2 + 4))
            if column.header in text_columns:
                for row in range(2, 1001):
                    sheet.cell(row=row, column=col).number_format = "@"
            if column.header in dropdowns[name]:
                allowed = dropdowns[name][column.header]
                strict = column.header != "所在省份"  # other provinces may be typed in
                validation = DataValidation(
                    type="list",
                    formula1='"' + ",".join(allowed) + '"',
                    allow_blank=not column.required,
                    showErrorMessage=strict,
                    errorTitle="输入有误",
                    error="请从下拉列表中选择。",
                    showInputMessage=True,
                    promptTitle=column.header,
                    prompt="请从下拉列表中选择" + ("" if strict else "，也可填写其他省份"),
                )
                validation.add(f"{letter}2:{letter}1000")
                sheet.add_data_validation(validation)
        sheet.freeze_panes = "A2"
        sheet.row_dimensions[1].height = 30
    help_sheet = workbook.create_sheet(HELP_SHEET)
    help_sheet.column_dimensions["A"].width = 110
    for row, line in enumerate(_help_lines(), start=1):
        help_sheet.cell(row=row, column=1, value=line).alignment = Alignment(wrap_text=True)
    help_sheet["A1"].font = Font(bold=True, size=14)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _help_lines() -> list[str]:
    return [
        "江苏省创新联合体申报导入模板 填写说明",
        "1. “申请”表每行一个申报，“成员单位”表每行一个成员单位，两表以“申报编号”对应；表头请勿修改。",
        "2. 牵头单位类型：" + "、".join(notice.LEAD_KINDS) + "。",
        "3. 共建协议条款：填写协议覆盖的机制，以“;”或“、”分隔：" + "、".join(notice.AGREEMENT_CLAUSES) + "。",
        "4. 单位类型：" + "、".join(notice.UNIT_TYPES) + "；信用状况：良好 或 失信。",
        "5. 销售收入单位为亿元，研发投入强度单位为%（填 3.5 表示 3.5%）；统一社会信用代码为18位。",
        "6. 导入时全部校验：任何一行有误则整份文件不导入，并列出每一处错误（表、行、列、原因）。",
        "7. 同一文件重复导入不会产生重复数据：申报按申报编号、单位按统一社会信用代码识别。",
        "8. 也可导入 CSV（UTF-8 或 GBK 编码）：每个 CSV 文件为一张表，以表头识别是“申请”表还是“成员单位”表，"
        "两个文件一同上传。",
        "示例（申请）：2026320501 | 江苏省第三代半导体创新联合体 | 集成电路 | 苏州市 | 苏州华芯半导体股份有限公司 | "
        "91320500MA1XXXXXXX | 龙头企业 | 35.6 | 4.2 | 责任落实;协同攻关;决策运行;资金筹措;知识产权;利益分配 | 同意推荐",
        "示例（成员单位）：2026320501 | 苏州大学 | 12320000466007613E | 高校 | 江苏省 | 苏州市 | 良好",
    ]
