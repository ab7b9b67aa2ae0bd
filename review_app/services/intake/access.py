"""Who may see a city's application, and when applications may change.

A city sees and changes only its own city's applications (the loaders take the city and return None
for anyone else's, which the views turn into 404). Edits are possible while the round is in city
intake and its city deadline has not passed; a submitted application is locked until withdrawn. An
application the centre sent back for correction (退回修改) may change again until its correction
deadline, while the round is in intake or the formal check, whatever the city deadline.
"""

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Application, ApplicationStatus, Round, RoundStage, SendBack
from ...models._base import utcnow
from ..errors import ServiceError


class ApplicationError(ServiceError):
    """A request about an application that cannot be honoured; the message is shown to the user."""


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def intake_open(review_round: Round, now: datetime | None = None) -> bool:
    """Cities may edit: the round takes applications and its city deadline has not passed."""
    now = now or utcnow()
    deadline = _aware(review_round.city_deadline)
    return review_round.stage == RoundStage.INTAKE and (deadline is None or now < deadline)


def for_city(session: Session, *, application_id: int, city_id: int) -> Application | None:
    """The application if it belongs to the city (and its round is open to cities), else None."""
    application = session.get(Application, application_id)
    if application is None or application.city_id != city_id:
        return None
    review_round = session.get(Round, application.round_id)
    return application if review_round.stage != RoundStage.DRAFT else None


def round_for_city(session: Session, *, round_id: int) -> Round | None:
    review_round = session.get(Round, round_id)
    return review_round if review_round is not None and review_round.stage != RoundStage.DRAFT else None


def require_intake(review_round: Round) -> None:
    if review_round.stage != RoundStage.INTAKE:
        raise ApplicationError(_("This round is not taking applications."))
    if not intake_open(review_round):
        raise ApplicationError(_("The deadline for cities has passed; applications can no longer change."))


#: The stages in which the centre sends applications back and cities correct them.
CORRECTION_STAGES = (RoundStage.INTAKE, RoundStage.FORMAL_CHECK)


def latest_send_back(session: Session, application: Application) -> SendBack | None:
    """The application's latest send-back (open or answered), or None."""
    return session.exec(
        select(SendBack).where(SendBack.application_id == application.id).order_by(SendBack.id.desc())
    ).first()


def correction_open(session: Session, application: Application, review_round: Round, now=None) -> bool:
    """The city may correct a sent-back application: before its deadline, in intake or the formal check."""
    if application.status != ApplicationStatus.RETURNED or review_round.stage not in CORRECTION_STAGES:
        return False
    send_back = latest_send_back(session, application)
    return send_back is not None and (now or utcnow()) < _aware(send_back.deadline)


def require_editable(session: Session, application: Application, review_round: Round) -> None:
    """The city may change the application now: a draft in open intake, or sent back and within its
    correction deadline."""
    if application.status == ApplicationStatus.RETURNED:
        if not correction_open(session, application, review_round):
            raise ApplicationError(_("The correction deadline has passed; the application can no longer change."))
        return
    require_intake(review_round)
    require_draft(application)


def require_draft(application: Application) -> None:
    if application.status != ApplicationStatus.DRAFT:
        raise ApplicationError(_("A submitted application is locked; withdraw it first to change it."))
