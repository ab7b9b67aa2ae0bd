"""Labels of the intake and formal-check screens, for every template (registered by the city blueprint)."""

from flask import current_app
from flask_babel import lazy_gettext as _l

from .models import RoundStage, Verdict
from .services.intake.attachments import ATTACHMENT_KIND_LABEL
from .services.intake.rules import RULE_TITLES

VERDICT = {
    Verdict.PASS: _l("Pass"),
    Verdict.FAIL: _l("Fail"),
    Verdict.WARN: _l("Warning"),
}


def template_globals() -> dict:
    return {
        "VERDICT_LABEL": VERDICT,
        "RULE_TITLE": RULE_TITLES,
        "ATTACHMENT_KIND_LABEL": ATTACHMENT_KIND_LABEL,
        "STAGES": list(RoundStage),
        "url_endpoints": current_app.view_functions,
    }
