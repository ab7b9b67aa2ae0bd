"""How the stored enum values read to a person, in the user's language: every label of every screen,
given to every template by `as_template_globals`. The labels the services need for their own messages
and files (attachment kinds, the formal-check rules, the ranking's flags, methods and seat states) stay
beside those services and are named here."""

from flask_babel import lazy_gettext as _l

from .models import (
    ApplicationStatus,
    ConflictSource,
    JobStatus,
    Role,
    RoundKind,
    RoundStage,
    RunStatus,
    SheetStatus,
    Verdict,
)
from .services.intake.attachments import ATTACHMENT_KIND_LABEL as ATTACHMENT_KIND
from .services.intake.rules import RULE_TITLES as RULE_TITLE
from .services.results.labels import AGGREGATION_METHOD, ASSIGNMENT_STATE, EXPERT_FLAG, SCORE_FLAG

ROLE = {
    Role.ADMIN: _l("Provincial centre"),
    Role.CITY: _l("City science bureau"),
    Role.EXPERT: _l("Expert"),
    Role.AUDITOR: _l("Supervision"),
}
ROUND_KIND = {
    RoundKind.NEW_CONSORTIUM: _l("New consortium applications"),
    RoundKind.ANNUAL_EVALUATION: _l("Annual self-evaluation"),
}
ROUND_STAGE = {
    RoundStage.DRAFT: _l("Draft"),
    RoundStage.INTAKE: _l("City intake"),
    RoundStage.FORMAL_CHECK: _l("Formal check"),
    RoundStage.ASSIGNMENT: _l("Expert assignment"),
    RoundStage.SCORING: _l("Scoring"),
    RoundStage.CLOSED: _l("Closed"),
    RoundStage.PUBLISHED: _l("Published"),
}
# What the centre does next in each stage.
NEXT_STEP = {
    RoundStage.DRAFT: _l("Check the criteria and deadlines, then open city intake."),
    RoundStage.INTAKE: _l("Wait for the cities to submit, or import the applications from Excel."),
    RoundStage.FORMAL_CHECK: _l("Run the formal check and review the failed applications."),
    RoundStage.ASSIGNMENT: _l("Run the expert assignment, preview it and publish it."),
    RoundStage.SCORING: _l("Follow the experts' progress and remind the late ones."),
    RoundStage.CLOSED: _l("Aggregate the scores, set the cut-off and export the results."),
    RoundStage.PUBLISHED: _l("The results are published; the round is complete."),
}
APPLICATION_STATUS = {
    ApplicationStatus.DRAFT: _l("Draft"),
    ApplicationStatus.SUBMITTED: _l("Submitted"),
    ApplicationStatus.WITHDRAWN: _l("Withdrawn"),
}
SHEET_STATUS = {
    SheetStatus.UNTOUCHED: _l("Not started"),
    SheetStatus.DRAFT: _l("Draft saved"),
    SheetStatus.SUBMITTED: _l("Submitted"),
}
CHAIN_PROBLEM = {
    "missing": _l("Events before this one are missing."),
    "unlinked": _l("Does not link to the event before it."),
    "changed": _l("Was changed after it was written."),
    "truncated": _l("The newest events were removed."),
}
RUN_STATUS = {
    RunStatus.QUEUED: _l("Queued"),
    RunStatus.RUNNING: _l("Running"),
    RunStatus.PROPOSED: _l("Proposal"),
    RunStatus.INFEASIBLE: _l("Infeasible"),
    RunStatus.FAILED: _l("Failed"),
    RunStatus.PUBLISHED: _l("Published to the experts"),
    RunStatus.SUPERSEDED: _l("Superseded"),
}
JOB_STATUS = {
    JobStatus.QUEUED: _l("Queued"),
    JobStatus.RUNNING: _l("Running"),
    JobStatus.DONE: _l("Done"),
    JobStatus.FAILED: _l("Failed"),
}
JOB_KIND = {"assignment": _l("Expert assignment")}
VERDICT = {
    Verdict.PASS: _l("Pass"),
    Verdict.FAIL: _l("Fail"),
    Verdict.WARN: _l("Warning"),
}
CONFLICT_SOURCE = {
    ConflictSource.OWN_ORG: _l("Own organisation"),
    ConflictSource.APPLICANT_NAMED: _l("Named by the applicant"),
    ConflictSource.DECLARED: _l("Declared by the expert"),
    ConflictSource.RULE: _l("Rule of the round"),
    ConflictSource.MANUAL: _l("Recorded by the centre"),
}


def as_template_globals() -> dict:
    return {
        "ROLE_LABEL": ROLE,
        "ROUND_KIND_LABEL": ROUND_KIND,
        "ROUND_STAGE_LABEL": ROUND_STAGE,
        "NEXT_STEP": NEXT_STEP,
        "APPLICATION_STATUS_LABEL": APPLICATION_STATUS,
        "SHEET_STATUS_LABEL": SHEET_STATUS,
        "CHAIN_PROBLEM_LABEL": CHAIN_PROBLEM,
        "RUN_STATUS_LABEL": RUN_STATUS,
        "JOB_STATUS_LABEL": JOB_STATUS,
        "JOB_KIND_LABEL": JOB_KIND,
        "SCORE_FLAG_LABEL": SCORE_FLAG,
        "EXPERT_FLAG_LABEL": EXPERT_FLAG,
        "AGGREGATION_METHOD_LABEL": AGGREGATION_METHOD,
        "ASSIGNMENT_STATE_LABEL": ASSIGNMENT_STATE,
        "VERDICT_LABEL": VERDICT,
        "RULE_TITLE": RULE_TITLE,
        "ATTACHMENT_KIND_LABEL": ATTACHMENT_KIND,
        "CONFLICT_SOURCE_LABEL": CONFLICT_SOURCE,
        "STAGES": list(RoundStage),
    }
