"""The formal check (形式审查): rules R0–R9 of the notice on every submitted application of a round.

Each rule gives 通过 / 不通过 / 提示 with its reason in Chinese (the reasons are stored, and the report
is a Chinese document whatever language the person running the check reads). An admin may override
one verdict with a written reason; the computed verdict stays beside it. Nothing is ever dropped: a
failing application keeps its row and its reasons.

Rules (domain.md, design.md "Formal check report"):
R0 every credit code (lead and members) is well formed (GB 32100-2015, with the embedded GB 11714
   organisation code check); R1 the city recommended no more than its quota (else every one of its
   applications fails); R2 the lead unit leads only this application (units are the same when their
   credit codes are); R3 a 龙头企业 lead had 2025 revenue ≥ 10亿元 and R&D intensity ≥ 3 %; R4 a 独角兽企业
   lead had R&D intensity ≥ 3 %; R5 the lead is of a kind the notice names (the six platform kinds or an
   enterprise kind); R6 a university or research institute among the members (a warning, not a fail);
   R7 every unit is a legal person in good credit standing; R8 the co-construction agreement covers the
   six mechanisms; R9 bonus flags (长三角 members, service bodies), always 通过.
Annual self-evaluation rounds check the existing consortium's lead (R0, R2, R7); the other rules do
not apply and say so.
"""

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from ...models import (
    Application,
    ApplicationMember,
    ApplicationStatus,
    CheckResult,
    City,
    CreditStanding,
    Organisation,
    Round,
    RoundKind,
    RoundStage,
    User,
    Verdict,
)
from ...models._base import utcnow
from ..compliance import audit
from ..errors import ServiceError
from ..platform.csvfiles import csv_bytes
from . import credit_codes, notice

RULES = ("R0", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9")
RULE_TITLES = {
    "R0": _l("Credit codes well formed"),
    "R1": _l("City quota"),
    "R2": _l("One application per lead unit"),
    "R3": _l("Dragon-head enterprise thresholds"),
    "R4": _l("Unicorn R&D intensity"),
    "R5": _l("Lead unit kind"),
    "R6": _l("University or institute member"),
    "R7": _l("Legal persons in good credit"),
    "R8": _l("Co-construction agreement"),
    "R9": _l("Bonus flags"),
}
# The words of the report (design.md): fixed, whatever the reader's language.
VERDICT_TEXT = {Verdict.PASS: "通过", Verdict.FAIL: "不通过", Verdict.WARN: "提示"}
REPORT_HEADER = ("申报编号", "规则", "结果", "说明")
# The check may run (and verdicts be overridden) until scoring begins; after that it is frozen.
CHECKABLE_STAGES = (RoundStage.INTAKE, RoundStage.FORMAL_CHECK, RoundStage.ASSIGNMENT)
REPORT_LOCALE = "zh_CN"
MIN_REASON_LENGTH = 4

CODE_PROBLEM = {
    "length": _l("not 18 characters"),
    "characters": _l("characters outside the code's alphabet or a malformed division code"),
    "org_code_check": _l("wrong check character of the embedded organisation code"),
    "check": _l("wrong check character"),
}


class CheckError(ServiceError):
    """A check request that cannot be honoured; the message is shown to the user."""


@dataclass(frozen=True)
class Finding:
    rule: str
    verdict: Verdict
    message: str


@dataclass
class Dossier:
    """One application with everything the rules read."""

    application: Application
    city: str
    lead: Organisation
    members: list[tuple[ApplicationMember, Organisation]]

    def units(self) -> list[tuple[str, Organisation]]:
        return [(str(_l("lead unit")), self.lead)] + [(str(_l("member unit")), org) for _m, org in self.members]


@dataclass
class RoundFacts:
    """What the rules need to know about the whole round."""

    review_round: Round
    submitted_by_city: Counter
    codes_by_lead: dict[int, list[str]]

    @property
    def annual(self) -> bool:
        return self.review_round.kind == RoundKind.ANNUAL_EVALUATION


@dataclass(frozen=True)
class CheckSummary:
    applications: int
    failed: int
    warned: int
    overrides_cleared: int


@dataclass(frozen=True)
class TableRow:
    result: CheckResult
    application: Application
    city: str

    @property
    def effective(self) -> Verdict:
        return self.result.override_verdict or self.result.verdict


# The rules -------------------------------------------------------------------------------------


def _dec(value: Decimal) -> str:
    """10.0000 → "10", 3.500 → "3.5"."""
    return format(Decimal(str(value)).normalize(), "f")


def rule_r0(d: Dossier, _facts: RoundFacts) -> Finding:
    bad = []
    for role, org in d.units():
        problem = credit_codes.problem(org.credit_code)
        if problem:
            bad.append(
                _(
                    "%(role)s %(name)s: %(code)s (%(problem)s)",
                    role=role,
                    name=org.name,
                    code=org.credit_code,
                    problem=CODE_PROBLEM[problem],
                )
            )
    if bad:
        return Finding("R0", Verdict.FAIL, _("Malformed unified social credit code: %(list)s.", list="；".join(bad)))
    return Finding("R0", Verdict.PASS, _("All %(n)d credit codes are well formed.", n=len(d.units())))


def rule_r1(d: Dossier, facts: RoundFacts) -> Finding:
    if facts.annual:
        return _not_applicable("R1")
    count, quota = facts.submitted_by_city[d.application.city_id], facts.review_round.city_quota
    if count > quota:
        return Finding(
            "R1",
            Verdict.FAIL,
            _(
                "%(city)s recommended %(count)d applications, more than its quota of %(quota)d.",
                city=d.city,
                count=count,
                quota=quota,
            ),
        )
    return Finding(
        "R1", Verdict.PASS, _("%(city)s recommended %(count)d of %(quota)d.", city=d.city, count=count, quota=quota)
    )


def rule_r2(d: Dossier, facts: RoundFacts) -> Finding:
    others = [c for c in facts.codes_by_lead[d.lead.id] if c != d.application.code]
    if others:
        return Finding(
            "R2",
            Verdict.FAIL,
            _(
                "The lead unit %(name)s (%(code)s) also leads %(others)s; a unit may lead only one application.",
                name=d.lead.name,
                code=d.lead.credit_code,
                others="、".join(sorted(others)),
            ),
        )
    return Finding("R2", Verdict.PASS, _("The lead unit leads only this application."))


def rule_r3(d: Dossier, facts: RoundFacts) -> Finding:
    if facts.annual:
        return _not_applicable("R3")
    a = d.application
    if a.lead_kind != notice.DRAGON_HEAD:
        return Finding("R3", Verdict.PASS, _("The lead is not a dragon-head enterprise: does not apply."))
    problems = []
    if a.revenue_2025 is None:
        problems.append(_("the 2025 sales revenue is missing"))
    elif a.revenue_2025 < notice.MIN_REVENUE_DRAGON_HEAD:
        problems.append(_("2025 sales revenue %(value)s亿元 is below 10亿元", value=_dec(a.revenue_2025)))
    if a.rd_intensity_2025 is None:
        problems.append(_("the 2025 R&D intensity is missing"))
    elif a.rd_intensity_2025 < notice.MIN_RD_INTENSITY:
        problems.append(_("2025 R&D intensity %(value)s%% is below 3%%", value=_dec(a.rd_intensity_2025)))
    if problems:
        return Finding("R3", Verdict.FAIL, _("Dragon-head enterprise lead: %(list)s.", list="；".join(problems)))
    return Finding(
        "R3",
        Verdict.PASS,
        _(
            "2025 sales revenue %(revenue)s亿元 ≥ 10亿元 and R&D intensity %(rd)s%% ≥ 3%%.",
            revenue=_dec(a.revenue_2025),
            rd=_dec(a.rd_intensity_2025),
        ),
    )


def rule_r4(d: Dossier, facts: RoundFacts) -> Finding:
    if facts.annual:
        return _not_applicable("R4")
    a = d.application
    if a.lead_kind != notice.UNICORN:
        return Finding("R4", Verdict.PASS, _("The lead is not a unicorn enterprise: does not apply."))
    if a.rd_intensity_2025 is None:
        return Finding("R4", Verdict.FAIL, _("Unicorn lead: the 2025 R&D intensity is missing."))
    if a.rd_intensity_2025 < notice.MIN_RD_INTENSITY:
        return Finding(
            "R4",
            Verdict.FAIL,
            _("Unicorn lead: 2025 R&D intensity %(value)s%% is below 3%%.", value=_dec(a.rd_intensity_2025)),
        )
    return Finding("R4", Verdict.PASS, _("2025 R&D intensity %(value)s%% ≥ 3%%.", value=_dec(a.rd_intensity_2025)))


def rule_r5(d: Dossier, facts: RoundFacts) -> Finding:
    if facts.annual:
        return _not_applicable("R5")
    kind = d.application.lead_kind
    if kind in notice.PLATFORM_LEAD_KINDS:
        return Finding("R5", Verdict.PASS, _("A %(kind)s is one of the six platform kinds.", kind=kind))
    if kind in notice.ENTERPRISE_LEAD_KINDS:
        return Finding("R5", Verdict.PASS, _("An enterprise lead (%(kind)s).", kind=kind))
    return Finding(
        "R5", Verdict.FAIL, _("The lead kind %(kind)s is not one the notice allows.", kind=kind or _("(empty)"))
    )


def rule_r6(d: Dossier, facts: RoundFacts) -> Finding:
    if facts.annual:
        return _not_applicable("R6")
    academic = [org.name for member, org in d.members if member.unit_type in notice.ACADEMIC_UNIT_TYPES]
    if academic:
        return Finding("R6", Verdict.PASS, _("University or institute members: %(names)s.", names="、".join(academic)))
    return Finding(
        "R6",
        Verdict.WARN,
        _("No university or research institute among the members; the notice expects one in principle."),
    )


def rule_r7(d: Dossier, _facts: RoundFacts) -> Finding:
    problems = []
    for role, org in d.units():
        if not org.is_legal_person:
            problems.append(_("%(role)s %(name)s is not an independent legal person", role=role, name=org.name))
        if org.credit_standing == CreditStanding.BAD:
            problems.append(_("%(role)s %(name)s has a bad credit record (失信)", role=role, name=org.name))
    if problems:
        return Finding("R7", Verdict.FAIL, "；".join(problems) + "。")
    return Finding(
        "R7", Verdict.PASS, _("All %(n)d units are legal persons with a good credit record.", n=len(d.units()))
    )


def rule_r8(d: Dossier, facts: RoundFacts) -> Finding:
    if facts.annual:
        return _not_applicable("R8")
    clauses = notice.split_clauses(d.application.agreement_clauses or "")
    if not clauses:
        return Finding("R8", Verdict.FAIL, _("No co-construction agreement clauses are given."))
    missing = [c for c in notice.AGREEMENT_CLAUSES if c not in clauses]
    if missing:
        return Finding(
            "R8",
            Verdict.FAIL,
            _("The co-construction agreement does not cover: %(missing)s.", missing="、".join(missing)),
        )
    return Finding("R8", Verdict.PASS, _("The co-construction agreement covers all six mechanisms."))


def rule_r9(d: Dossier, facts: RoundFacts) -> Finding:
    if facts.annual:
        return _not_applicable("R9")
    flags = []
    delta = [f"{org.name}（{org.province}）" for _m, org in d.members if org.province in notice.DELTA_PROVINCES]
    if delta:
        flags.append(_("Yangtze River Delta members: %(names)s", names="、".join(delta)))
    service = [f"{org.name}（{m.unit_type}）" for m, org in d.members if m.unit_type in notice.SERVICE_UNIT_TYPES]
    if service:
        flags.append(_("service-body members: %(names)s", names="、".join(service)))
    if flags:
        return Finding("R9", Verdict.PASS, _("Bonus: %(flags)s.", flags="；".join(flags)))
    return Finding("R9", Verdict.PASS, _("No bonus flags."))


def _not_applicable(rule: str) -> Finding:
    return Finding(rule, Verdict.PASS, _("Annual self-evaluation round: does not apply."))


RULE_FUNCTIONS: dict[str, Callable[[Dossier, RoundFacts], Finding]] = {
    "R0": rule_r0,
    "R1": rule_r1,
    "R2": rule_r2,
    "R3": rule_r3,
    "R4": rule_r4,
    "R5": rule_r5,
    "R6": rule_r6,
    "R7": rule_r7,
    "R8": rule_r8,
    "R9": rule_r9,
}


def evaluate(dossier: Dossier, facts: RoundFacts) -> list[Finding]:
    """Every rule's finding on one application, in rule order."""
    return [RULE_FUNCTIONS[rule](dossier, facts) for rule in RULES]


# Loading and running ---------------------------------------------------------------------------


def load(session: Session, review_round: Round) -> tuple[list[Dossier], RoundFacts]:
    """The round's submitted applications as dossiers, and the facts about the round."""
    applications = list(
        session.exec(
            select(Application)
            .where(Application.round_id == review_round.id, Application.status == ApplicationStatus.SUBMITTED)
            .order_by(Application.code)
        )
    )
    ids = [a.id for a in applications]
    members: dict[int, list[ApplicationMember]] = defaultdict(list)
    for member in session.exec(
        select(ApplicationMember)
        .where(ApplicationMember.application_id.in_(ids))
        .order_by(ApplicationMember.position, ApplicationMember.id)
    ):
        members[member.application_id].append(member)
    org_ids = {a.lead_org_id for a in applications} | {m.org_id for ms in members.values() for m in ms}
    orgs = {o.id: o for o in session.exec(select(Organisation).where(Organisation.id.in_(org_ids)))}
    cities = {c.id: c.name for c in session.exec(select(City))}
    dossiers = [
        Dossier(a, cities[a.city_id], orgs[a.lead_org_id], [(m, orgs[m.org_id]) for m in members[a.id]])
        for a in applications
    ]
    codes_by_lead: dict[int, list[str]] = defaultdict(list)
    for a in applications:
        codes_by_lead[a.lead_org_id].append(a.code)
    facts = RoundFacts(review_round, Counter(a.city_id for a in applications), codes_by_lead)
    return dossiers, facts


def run_check(session: Session, *, review_round: Round, by: User | None, allow_frozen: bool = False) -> CheckSummary:
    """Run every rule on every submitted application of the round and store the verdicts.

    An override survives a re-run when the computed verdict it overrode is unchanged; otherwise it
    is cleared (the facts changed under it) and the audit event counts it. Verdicts of applications
    no longer submitted (withdrawn by their city) are removed: they are not part of the check.
    """
    if review_round.stage not in CHECKABLE_STAGES and not allow_frozen:  # allow_frozen: the demo seed only
        raise CheckError(_("The formal check can run from city intake until scoring begins."))
    dossiers, facts = load(session, review_round)
    with force_locale(REPORT_LOCALE):
        findings = {d.application.id: evaluate(d, facts) for d in dossiers}
    app_ids = list(session.exec(select(Application.id).where(Application.round_id == review_round.id)))
    existing = {
        (r.application_id, r.rule): r
        for r in session.exec(select(CheckResult).where(CheckResult.application_id.in_(app_ids)))
    }
    now = utcnow()
    cleared = 0
    for app_id, app_findings in findings.items():
        for finding in app_findings:
            result = existing.pop((app_id, finding.rule), None)
            if result is None:
                result = CheckResult(application_id=app_id, rule=finding.rule, verdict=finding.verdict)
                session.add(result)
            elif result.override_verdict is not None and result.verdict != finding.verdict:
                result.override_verdict, result.override_reason, result.overridden_by_id = None, None, None
                cleared += 1
            result.verdict, result.message, result.checked_at = finding.verdict, finding.message, now
    for stale in existing.values():
        session.delete(stale)
    summary = CheckSummary(
        applications=len(findings),
        failed=sum(any(f.verdict == Verdict.FAIL for f in fs) for fs in findings.values()),
        warned=sum(any(f.verdict == Verdict.WARN for f in fs) for fs in findings.values()),
        overrides_cleared=cleared,
    )
    session.flush()
    audit.record(
        session,
        action="check.run",
        by=by,
        target=review_round,
        round_id=review_round.id,
        details=summary.__dict__,
    )
    return summary


def is_current(session: Session, *, review_round: Round) -> bool:
    """True when every submitted application has all its verdicts and nothing in the round changed
    since the last run (R1 and R2 depend on the other applications, so any change counts)."""
    app_ids = select(Application.id).where(Application.round_id == review_round.id)
    last_check = session.execute(
        select(sa.func.min(CheckResult.checked_at)).where(CheckResult.application_id.in_(app_ids))
    ).scalar_one()
    last_change = session.execute(
        select(sa.func.max(Application.updated_at)).where(Application.round_id == review_round.id)
    ).scalar_one()
    submitted = session.execute(
        select(sa.func.count()).where(
            Application.round_id == review_round.id, Application.status == ApplicationStatus.SUBMITTED
        )
    ).scalar_one()
    results = session.execute(
        select(sa.func.count())
        .select_from(CheckResult)
        .join(Application, Application.id == CheckResult.application_id)
        .where(Application.round_id == review_round.id, Application.status == ApplicationStatus.SUBMITTED)
    ).scalar_one()
    if submitted == 0 or last_check is None or results != submitted * len(RULES):
        return False
    return last_change is None or _aware(last_check) >= _aware(last_change)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# Reading, overriding, reporting ---------------------------------------------------------------


def table(
    session: Session,
    *,
    round_id: int,
    rule: str | None = None,
    verdict: Verdict | None = None,
    city_id: int | None = None,
    application_id: int | None = None,
) -> list[TableRow]:
    """The verdicts of a round, by application code then rule; filters use the effective verdict."""
    query = (
        select(CheckResult, Application, City.name)
        .join(Application, Application.id == CheckResult.application_id)
        .join(City, City.id == Application.city_id)
        .where(Application.round_id == round_id)
        .order_by(Application.code, CheckResult.rule)
    )
    if rule:
        query = query.where(CheckResult.rule == rule)
    if city_id:
        query = query.where(Application.city_id == city_id)
    if application_id:
        query = query.where(Application.id == application_id)
    if verdict:
        effective = sa.func.coalesce(CheckResult.override_verdict, CheckResult.verdict)
        query = query.where(effective == verdict.value)
    return [TableRow(result, application, city) for result, application, city in session.exec(query)]


def counts(session: Session, *, round_id: int) -> dict[str, int]:
    """How many applications pass, carry a warning, or fail (their worst effective verdict)."""
    worst: dict[int, Verdict] = {}
    order = {Verdict.PASS: 0, Verdict.WARN: 1, Verdict.FAIL: 2}
    for row in table(session, round_id=round_id):
        current = worst.get(row.application.id, Verdict.PASS)
        worst[row.application.id] = max(current, row.effective, key=order.__getitem__)
    tally = Counter(worst.values())
    return {
        "checked": len(worst),
        "pass": tally[Verdict.PASS],
        "warn": tally[Verdict.WARN],
        "fail": tally[Verdict.FAIL],
    }


def failing_application_ids(session: Session, *, round_id: int) -> set[int]:
    """Applications with at least one effective 不通过: the assignment leaves them out."""
    return {r.application.id for r in table(session, round_id=round_id, verdict=Verdict.FAIL)}


def override(session: Session, *, result_id: int, verdict: Verdict, reason: str, by: User) -> CheckResult:
    """Replace one computed verdict with the admin's, for a written reason (audited). Choosing the
    computed verdict again removes the override."""
    result = session.get(CheckResult, result_id)
    if result is None:
        raise CheckError(_("No such verdict."))
    application = session.get(Application, result.application_id)
    review_round = session.get(Round, application.round_id)
    if review_round.stage not in CHECKABLE_STAGES:
        raise CheckError(_("Verdicts can no longer be changed once scoring has begun."))
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise CheckError(_("Write the reason for the override (at least %(n)d characters).", n=MIN_REASON_LENGTH))
    before = result.override_verdict or result.verdict
    if verdict == result.verdict:
        result.override_verdict, result.overridden_by_id = None, None
        result.override_reason = None
    else:
        result.override_verdict, result.override_reason, result.overridden_by_id = verdict, reason, by.id
    audit.record(
        session,
        action="check.override",
        by=by,
        target=result,
        round_id=review_round.id,
        details={
            "application": application.code,
            "rule": result.rule,
            "computed": result.verdict,
            "before": before,
            "after": verdict,
            "reason": reason,
        },
    )
    return result


def report_rows(session: Session, *, round_id: int) -> list[tuple[str, str, str, str]]:
    """The report of design.md: one row per application and rule, the effective verdict, and the
    reason (with the override's reason after it when an admin overrode the verdict)."""
    rows = []
    for row in table(session, round_id=round_id):
        result = row.result
        message = result.message
        if result.override_verdict is not None:
            message = (
                f"{message}（人工改判：原结果{VERDICT_TEXT[result.verdict]}，改为{VERDICT_TEXT[result.override_verdict]}；"
                f"理由：{result.override_reason}）"
            )
        rows.append((row.application.code, result.rule, VERDICT_TEXT[row.effective], message))
    return rows


def report_csv(session: Session, *, round_id: int) -> bytes:
    """The report as CSV bytes, UTF-8 with a byte order mark so that Excel reads the Chinese; text that a
    spreadsheet would run as a formula (an override reason typed as "=…") is neutralised."""
    return csv_bytes(REPORT_HEADER, report_rows(session, round_id=round_id))


@dataclass(frozen=True)
class Board:
    """The admin's check page: the filtered table, the counts and whether the check is up to date."""

    round: Round
    rows: list[TableRow]
    counts: dict[str, int]
    current: bool
    checkable: bool
    cities: list[City]


def board(
    session: Session,
    *,
    round_id: int,
    rule: str | None = None,
    verdict: Verdict | None = None,
    city_id: int | None = None,
) -> Board | None:
    review_round = session.get(Round, round_id)
    if review_round is None:
        return None
    return Board(
        round=review_round,
        rows=table(session, round_id=round_id, rule=rule, verdict=verdict, city_id=city_id),
        counts=counts(session, round_id=round_id),
        current=is_current(session, review_round=review_round),
        checkable=review_round.stage in CHECKABLE_STAGES,
        cities=list(session.exec(select(City).order_by(City.code))),
    )


def result_row(session: Session, *, result_id: int) -> TableRow | None:
    result = session.get(CheckResult, result_id)
    if result is None:
        return None
    application = session.get(Application, result.application_id)
    return TableRow(result, application, session.get(City, application.city_id).name)
