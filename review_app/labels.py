"""How the stored enum values read to a person, in the user's language: every label of every screen,
given to every template by `as_template_globals`. The labels the services need for their own messages
and files (attachment kinds, the formal-check rules, the ranking's flags, methods and seat states) stay
beside those services and are named here."""

from flask_babel import lazy_gettext as _l

from .models import (
    ApplicationStatus,
    Channel,
    ConflictSource,
    CreditStanding,
    DeliveryStatus,
    JobStatus,
    Role,
    RoundKind,
    RoundStage,
    RunStatus,
    SheetStatus,
    Verdict,
)
from .services.decision.labels import OBJECTION_ANSWER, OBJECTION_CHANNEL, OBJECTION_STATUS, PHASE
from .services.intake.attachments import ATTACHMENT_KIND_LABEL as ATTACHMENT_KIND
from .services.intake.rules import RULE_TITLES as RULE_TITLE
from .services.intake.self_evaluation import INDICATORS as SELF_EVALUATION_INDICATORS
from .services.intake.self_evaluation import SECTIONS as SELF_EVALUATION_SECTIONS
from .services.intake.self_evaluation import indicator_text
from .services.results.labels import (
    AGGREGATION_METHOD,
    ASSIGNMENT_STATE,
    EXPERT_FLAG,
    GRADE,
    GRADE_METHOD,
    GRADE_TREND,
    SCORE_FLAG,
)

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
    RoundStage.DECIDED: _l("Decided"),
}
# What the centre does next in each stage.
NEXT_STEP = {
    RoundStage.DRAFT: _l("Check the criteria and deadlines, then open city intake."),
    RoundStage.INTAKE: _l("Wait for the cities to submit, or import the applications from Excel."),
    RoundStage.FORMAL_CHECK: _l("Run the formal check and review the failed applications."),
    RoundStage.ASSIGNMENT: _l("Run the expert assignment, preview it and publish it."),
    RoundStage.SCORING: _l("Follow the experts' progress and remind the late ones."),
    RoundStage.CLOSED: _l("Aggregate the scores, set the cut-off and export the results."),
    RoundStage.PUBLISHED: _l("The list is under public notice: record and answer the objections, then the decision."),
    RoundStage.DECIDED: _l("The final decision is recorded; the round is complete."),
}
APPLICATION_STATUS = {
    ApplicationStatus.DRAFT: _l("Draft"),
    ApplicationStatus.SUBMITTED: _l("Submitted"),
    ApplicationStatus.WITHDRAWN: _l("Withdrawn"),
    ApplicationStatus.RETURNED: _l("Sent back for correction"),
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
JOB_KIND = {"assignment": _l("Expert assignment"), "assignment_check": _l("Feasibility check of the assignment")}
VERDICT = {
    Verdict.PASS: _l("Pass"),
    Verdict.FAIL: _l("Fail"),
    Verdict.WARN: _l("Warning"),
}
NOTIFICATION_KIND = {
    "activation": _l("Account activation"),
    "assigned": _l("Review assignment"),
    "reminder": _l("Scoring reminder"),
    "deadline": _l("Scoring deadline extended"),
    "deadline_3d": _l("Scoring closes in 3 days"),
    "deadline_1d": _l("Scoring closes in 1 day"),
    "reopened": _l("Score sheet reopened"),
    "check_result": _l("Formal check results"),
    "send_back": _l("Sent back for correction"),
    "publicity": _l("Public notice"),
    "objection_answer": _l("Answer to an objection"),
    "objection_due": _l("Objection near its deadline"),
    "decision": _l("Final decision"),
}
CHANNEL = {Channel.IN_APP: _l("In-app"), Channel.EMAIL: _l("E-mail"), Channel.SMS: _l("SMS")}
DELIVERY_STATUS = {
    DeliveryStatus.PENDING: _l("Waiting (outbox)"),
    DeliveryStatus.SENT: _l("Sent"),
    DeliveryStatus.FAILED: _l("Failed"),
}
CREDIT_STANDING = {CreditStanding.GOOD: _l("Good"), CreditStanding.BAD: _l("Bad (失信)")}
CONFLICT_SOURCE = {
    ConflictSource.OWN_ORG: _l("Own organisation"),
    ConflictSource.APPLICANT_NAMED: _l("Named by the applicant"),
    ConflictSource.DECLARED: _l("Declared by the expert"),
    ConflictSource.RULE: _l("Rule of the round"),
    ConflictSource.MANUAL: _l("Recorded by the centre"),
}


# ---- the audit log as the supervisor reads it ---------------------------------------------------------

# Every action the log records, by area (the search form's groups).
AUDIT_AREAS = {
    "accounts": (_l("Logins and accounts"), {
        "login": _l("Login"),
        "login.failed": _l("Failed login"),
        "login.locked": _l("Login refused: account locked"),
        "login.recovery_code": _l("Login with a recovery code"),
        "login.second_factor_failed": _l("Wrong second-factor code"),
        "logout": _l("Logout"),
        "logout.timeout": _l("Session ended by timeout"),
        "user.create": _l("Account created"),
        "user.contact": _l("Account contact changed (e-mail, mobile)"),
        "user.activate": _l("Account activated"),
        "user.activation_link": _l("Activation link issued"),
        "user.lock": _l("Account locked"),
        "user.unlock": _l("Account unlocked"),
        "user.password_change": _l("Password changed"),
        "password_change.failed": _l("Wrong current password at a password change"),
        "user.password_rehash": _l("Password hash upgraded"),
        "totp.enrol": _l("Second factor set up"),
        "totp.enrol_failed": _l("Second factor set-up failed"),
        "totp.reset": _l("Second factor reset"),
    }),
    "refusals": (_l("Refused requests"), {
        "access.refused": _l("Request refused"),
    }),
    "rounds": (_l("Rounds"), {
        "round.create": _l("Round created"),
        "round.update": _l("Round settings changed"),
        "round.criteria": _l("Criteria sheet changed"),
        "round.stage": _l("Round moved to another stage"),
        "round.extend_scoring_deadline": _l("Scoring deadline extended"),
        "round.archive": _l("Round archived"),
        "annual.open": _l("Annual self-evaluation opened"),
        "round.fields": _l("List of technical fields changed"),
    }),
    "applications": (_l("Applications"), {
        "application.create": _l("Application created"),
        "application.update": _l("Application changed"),
        "application.delete": _l("Application deleted"),
        "application.opinion": _l("City's opinion recorded"),
        "self_evaluation.save": _l("Self-evaluation saved"),
        "self_evaluation.read": _l("Self-evaluation read"),
        "application.submit": _l("Application submitted"),
        "application.withdraw": _l("Application withdrawn"),
        "applications.import": _l("Applications imported"),
        "organisation.update": _l("Register of units corrected"),
        "credit_list.import": _l("失信 list imported"),
        "attachment.upload": _l("Attachment uploaded"),
        "attachment.read": _l("Material opened by an expert"),
        "attachment.bundle": _l("All materials downloaded by an expert (zip)"),
        "check.run": _l("Formal check run"),
        "check.override": _l("Formal check verdict overridden"),
        "application.send_back": _l("Application sent back for correction"),
        "application.resubmit": _l("Corrected application resubmitted"),
        "application.correct": _l("Application corrected by the centre"),
        "recommendations.order": _l("City's order of recommendations set"),
        "recommendations.summary": _l("City's stamped summary uploaded"),
    }),
    "registry": (_l("Consortium registry"), {
        "consortium.create": _l("Consortium registered"),
        "consortium.update": _l("Consortium changed"),
        "consortia.import": _l("Consortium registry imported"),
    }),
    "experts": (_l("Expert pool"), {
        "expert.create": _l("Expert added"),
        "expert.update": _l("Expert changed"),
        "expert.expertise": _l("Expert's own expertise changed"),
        "expert.activate": _l("Expert activated"),
        "expert.deactivate": _l("Expert deactivated"),
        "experts.import": _l("Experts imported"),
        "conflict.record": _l("Conflict of interest recorded"),
        "expert.identity_view": _l("Experts' identities viewed"),
        "expert.pii_view": _l("Expert's personal data revealed"),
    }),
    "assignment": (_l("Assignment and scoring"), {
        "job.assignment": _l("Assignment job queued"),
        "assignment.propose": _l("Assignment proposed"),
        "assignment.infeasible": _l("No valid assignment"),
        "assignment.publish": _l("Assignment published"),
        "assignment.pin": _l("Expert pinned to an application"),
        "assignment.forbid": _l("Expert kept off an application"),
        "assignment.unpin": _l("Pin or exclusion removed"),
        "assignment.replace": _l("Expert replaced"),
        "panels.settings": _l("Panel mode set"),
        "panels.propose_groups": _l("Groups proposed"),
        "panels.move": _l("Application moved to another group"),
        "panels.group_field": _l("Field of a group changed"),
        "job.panels": _l("Panel job queued"),
        "panels.propose": _l("Panels proposed"),
        "panels.infeasible": _l("No valid panels"),
        "panels.pin": _l("Expert pinned to a panel"),
        "panels.forbid": _l("Expert kept off a panel"),
        "panels.unpin": _l("Panel pin or exclusion removed"),
        "panels.replace": _l("Panel member replaced"),
        "panels.meeting": _l("Panel meeting set"),
        "panels.lot": _l("Order of defence drawn by lot"),
        "panels.schedule_download": _l("Defence schedule downloaded"),
        "panels.notice_download": _l("Defence notice to a city downloaded"),
        "score_sheets.export": _l("Offline score workbook exported"),
        "score_sheets.import": _l("Offline score workbooks imported"),
        "panels.paper_download": _l("Signed paper of a panel printed"),
        "panels.scan": _l("Signed scan uploaded"),
        "panels.scan_download": _l("Signed scan downloaded"),
        "pledge.accept": _l("Pledge accepted"),
        "sheet.declare_none": _l("No conflict declared"),
        "sheet.declare_conflict": _l("Conflict declared"),
        "sheet.save": _l("Score sheet saved"),
        "sheet.submit": _l("Score sheet submitted"),
        "sheet.reopen": _l("Score sheet reopened"),
        "progress.remind": _l("Reminders sent"),
    }),
    "results": (_l("Results"), {
        "ranking.aggregate": _l("Scores aggregated"),
        "ranking.cutoff": _l("Cut-off set"),
        "ranking.panel_quota": _l("Selection by quota per panel"),
        "ranking.select": _l("Selection changed by hand"),
        "ranking.approve": _l("Final ranking approved"),
        "ranking.reopen": _l("Approval of the final ranking withdrawn"),
        "grade.rule": _l("Grading rule changed"),
        "grade.change": _l("Grade changed by hand"),
        "grade.publish": _l("Grades published"),
        "export": _l("Download or export"),
    }),
    "decision": (_l("Public notice and decision"), {
        "publicity.start": _l("Public notice started"),
        "objection.receive": _l("Objection received"),
        "objection.update": _l("Objection investigated"),
        "objection.answer": _l("Objection answered"),
        "decision.record": _l("Final decision recorded"),
        "notifications.read": _l("Notifications marked as read"),
    }),
    "operation": (_l("Supervision and operation"), {
        "audit.export": _l("Audit log exported"),
        "audit.prune": _l("Old audit events removed (retention)"),
        "backup.create": _l("Backup made"),
        "backup.restore": _l("Backup restored"),
        "demo.seed": _l("Demo data created"),
    }),
}
AUDIT_ACTION = {action: label for _area, actions in AUDIT_AREAS.values() for action, label in actions.items()}
# What an event is about (services/compliance/audit_review.NAMED_TYPES).
AUDIT_OBJECT = {
    "application": _l("Application"),
    "round": _l("Review round"),
    "expert": _l("Reviewer"),
    "user": _l("User"),
    "organisation": _l("Organisation"),
    "attachment": _l("Attachment"),
    "check_result": _l("Formal check"),
    "sheet": _l("Score sheet"),
    "seat": _l("Panel seat"),
    "pin": _l("Pin or exclusion"),
    "assignment_run": _l("Assignment proposal"),
    "pledge": _l("Pledge"),
    "ranking_run": _l("Ranking"),
    "ranking_result": _l("Ranking result"),
    "conflict": _l("Conflict of interest"),
    "job": _l("Background job"),
    "objection": _l("Objection"),
}
# The keys of the events' details.
AUDIT_DETAIL = {
    "added": _l("Added"), "after": _l("After"), "application": _l("Application"),
    "application_id": _l("Application (id)"), "applications": _l("Applications"), "assignment_id": _l("Seat (id)"),
    "applications_created": _l("Applications added"), "applications_updated": _l("Applications updated"),
    "applications_unchanged": _l("Applications unchanged"), "members_changed": _l("Member units changed"),
    "organisations_created": _l("Units entered in the register"), "credit_code": _l("Credit code"),
    "city": _l("City"), "province": _l("Province"), "credit_standing": _l("Credit record"),
    "is_legal_person": _l("Independent legal person"), "declared": _l("Units as declared"),
    "lead": _l("Lead unit"), "lead_kind": _l("Lead unit kind"), "approved_at": _l("Approved at"),
    "before": _l("Before"), "code": _l("Identifier"), "comment_length": _l("Comment length"),
    "computed": _l("Computed"),
    "consortium": _l("Consortium"), "count": _l("Count"), "created": _l("Created"), "cutoff": _l("Cut-off"),
    "endpoint": _l("Page"), "experts": _l("Experts"), "expert": _l("Expert"), "expert_id": _l("Expert (id)"),
    "expires_at": _l("Expires"), "failed": _l("Failed"), "failures": _l("Failures"), "fields": _l("Fields"),
    "file": _l("File"), "filename": _l("File name"), "files": _l("Files"), "format": _l("Format"),
    "from": _l("From"), "kind": _l("Kind"), "limit_reached": _l("Limit of recorded refusals reached"),
    "list": _l("List"), "loss": _l("Loss"), "mailed": _l("Mailed"), "manifest_sha256": _l("Manifest SHA-256"),
    "members": _l("Members"), "method": _l("Method"), "minutes": _l("Minutes"),
    "missing_attachments": _l("Missing attachments"), "name": _l("Name"), "new": _l("New"),
    "objective": _l("Objective"), "old": _l("Old"), "org": _l("Organisation"), "os_user": _l("Operating-system user"),
    "overrides_cleared": _l("Overrides cleared"), "pairs": _l("Pairs"), "path": _l("Path"),
    "pledge_text": _l("Pledge text"), "points": _l("Points"), "reason": _l("Reason"), "recommend": _l("Recommends"),
    "refused": _l("Refused"), "removed": _l("Removed"), "retention_days": _l("Retention (days)"), "role": _l("Role"),
    "round_id": _l("Round (id)"), "rows": _l("Rows"), "rule": _l("Rule"), "seed": _l("Seed"),
    "selected": _l("Selected"), "sha256": _l("SHA-256"), "signing_key": _l("Signing key"), "source": _l("Source"),
    "status": _l("Status"), "sudo_user": _l("User behind sudo"), "through_seq": _l("Through event"),
    "title": _l("Title"), "to": _l("To"), "total": _l("Total"), "unchanged": _l("Unchanged"), "updated": _l("Updated"),
    "username": _l("User name"), "version": _l("Version"), "view": _l("Page"), "warned": _l("Warnings"),
    "year": _l("Year"), "last_hash": _l("Last hash"), "action": _l("Action"), "actor": _l("Who"),
    "target": _l("Object"), "since": _l("From (date)"), "until": _l("To (date)"), "text": _l("Text"),
    "starts_on": _l("First day"), "ends_on": _l("Last day"), "working_days": _l("Working days"),
    "contact": _l("Contact"), "run": _l("Ranking (id)"), "received_on": _l("Received on"),
    "channel": _l("Received by"), "real_name": _l("In real name"), "late": _l("Late"),
    "due_on": _l("Handling deadline"), "owner_id": _l("Owner (id)"), "notes": _l("Investigation notes"),
    "answer": _l("Answer"), "changes": _l("Changes"), "document_no": _l("Document number"),
    "decided_on": _l("Date of the decision"), "consortia": _l("Consortia founded"),
    "repeated": _l("Not repeated within the hour"),
    "grades": _l("Grades"), "excellent_min": _l("Excellent from"), "good_min": _l("Good from"),
    "city_id": _l("City (id)"), "pass_min": _l("Satisfactory from"), "excellent_share": _l("Share of Excellent (%)"),
    "excellent": _l("Excellent"), "good": _l("Good"), "pass": _l("Satisfactory"), "fail": _l("Unsatisfactory"),
    "changed": _l("Changed"), "lengths": _l("Characters"), "indicators": _l("Indicators"), "gaps": _l("Gaps"),
    **{item.key: item.label for item in (*SELF_EVALUATION_SECTIONS, *SELF_EVALUATION_INDICATORS)},
}
# Detail values that are codes of their own: (action or "", key) → their labels.
AUDIT_VALUE = {
    ("round.stage", "from"): ROUND_STAGE,
    ("round.stage", "to"): ROUND_STAGE,
    ("round.create", "kind"): ROUND_KIND,
    ("", "role"): ROLE,
    ("", "credit_standing"): CREDIT_STANDING,
    ("objection.answer", "answer"): OBJECTION_ANSWER,
    ("objection.receive", "channel"): OBJECTION_CHANNEL,
    ("grade.change", "before"): GRADE,
    ("grade.change", "after"): GRADE,
    ("grade.change", "computed"): GRADE,
    ("grade.rule", "method"): GRADE_METHOD,
    ("logout.timeout", "reason"): {"idle": _l("No activity"), "absolute": _l("Maximum session length")},
    ("self_evaluation.save", "changed"): AUDIT_DETAIL,  # the parts and indicators changed, by their names
}
YES_NO = {True: _l("Yes"), False: _l("No")}


def audit_value(action: str, key: str, value) -> str:
    """A detail's value as the supervisor reads it: codes translated, lists and records spelt out."""
    labels = AUDIT_VALUE.get((action, key)) or AUDIT_VALUE.get(("", key))
    if labels is not None and isinstance(value, str) and value in labels:
        return str(labels[value])
    if isinstance(value, bool):
        return str(YES_NO[value])
    if value is None:
        return "—"
    if isinstance(value, list):
        return "、".join(audit_value(action, key, item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{AUDIT_DETAIL.get(k, k)}: {audit_value(action, k, v)}" for k, v in value.items())
    return str(value)


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
        "GRADE_LABEL": GRADE,
        "GRADE_METHOD_LABEL": GRADE_METHOD,
        "TREND_LABEL": GRADE_TREND,
        "EXPERT_FLAG_LABEL": EXPERT_FLAG,
        "AGGREGATION_METHOD_LABEL": AGGREGATION_METHOD,
        "ASSIGNMENT_STATE_LABEL": ASSIGNMENT_STATE,
        "VERDICT_LABEL": VERDICT,
        "RULE_TITLE": RULE_TITLE,
        "ATTACHMENT_KIND_LABEL": ATTACHMENT_KIND,
        "CONFLICT_SOURCE_LABEL": CONFLICT_SOURCE,
        "STAGES": list(RoundStage),
        "OBJECTION_ANSWER_LABEL": OBJECTION_ANSWER,
        "OBJECTION_CHANNEL_LABEL": OBJECTION_CHANNEL,
        "OBJECTION_STATUS_LABEL": OBJECTION_STATUS,
        "PUBLICITY_PHASE_LABEL": PHASE,
        "CHANNEL_LABEL": CHANNEL,
        "NOTIFICATION_KIND_LABEL": NOTIFICATION_KIND,
        "DELIVERY_STATUS_LABEL": DELIVERY_STATUS,
        "AUDIT_AREAS": AUDIT_AREAS,
        "AUDIT_ACTION_LABEL": AUDIT_ACTION,
        "AUDIT_OBJECT_LABEL": AUDIT_OBJECT,
        "AUDIT_DETAIL_LABEL": AUDIT_DETAIL,
        "audit_value": audit_value,
        "SELF_EVALUATION_SECTIONS": SELF_EVALUATION_SECTIONS,
        "SELF_EVALUATION_INDICATORS": SELF_EVALUATION_INDICATORS,
        "indicator_text": indicator_text,
    }
