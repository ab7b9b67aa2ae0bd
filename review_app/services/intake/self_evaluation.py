"""The structured annual self-evaluation (自评报告) a city files for one of its consortia: the notice's six
parts (三.5) as text and the year's key indicators as numbers, beside the uploaded report PDF and the
city's opinion.

SECTIONS and INDICATORS are the one list of what a report holds: the city's form, the pages, the
generated PDF, the formal-check rules (R15, R16) and the year-on-year tables all read them. An indicator is
(key, label, unit, type): `key` is its column on SelfEvaluation, `type` "int" (a count) or "decimal" (an
amount in 万元). A draft may be saved incomplete; the formal check reports what is missing.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from ...models import Application, Round, SelfEvaluation, User
from ...models._base import utcnow
from ..compliance import audit
from ..platform.numbers import plain
from .access import ApplicationError, require_editable


class Section(NamedTuple):
    key: str
    label: str


class Indicator(NamedTuple):
    key: str
    label: str
    unit: str
    type: str  # "int" (a count) or "decimal" (an amount)


SECTIONS = (
    Section("strategy", _l("Implementation of strategic goals and major project tasks")),
    Section("platforms", _l("Building high-level R&D platforms")),
    Section("team", _l("Building the team of people")),
    Section("achievements", _l("Transfer of scientific and technological achievements")),
    Section("products", _l("Application and promotion of landmark products")),
    Section("plan", _l("Work plan for the next year")),
)
INDICATORS = (
    Indicator("rd_investment", _l("R&D investment"), "万元", "decimal"),
    Indicator("invention_patents", _l("Invention patents granted"), "件", "int"),
    Indicator("standards", _l("Standards drawn up"), "项", "int"),
    Indicator("new_platforms", _l("New R&D platforms"), "个", "int"),
    Indicator("team_size", _l("People in the team"), "人", "int"),
    Indicator("achievements_transferred", _l("Achievements transferred"), "项", "int"),
    Indicator("transfer_value", _l("Value of achievements transferred"), "万元", "decimal"),
    Indicator("landmark_revenue", _l("Sales revenue of landmark products"), "万元", "decimal"),
)
#: R15: a part counts as written from this many characters (spaces and line breaks not counted).
MIN_SECTION_CHARS = 50
MAX_SECTION_CHARS = 10_000
MAX_COUNT = 10_000_000
MAX_AMOUNT = Decimal(10) ** 9  # 万元: the column holds 10 digits before the point
AMOUNT_STEP = Decimal("0.0001")
NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")  # 1,234.5


def parse_indicator(raw: str | None, indicator: Indicator) -> tuple[int | Decimal | None, str | None]:
    """(value, None), (None, None) for an empty entry, or (None, why) for a refused one. Full-width digits
    and points are read as ASCII, thousands separators (1,234.5) are dropped; no sign, no exponent: an
    indicator is never negative. Counts are whole numbers; amounts have at most four decimals."""
    text = unicodedata.normalize("NFKC", raw or "").strip().replace("。", ".").replace(" ", "")
    if not text:
        return None, None
    if GROUPED.fullmatch(text):
        text = text.replace(",", "")
    shown = text[:20]
    if not NUMBER.fullmatch(text):
        return None, _("“%(value)s” is not a number of %(unit)s (digits only, not negative).", value=shown,
                       unit=indicator.unit)
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimal numerals
        return None, _("“%(value)s” is not a number.", value=shown)
    if indicator.type == "int":
        if value != value.to_integral_value():
            return None, _("Give a whole number of %(unit)s.", unit=indicator.unit)
        if value > MAX_COUNT:
            return None, _("At most %(max)d.", max=MAX_COUNT)
        return int(value), None
    if value >= MAX_AMOUNT:
        return None, _("Less than %(max)s %(unit)s.", max=format(MAX_AMOUNT, ","), unit=indicator.unit)
    if value != value.quantize(AMOUNT_STEP):
        return None, _("Use at most four decimals.")
    return value, None


def indicator_text(value: int | Decimal | None) -> str:
    """An indicator as a page or the PDF shows it: 56.8000 → "56.8", None → "—"."""
    if value is None:
        return "—"
    return str(value) if isinstance(value, int) else format(plain(value), "f")


@dataclass
class ReportInput:
    """What the city's form holds: each part's text and each indicator's value (None: not given)."""

    sections: dict[str, str] = field(default_factory=dict)
    indicators: dict[str, int | Decimal | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Gaps:
    """What a report still lacks for the formal check: parts shorter than MIN_SECTION_CHARS, indicators not
    given, and indicators below zero (possible only from data not entered through the form)."""

    short: list[str]
    missing: list[str]
    negative: list[str]

    def __bool__(self) -> bool:
        return bool(self.short or self.missing or self.negative)

    def messages(self) -> list[str]:
        found = []
        if self.short:
            found.append(_("parts not written (at least %(n)d characters each): %(list)s", n=MIN_SECTION_CHARS,
                           list="、".join(self.short)))
        if self.missing:
            found.append(_("indicators not given: %(list)s", list="、".join(self.missing)))
        if self.negative:
            found.append(_("indicators below zero: %(list)s", list="、".join(self.negative)))
        return found


def written_length(text: str | None) -> int:
    """The characters of a part that count towards MIN_SECTION_CHARS (whitespace not counted)."""
    return len("".join((text or "").split()))


def gaps(report: SelfEvaluation | None) -> Gaps:
    """What the report lacks (everything when the city has not filed one)."""
    if report is None:
        return Gaps([str(s.label) for s in SECTIONS], [str(i.label) for i in INDICATORS], [])
    return Gaps(
        short=[str(s.label) for s in SECTIONS if written_length(getattr(report, s.key)) < MIN_SECTION_CHARS],
        missing=[str(i.label) for i in INDICATORS if getattr(report, i.key) is None],
        negative=[str(i.label) for i in INDICATORS if (getattr(report, i.key) or 0) < 0],
    )


def report_of(session: Session, application_id: int) -> SelfEvaluation | None:
    return session.exec(select(SelfEvaluation).where(SelfEvaluation.application_id == application_id)).first()


def reports_of(session: Session, application_ids: list[int]) -> dict[int, SelfEvaluation]:
    """The reports of these applications, by application id (one query)."""
    if not application_ids:
        return {}
    rows = session.exec(select(SelfEvaluation).where(SelfEvaluation.application_id.in_(application_ids)))
    return {r.application_id: r for r in rows}


def _problems(data: ReportInput) -> list[str]:
    problems = []
    for section in SECTIONS:
        if len(data.sections.get(section.key) or "") > MAX_SECTION_CHARS:
            problems.append(_("%(part)s: at most %(n)d characters.", part=section.label, n=MAX_SECTION_CHARS))
    for indicator in INDICATORS:
        value = data.indicators.get(indicator.key)
        if value is None:
            continue
        if value < 0:
            problems.append(_("%(name)s cannot be negative.", name=indicator.label))
        elif indicator.type == "int" and not isinstance(value, int):
            problems.append(_("%(name)s: give a whole number.", name=indicator.label))
    return problems


def save(session: Session, *, application: Application, data: ReportInput, by: User | None) -> SelfEvaluation:
    """Store the city's report of one consortium (a draft may be incomplete); audited with what changed."""
    review_round = session.get(Round, application.round_id)
    if application.consortium_id is None:
        raise ApplicationError(_("Only an annual report has a structured self-evaluation."))
    require_editable(session, application, review_round)
    problems = _problems(data)
    if problems:
        raise ApplicationError("；".join(problems))
    report = report_of(session, application.id) or SelfEvaluation(application_id=application.id)
    before = _raw(report)
    for section in SECTIONS:
        setattr(report, section.key, (data.sections.get(section.key) or "").strip())
    for indicator in INDICATORS:
        setattr(report, indicator.key, data.indicators.get(indicator.key))
    report.updated_at = application.updated_at = utcnow()
    report.updated_by_id = by.id if by else None
    session.add(report)
    session.add(application)
    session.flush()
    after = _raw(report)
    audit.record(
        session,
        action="self_evaluation.save",
        by=by,
        target=application,
        round_id=review_round.id,
        details={
            "code": application.code,
            "changed": [k for k in after if after[k] != before[k]],
            "lengths": {s.key: written_length(after[s.key]) for s in SECTIONS},
            "indicators": {i.key: None if after[i.key] is None else indicator_text(after[i.key]) for i in INDICATORS},
            "gaps": gaps(report).messages(),
        },
    )
    return report


def _raw(report: SelfEvaluation) -> dict:
    """The report's parts and indicators by key, as stored."""
    return {item.key: getattr(report, item.key) for item in (*SECTIONS, *INDICATORS)}
