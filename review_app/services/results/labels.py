"""How the codes of a ranking read to a person, in the user's language: flags, methods, seat states and
yes/no. The one mapping for the results pages (named in review_app/labels.py, given to every template) and
for the exports (xlsx, pdf, csv), which import it from here; it imports nothing of the web layer."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...models import AssignmentState, Grade, GradeMethod

# Flags of scoring/ on an application.
SCORE_FLAG = {
    "spread": _l("Experts disagree"),
    "split": _l("Split recommendation"),
    "few_reviews": _l("Too few reviews"),
}
# Flags of scoring/ on an expert.
EXPERT_FLAG = {
    "extreme": _l("Scores far from the peers"),
    "systematic": _l("Consistently above or below the peers"),
}
# Aggregation methods of scoring/, in the order the centre is offered them.
AGGREGATION_METHOD = {
    "calibrated": _l("Calibrated (corrects lenient and harsh experts; recommended)"),
    "trimmed": _l("Trimmed mean (drop the highest and the lowest)"),
    "mean": _l("Plain mean"),
    "median": _l("Median"),
    "bias": _l("Bias model (least squares, regularised)"),
    "affine": _l("Affine model (leniency and spread per expert)"),
    "zscore": _l("Z-score per expert"),
}
# scoring.DEFAULT_METHOD, named here so that the `flask rank` command offers it without loading numpy.
DEFAULT_METHOD = "calibrated"
# The short name of each method, for a file's heading.
METHOD_NAME = {
    "calibrated": _l("Calibrated"),
    "trimmed": _l("Trimmed mean"),
    "mean": _l("Plain mean"),
    "median": _l("Median"),
    "bias": _l("Bias model"),
    "affine": _l("Affine model"),
    "zscore": _l("Z-score per expert"),
}
ASSIGNMENT_STATE = {
    AssignmentState.ACTIVE: _l("On the panel"),
    AssignmentState.RECUSED: _l("Declared a conflict"),
    AssignmentState.REPLACED: _l("Replaced"),
}
# The grades of an annual evaluation, and how a round sets them.
GRADE = {
    Grade.EXCELLENT: _l("Excellent"),
    Grade.GOOD: _l("Good"),
    Grade.PASS: _l("Satisfactory"),
    Grade.FAIL: _l("Unsatisfactory"),
}
GRADE_METHOD = {
    GradeMethod.THRESHOLDS: _l("Score thresholds"),
    GradeMethod.SHARE: _l("A share for Excellent, thresholds for the rest"),
}

# How a grade compares with the consortium's previous one (grade_changes.GradeChange.trend).
GRADE_TREND = {
    "improved": _l("Improved"),
    "fell": _l("Fell"),
    "same": _l("Unchanged"),
    "new": _l("First evaluation"),
}


def yes_no(value: bool | None) -> str:
    """是 / 否 (an unknown value reads as 否: not selected, not recommended)."""
    return _("Yes") if value else _("No")


def flags_text(codes: str) -> str:
    """Stored flag codes (separated by ';') as words separated by '、'; an unknown code stays as it is."""
    return "、".join(str(SCORE_FLAG.get(code, code)) for code in codes.split(";") if code)


def method_name(method: str) -> str:
    return str(METHOD_NAME.get(method, method))
