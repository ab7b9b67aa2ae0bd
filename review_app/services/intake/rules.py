"""The rules of the formal check (形式审查): R0–R9 of the notice on one application, given the facts of
its round. services.check runs them on every submitted application, stores the verdicts, and writes the
report.

Each rule gives 通过 / 不通过 / 提示 with its reason in Chinese (the reasons are stored, and the report
is a Chinese document whatever language the person running the check reads).

Rules (domain.md, design.md "Formal check report"):
R0 every credit code (lead and members) is well formed (GB 32100-2015, with the embedded GB 11714
   organisation code check); R1 the city recommended no more than its quota (else every one of its
   applications fails); R2 the lead unit leads only this application (units are the same when their
   credit codes are); R3 a 龙头企业 lead had 2025 revenue ≥ 10亿元 and R&D intensity ≥ 3 %; R4 a 独角兽企业
   lead had R&D intensity ≥ 3 %; R5 the lead is of a kind the notice names (the six platform kinds or an
   enterprise kind); R6 a university or research institute among the members (a warning, not a fail);
   R7 every unit is a legal person (the centre's register) in good credit standing (neither declared
   失信 on the application nor on the centre's imported 失信 list; the finding names the source); R8 the
   co-construction agreement covers the six mechanisms; R9 bonus flags (长三角 members, service bodies), always 通过.
Annual self-evaluation rounds check the existing consortium's lead (R0, R2, R7); the other rules do
not apply and say so; they also check the report is complete (R15–R18 of `annual_rules`), which
new-consortium rounds do not run (`rules_for`).
"""

from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from ...models import Application, CreditStanding, Round, RoundKind, Verdict
from . import annual_rules, credit_codes, credit_list, entry_rules, notice, recommendations
from .dossier import Dossier, load_all
from .findings import Finding, RoundFacts, not_applicable

RULES = ("R0", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", *entry_rules.RULES)  # a new-consortium round
ANNUAL_RULES = (*RULES, *annual_rules.RULES)  # an annual self-evaluation round
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
    **entry_rules.RULE_TITLES,
    **annual_rules.RULE_TITLES,
}

CODE_PROBLEM = {
    "length": _l("not 18 characters"),
    "characters": _l("characters outside the code's alphabet or a malformed division code"),
    "org_code_check": _l("wrong check character of the embedded organisation code"),
    "check": _l("wrong check character"),
}


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
        return not_applicable("R1")
    count, quota = facts.submitted_by_city[d.application.city_id], facts.review_round.city_quota
    if count > quota:
        return Finding(
            "R1",
            Verdict.FAIL,
            _(
                "%(city)s recommended %(count)d applications, more than its quota of %(quota)d.",
                city=d.city.name,
                count=count,
                quota=quota,
            ),
        )
    return Finding(
        "R1",
        Verdict.PASS,
        _("%(city)s recommended %(count)d of %(quota)d.", city=d.city.name, count=count, quota=quota),
    )


def rule_r2(d: Dossier, facts: RoundFacts) -> Finding:
    others = [c for c in facts.codes_by_lead[d.lead.credit_code] if c != d.application.code]
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
        return not_applicable("R3")
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
        return not_applicable("R4")
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
        return not_applicable("R5")
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
        return not_applicable("R6")
    academic = [m.org.name for m in d.members if m.unit_type in notice.ACADEMIC_UNIT_TYPES]
    if academic:
        return Finding("R6", Verdict.PASS, _("University or institute members: %(names)s.", names="、".join(academic)))
    return Finding(
        "R6",
        Verdict.WARN,
        _("No university or research institute among the members; the notice expects one in principle."),
    )


def rule_r7(d: Dossier, facts: RoundFacts) -> Finding:
    problems = []
    for role, org in d.units():
        if not org.is_legal_person:
            problems.append(_("%(role)s %(name)s is not an independent legal person", role=role, name=org.name))
        if org.credit_standing == CreditStanding.BAD:
            problems.append(
                _(
                    "%(role)s %(name)s is declared with a bad credit record (失信) by the application",
                    role=role,
                    name=org.name,
                )
            )
        listed = facts.credit_list.get(org.credit_code)
        if listed is not None:
            problems.append(
                _(
                    "%(role)s %(name)s (%(code)s) is on the centre's 失信 list (%(reason)s)",
                    role=role,
                    name=org.name,
                    code=org.credit_code,
                    reason="，".join(
                        x for x in (listed.reason, listed.listed_on.isoformat() if listed.listed_on else "") if x
                    )
                    or _("no reason given"),
                )
            )
    if problems:
        return Finding("R7", Verdict.FAIL, "；".join(problems) + "。")
    return Finding(
        "R7", Verdict.PASS, _("All %(n)d units are legal persons with a good credit record.", n=len(d.units()))
    )


def rule_r8(d: Dossier, facts: RoundFacts) -> Finding:
    if facts.annual:
        return not_applicable("R8")
    clauses = d.agreement_clauses
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
        return not_applicable("R9")
    flags = []
    delta = [f"{m.org.name}（{m.org.province}）" for m in d.members if m.org.province in notice.DELTA_PROVINCES]
    if delta:
        flags.append(_("Yangtze River Delta members: %(names)s", names="、".join(delta)))
    service = [f"{m.org.name}（{m.unit_type}）" for m in d.members if m.unit_type in notice.SERVICE_UNIT_TYPES]
    if service:
        flags.append(_("service-body members: %(names)s", names="、".join(service)))
    if flags:
        return Finding("R9", Verdict.PASS, _("Bonus: %(flags)s.", flags="；".join(flags)))
    return Finding("R9", Verdict.PASS, _("No bonus flags."))


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
    **entry_rules.RULE_FUNCTIONS,
    **annual_rules.RULE_FUNCTIONS,
}


def rules_for(review_round: Round) -> tuple[str, ...]:
    """The rules a round's check runs, in numeric order: R0–R14, and R15–R18 in an annual round."""
    return ANNUAL_RULES if review_round.kind == RoundKind.ANNUAL_EVALUATION else RULES


def evaluate(dossier: Dossier, facts: RoundFacts) -> list[Finding]:
    """Every rule's finding on one application, in rule order."""
    return [RULE_FUNCTIONS[rule](dossier, facts) for rule in rules_for(facts.review_round)]


# The round's applications and facts -------------------------------------------------------------


def load(session: Session, review_round: Round) -> tuple[list[Dossier], RoundFacts]:
    """The round's recommended applications (submitted, or sent back for correction: they keep their
    verdicts for the city to read) as dossiers, and the facts about the round."""
    applications = list(
        session.exec(
            select(Application)
            .where(Application.round_id == review_round.id, Application.status.in_(recommendations.RECOMMENDED))
            .order_by(Application.code)
        )
    )
    codes_by_lead: dict[str, list[str]] = defaultdict(list)
    for a in applications:
        codes_by_lead[a.lead_credit_code].append(a.code)
    dossiers = load_all(session, applications)
    listed = credit_list.listed(session, {unit.credit_code for d in dossiers for _role, unit in d.units()})
    facts = RoundFacts(
        review_round,
        Counter(a.city_id for a in applications),
        codes_by_lead,
        listed,
        recommendations.summaries(session, round_id=review_round.id),
        recommendations.orders(applications),
    )
    return dossiers, facts
