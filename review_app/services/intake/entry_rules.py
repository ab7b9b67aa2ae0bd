"""The formal-check rules on what a complete declaration holds (issue 16), beside R0–R9 of `rules`:

R10 every member unit declares whether it is an independent legal person (独立法人), and is one;
R11 each service body among the members declares what the notice asks of it (a 检验检测机构 its CMA or
    CNAS certificate number, the others a statement of their service team and experience);
R12 the applicant's pledge of truthfulness (真实性承诺) is uploaded;
R13 the technical field is one of the round's controlled list;
R14 the city ordered its recommendations (好中选优) and uploaded its stamped summary (推荐汇总表,
    打印盖章后扫描), printed with the order it has now: a warning (提示) while it has not; an imported
    application (no place in a city's order: its city sent the summary outside the system) passes.
Annual self-evaluation rounds: none of them applies.
"""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...models import AttachmentKind, Verdict
from ..platform.localtime import local_time
from . import fields, notice
from .dossier import Dossier
from .findings import Finding, RoundFacts, not_applicable

RULES = ("R10", "R11", "R12", "R13", "R14")
RULE_TITLES = {
    "R10": _l("Members declared independent legal persons"),
    "R11": _l("Service bodies' qualifications"),
    "R12": _l("Pledge of truthfulness"),
    "R13": _l("Technical field from the list"),
    "R14": _l("City's order and stamped summary"),
}
CERTIFICATE = re.compile(r"CMA|CNAS|\d{12}", re.IGNORECASE)


def rule_r10(d: Dossier, facts: RoundFacts) -> Finding:
    if facts.annual:
        return not_applicable("R10")
    undeclared = [m.org.name for m in d.members if m.member.is_legal_person is None]
    not_legal = [m.org.name for m in d.members if m.member.is_legal_person is False]
    problems = []
    if not_legal:
        problems.append(_("declared not independent legal persons: %(names)s", names="、".join(not_legal)))
    if undeclared:
        problems.append(_("not declared whether independent legal persons: %(names)s", names="、".join(undeclared)))
    if problems:
        return Finding(
            "R10",
            Verdict.FAIL,
            _("Member units %(list)s. The notice: %(rule)s.", list="；".join(problems),
              rule=notice.LEGAL_PERSON_REQUIREMENT),
        )
    return Finding(
        "R10", Verdict.PASS, _("All %(n)d member units declared independent legal persons.", n=len(d.members))
    )


def rule_r11(d: Dossier, facts: RoundFacts) -> Finding:
    if facts.annual:
        return not_applicable("R11")
    service = [m for m in d.members if m.unit_type in notice.SERVICE_REQUIREMENTS]
    if not service:
        return Finding("R11", Verdict.PASS, _("No service body among the members: does not apply."))
    problems = []
    for m in service:
        text = (m.member.qualification or "").strip()
        if m.unit_type == notice.TESTING_BODY:
            missing = not CERTIFICATE.search(text)
            what = _("no CMA or CNAS certificate number is given")
        else:
            missing = len(text) < notice.MIN_SERVICE_STATEMENT
            what = _("no statement of its service team and experience (at least %(n)d characters) is given",
                     n=notice.MIN_SERVICE_STATEMENT)
        if missing:
            problems.append(
                _("%(type)s %(name)s: %(what)s (the notice: %(requirement)s)", type=m.unit_type, name=m.org.name,
                  what=what, requirement=notice.SERVICE_REQUIREMENTS[m.unit_type])
            )
    if problems:
        return Finding("R11", Verdict.FAIL, "；".join(problems) + "。")
    return Finding(
        "R11",
        Verdict.PASS,
        _("Service bodies declared what the notice asks: %(list)s.",
          list="、".join(f"{m.org.name}（{m.member.qualification.strip()[:40]}）" for m in service)),
    )


def rule_r12(d: Dossier, facts: RoundFacts) -> Finding:
    if facts.annual:
        return not_applicable("R12")
    pledge = d.attachments.get(AttachmentKind.PLEDGE)
    if pledge is None:
        return Finding(
            "R12",
            Verdict.FAIL,
            _("The applicant's pledge of truthfulness (真实性承诺) is not uploaded. The notice: %(rule)s.",
              rule=notice.PLEDGE_REQUIREMENT),
        )
    return Finding("R12", Verdict.PASS, _("The pledge of truthfulness is uploaded (%(name)s).", name=pledge.filename))


def rule_r13(d: Dossier, facts: RoundFacts) -> Finding:
    if facts.annual:
        return not_applicable("R13")
    field = d.application.field
    if field in fields.round_fields(facts.review_round):
        return Finding("R13", Verdict.PASS, _("The technical field %(field)s is on the round's list.", field=field))
    return Finding(
        "R13",
        Verdict.FAIL,
        _("The technical field %(field)s is not on the round's list of 新兴产业 and 未来产业 fields; the centre "
          "corrects it at the check or sends the application back.", field=field or _("(empty)")),
    )


def rule_r14(d: Dossier, facts: RoundFacts) -> Finding:
    if facts.annual:
        return not_applicable("R14")
    order = facts.city_orders.get(d.application.city_id, [])
    summary = facts.summaries.get(d.application.city_id)
    rank = d.application.recommend_rank
    if rank is None:  # imported by the centre (the city's order and summary came outside the system)
        return Finding("R14", Verdict.PASS, _("Not recommended through the city portal (imported): does not apply."))
    placed = _("%(city)s ranks it %(rank)d of %(n)d", city=d.city.name, rank=rank, n=len(order))
    if summary is None:
        return Finding(
            "R14", Verdict.WARN,
            _("%(placed)s; the stamped summary (推荐汇总表, 打印盖章后扫描) is not uploaded yet.", placed=placed),
        )
    if summary.order_codes.split(";") != order:
        return Finding(
            "R14", Verdict.WARN,
            _("%(placed)s; the recommendations or their order changed after the stamped summary was uploaded: "
              "it must be printed, stamped and uploaded again.", placed=placed),
        )
    return Finding(
        "R14", Verdict.PASS,
        _("%(placed)s; the stamped summary was uploaded on %(when)s.", placed=placed,
          when=local_time(summary.uploaded_at)),
    )


RULE_FUNCTIONS = {"R10": rule_r10, "R11": rule_r11, "R12": rule_r12, "R13": rule_r13, "R14": rule_r14}
