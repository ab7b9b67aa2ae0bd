"""The formal-check rules on a complete annual self-evaluation report (issue 22), beside R0–R14:

R15 every one of the notice's six parts is written (at least self_evaluation.MIN_SECTION_CHARS characters,
    spaces not counted);
R16 every key indicator is given and not negative;
R17 the self-evaluation report PDF is uploaded;
R18 the city's opinion is given (its opinion texts, as a new application's).
They run in annual self-evaluation rounds only: a new-consortium round's check is R0–R14 as before.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...models import AttachmentKind, Verdict
from . import self_evaluation
from .dossier import Dossier
from .findings import Finding, RoundFacts

RULES = ("R15", "R16", "R17", "R18")
RULE_TITLES = {
    "R15": _l("Self-evaluation parts written"),
    "R16": _l("Key indicators given"),
    "R17": _l("Self-evaluation report PDF"),
    "R18": _l("City's opinion on the report"),
}


def rule_r15(d: Dossier, _facts: RoundFacts) -> Finding:
    short = self_evaluation.gaps(d.self_evaluation).short
    if short:
        return Finding(
            "R15",
            Verdict.FAIL,
            _("Parts of the self-evaluation not written (at least %(n)d characters each): %(list)s.",
              n=self_evaluation.MIN_SECTION_CHARS, list="、".join(short)),
        )
    return Finding("R15", Verdict.PASS, _("All %(n)d parts of the self-evaluation are written.",
                                          n=len(self_evaluation.SECTIONS)))


def rule_r16(d: Dossier, _facts: RoundFacts) -> Finding:
    found = self_evaluation.gaps(d.self_evaluation)
    problems = []
    if found.missing:
        problems.append(_("not given: %(list)s", list="、".join(found.missing)))
    if found.negative:
        problems.append(_("below zero: %(list)s", list="、".join(found.negative)))
    if problems:
        return Finding("R16", Verdict.FAIL, _("Key indicators %(list)s.", list="；".join(problems)))
    return Finding("R16", Verdict.PASS, _("All %(n)d key indicators are given.", n=len(self_evaluation.INDICATORS)))


def rule_r17(d: Dossier, _facts: RoundFacts) -> Finding:
    report = d.attachments.get(AttachmentKind.SELF_EVALUATION)
    if report is None:
        return Finding("R17", Verdict.FAIL, _("The self-evaluation report (自评报告) PDF is not uploaded."))
    return Finding("R17", Verdict.PASS, _("The self-evaluation report is uploaded (%(name)s).", name=report.filename))


def rule_r18(d: Dossier, _facts: RoundFacts) -> Finding:
    a = d.application
    missing = [label for label, text in ((_("necessity"), a.necessity), (_("feasibility"), a.feasibility))
               if not (text or "").strip()]
    if missing:
        return Finding("R18", Verdict.FAIL, _("The city science bureau's opinion is missing: %(list)s.",
                                              list="、".join(missing)))
    return Finding("R18", Verdict.PASS, _("The city science bureau's opinion is given."))


RULE_FUNCTIONS = {"R15": rule_r15, "R16": rule_r16, "R17": rule_r17, "R18": rule_r18}
