"""Send-back for correction (退回修改) during the formal check, and the city's resubmission.

The centre returns a recommended application to its city with reasons and a correction deadline: the
application is then `returned` — still one of the city's recommendations (quota, order, verdicts kept for
the city to read) but out of the assignment — and the city's bureau is told. Until the deadline the city
corrects it (form, PDFs, opinion: `intake.access.require_editable`) and resubmits; the resubmission runs
the formal check again at once. Every step is audited.
"""

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlmodel import Session

from ...models import Application, ApplicationStatus, City, Round, SendBack, User
from ...models._base import utcnow
from ..compliance import audit
from ..intake.access import CORRECTION_STAGES, correction_open, latest_send_back
from ..intake.attachments import require_complete
from ..platform import notify
from ..platform.localtime import local_time
from .runner import MIN_REASON_LENGTH, CheckError, CheckSummary, run_check

MAX_REASONS_LENGTH = 2000


def send_back(
    session: Session, *, application_id: int, reasons: str, deadline: datetime, by: User | None
) -> SendBack:
    """Return a submitted application to its city for correction, with reasons and a deadline (UTC)."""
    application = session.get(Application, application_id)
    if application is None:
        raise CheckError(_("No such application."))
    review_round = session.get(Round, application.round_id)
    if review_round.stage not in CORRECTION_STAGES:
        raise CheckError(_("Applications are sent back for correction during intake and the formal check only."))
    if application.status != ApplicationStatus.SUBMITTED:
        raise CheckError(_("Only a submitted application can be sent back for correction."))
    reasons = (reasons or "").strip()
    if not MIN_REASON_LENGTH <= len(reasons) <= MAX_REASONS_LENGTH:
        raise CheckError(_("Write what the city must correct (%(min)d to %(max)d characters).",
                           min=MIN_REASON_LENGTH, max=MAX_REASONS_LENGTH))
    deadline = deadline if deadline.tzinfo else deadline.replace(tzinfo=UTC)
    if deadline <= utcnow():
        raise CheckError(_("The correction deadline must be in the future."))
    application.status = ApplicationStatus.RETURNED
    application.updated_at = utcnow()
    record = SendBack(application_id=application.id, reasons=reasons, deadline=deadline,
                      sent_by_id=by.id if by else None)
    session.add(record)
    session.flush()
    audit.record(
        session,
        action="application.send_back",
        by=by,
        target=application,
        round_id=review_round.id,
        details={"code": application.code, "reasons": reasons, "deadline": local_time(deadline)},
    )
    _tell_city(session, application, review_round, record)
    return record


def _tell_city(session: Session, application: Application, review_round: Round, record: SendBack) -> None:
    """The city bureau's accounts are told what to correct and by when (in the app, and by mail)."""
    city = session.get(City, application.city_id)
    subject = _("%(code)s is sent back for correction", code=application.code)
    body = _(
        "The provincial centre has sent back %(code)s %(title)s (%(round)s) for correction.\n"
        "What to correct: %(reasons)s\nCorrect it and resubmit it by %(deadline)s (Beijing time).",
        code=application.code,
        title=application.title,
        round=review_round.name,
        reasons=record.reasons,
        deadline=local_time(record.deadline),
    )
    notify.tell(session, notify.city_recipients(session, city.id), kind="send_back", subject=subject, body=body,
                round_id=review_round.id)


def resubmit(session: Session, *, application: Application, by: User | None) -> CheckSummary:
    """The city sends the corrected application back (before its deadline); the formal check runs again."""
    review_round = session.get(Round, application.round_id)
    if application.status != ApplicationStatus.RETURNED:
        raise CheckError(_("Only an application sent back for correction can be resubmitted."))
    if not correction_open(session, application, review_round):
        raise CheckError(_("The correction deadline has passed; the application can no longer change."))
    require_complete(session, application, review_round)
    record = latest_send_back(session, application)
    record.resubmitted_at, record.resubmitted_by_id = utcnow(), by.id if by else None
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = application.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        action="application.resubmit",
        by=by,
        target=application,
        round_id=review_round.id,
        details={"code": application.code, "send_back": record.id},
    )
    return run_check(session, review_round=review_round, by=by)
