"""The 成员单位 sheet's checks, and the cell checks every sheet of an import makes: a required cell, a cell's
length, a value from a list. The applications import (`importer`) reads its member rows here, keyed by
申报编号; the registry import reads its own, keyed by 联合体编号, through the same checks (`MemberKey`).

A row is read when it can be (the others are listed as problems, sheet, row, column and reason, in
Chinese); whether the unit's facts are right is the formal check's to judge.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..platform.tables import RowProblem, Table
from . import notice
from .organisations import normalise_code

PROVINCE_SHORT = {"江苏": "江苏省", "上海": "上海市", "浙江": "浙江省", "安徽": "安徽省"}
STANDING_ALIASES = {"good": notice.CREDIT_GOOD, "bad": notice.CREDIT_BAD}


@dataclass
class ParsedMember:
    """A member row that could be read: the key it belongs to (`code`) and the unit as declared."""

    row: int
    code: str
    name: str
    credit_code: str
    unit_type: str
    province: str
    city: str
    credit_standing: str  # as written: 良好 or 失信
    is_legal_person: bool | None = None  # 是/否; None: not given (an older template, or left empty)
    qualification: str | None = None  # None: the file has no such column (kept as it is)


def required_and_lengths(sheet: Table, row: int, values: dict, problems: list[RowProblem]) -> bool:
    """False (with the problems) when a required cell of the row is empty or a cell is too long."""
    ok = True
    for column in sheet.columns:
        value = values[column.key]
        if column.required and not value:
            problems.append(RowProblem(sheet.label, row, column.header, _("a required cell is empty")))
            ok = False
        elif len(value) > column.max_length:
            problems.append(
                RowProblem(sheet.label, row, column.header, _("longer than %(n)d characters", n=column.max_length))
            )
            ok = False
    return ok


def one_of(
    value: str, allowed: tuple[str, ...], sheet: Table, row: int, header: str, problems: list[RowProblem]
) -> bool:
    """False (with the problem) when `value` is given and not one of `allowed`."""
    if value and value not in allowed:
        problems.append(
            RowProblem(
                sheet.label,
                row,
                header,
                _("%(value)s is not one of: %(allowed)s", value=value, allowed="、".join(allowed)),
            )
        )
        return False
    return True


@dataclass(frozen=True)
class MemberKey:
    """What a 成员单位 sheet's rows belong to: the column naming it, and the reasons for an unknown key and
    for a lead unit listed among its own members."""

    header: str
    unknown: str  # with %(code)s
    lead_member: str


APPLICATION_KEY = MemberKey(
    "申报编号",
    _l("no application %(code)s in this round"),
    _l("the lead unit cannot also be a member of its application"),
)


def parse_members(
    sheet: Table, problems: list[RowProblem], known_codes: set[str], leads: dict[str, str],
    key: MemberKey = APPLICATION_KEY,
) -> list[ParsedMember]:
    """The sheet's member rows that can be read (the others are problems): keyed by `key.header`, each
    naming a known key (`known_codes`), not the lead unit of its key (`leads`), once per key."""
    parsed, seen = [], {}
    for row, v in sheet.rows:
        ok = required_and_lengths(sheet, row, v, problems)
        standing = STANDING_ALIASES.get(v["standing"].lower(), v["standing"])
        ok &= one_of(v["unit_type"], notice.UNIT_TYPES, sheet, row, "单位类型", problems)
        ok &= one_of(standing, notice.CREDIT_STANDINGS, sheet, row, "信用状况", problems)
        ok &= one_of(v["legal"], tuple(notice.LEGAL_ANSWERS), sheet, row, "是否独立法人", problems)
        code, credit_code = v["code"], normalise_code(v["credit_code"])
        if code and code not in known_codes:
            problems.append(RowProblem(sheet.label, row, key.header, str(key.unknown) % {"code": code}))
            ok = False
        if credit_code and leads.get(code) == credit_code:
            problems.append(RowProblem(sheet.label, row, "统一社会信用代码", str(key.lead_member)))
            ok = False
        if credit_code and (code, credit_code) in seen:
            problems.append(
                RowProblem(
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
                ParsedMember(
                    row, code, v["name"], credit_code, v["unit_type"], province, v["city"], standing,
                    notice.LEGAL_ANSWERS.get(v["legal"]),
                    None if "qualification" in sheet.absent else v["qualification"],
                )
            )
    return parsed
