"""The centre's corrections at the formal check: an application's 技术领域, or one member unit's declared
data (name, type, 独立法人, qualification, credit standing), each for a written reason, audited with the
values before and after. The round stays where it is (no stage goes back, nothing is withdrawn); the check
runs again at once. Once an assignment is published, the field no longer changes (the panels are drawn).
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Application, ApplicationMember, AssignmentRun, Round, RunStatus, User
from ...models._base import utcnow
from ..compliance import audit
from ..intake import fields, notice
from ..intake.organisations import STANDING
from .runner import CHECKABLE_STAGES, MIN_REASON_LENGTH, CheckError, CheckSummary, run_check


@dataclass(frozen=True)
class MemberCorrection:
    name: str
    unit_type: str
    is_legal_person: bool | None
    qualification: str
    credit_standing: str  # 良好 or 失信


def _guard(session: Session, application: Application, reason: str) -> Round:
    review_round = session.get(Round, application.round_id)
    if review_round.stage not in CHECKABLE_STAGES:
        raise CheckError(_("Applications can be corrected from city intake until scoring begins."))
    published = session.exec(
        select(AssignmentRun.id).where(
            AssignmentRun.round_id == review_round.id, AssignmentRun.status == RunStatus.PUBLISHED
        )
    ).first()
    if published is not None:
        raise CheckError(_("An assignment has been published already: the application can no longer be corrected."))
    if len((reason or "").strip()) < MIN_REASON_LENGTH:
        raise CheckError(_("Write the reason for the correction (at least %(n)d characters).", n=MIN_REASON_LENGTH))
    return review_round


def _record(session, application, review_round, by, reason, before: dict, after: dict, what: str) -> CheckSummary:
    application.updated_at = utcnow()
    session.add(application)
    session.flush()
    audit.record(
        session,
        action="application.correct",
        by=by,
        target=application,
        round_id=review_round.id,
        details={"code": application.code, "what": what, "reason": reason.strip(), "before": before, "after": after},
    )
    return run_check(session, review_round=review_round, by=by)


def correct_field(session: Session, *, application_id: int, field: str, reason: str, by: User) -> CheckSummary:
    """Set the application's technical field to one of the round's list."""
    application = session.get(Application, application_id)
    if application is None:
        raise CheckError(_("No such application."))
    review_round = _guard(session, application, reason)
    problem = fields.field_problem(review_round, field)
    if problem:
        raise CheckError(problem)
    if field == application.field:
        raise CheckError(_("The application already has this field."))
    before = {"field": application.field}
    application.field = field
    return _record(session, application, review_round, by, reason, before, {"field": field}, "field")


def correct_member(
    session: Session, *, member_id: int, values: MemberCorrection, reason: str, by: User
) -> CheckSummary:
    """Correct one member unit's data as its application declares it (the centre's register is unchanged)."""
    member = session.get(ApplicationMember, member_id)
    if member is None:
        raise CheckError(_("No such member unit."))
    application = session.get(Application, member.application_id)
    review_round = _guard(session, application, reason)
    if values.unit_type not in notice.UNIT_TYPES or values.credit_standing not in STANDING:
        raise CheckError(_("Choose the unit type and the credit record from the lists."))
    if not values.name.strip():
        raise CheckError(_("Give the unit's name."))
    wanted = {
        "name": values.name.strip(),
        "unit_type": values.unit_type,
        "is_legal_person": values.is_legal_person,
        "qualification": values.qualification.strip(),
        "credit_standing": STANDING[values.credit_standing],
    }
    before = {k: getattr(member, k) for k, v in wanted.items() if getattr(member, k) != v}
    if not before:
        raise CheckError(_("Nothing was changed."))
    after = {k: wanted[k] for k in before}
    for key, value in after.items():
        setattr(member, key, value)
    session.add(member)
    return _record(session, application, review_round, by, reason, before, after, member.credit_code)
