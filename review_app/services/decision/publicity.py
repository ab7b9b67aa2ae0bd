"""The public notice (公示): the centre starts it on an approved ranking with a start and end date (or a
number of working days: PUBLICITY_WORKING_DAYS by default, at least PUBLICITY_MIN_WORKING_DAYS) and its
contact for objections; the round moves to the published stage and every city bureau with applications in
the round is told at once. The stage machine's move to "published" (round page, `flask round-stage`) starts
it with the defaults: today, the default period, the configured contact."""

from dataclasses import dataclass
from datetime import date

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import PublicityNotice, Round, RoundStage, User
from ..compliance import audit
from ..errors import ServiceError
from ..results import approval
from . import final_list, notices, workdays


class DecisionError(ServiceError):
    """A step of the notice, the objections or the decision that cannot be taken; the message is for the user."""


def notice_of(session: Session, *, round_id: int) -> PublicityNotice | None:
    return session.exec(select(PublicityNotice).where(PublicityNotice.round_id == round_id)).first()


def default_contact() -> str:
    return (current_app.config.get("PUBLICITY_CONTACT") or "") if has_app_context() else ""


@dataclass(frozen=True)
class Period:
    """A proposed or stored period: its days and its length in working days."""

    starts_on: date
    ends_on: date
    working_days: int


def plan_period(starts_on: date, *, ends_on: date | None = None, working_days: int | None = None) -> Period:
    """The period from `starts_on` to `ends_on`, or lasting `working_days` (default: the setting)."""
    calendar = workdays.calendar()
    if ends_on is None:
        length = working_days or workdays.setting("PUBLICITY_WORKING_DAYS", 5)
        if length < 1:
            raise DecisionError(_("The notice lasts at least one working day."))
        return Period(starts_on, calendar.add(starts_on, length), length)
    if ends_on < starts_on:
        raise DecisionError(_("The notice cannot end before it starts."))
    return Period(starts_on, ends_on, calendar.count(starts_on, ends_on))


def start(
    session: Session,
    *,
    review_round: Round,
    by: User | None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    working_days: int | None = None,
    contact: str | None = None,
    today: date | None = None,
) -> PublicityNotice:
    """Publish the approved ranking's selection for public notice over the period; the round moves to the
    published stage (results locked for good) and the cities are told."""
    if review_round.stage != RoundStage.CLOSED:
        raise DecisionError(_("The public notice starts from a closed round with an approved ranking."))
    run = approval.approved_run(session, round_id=review_round.id)
    if run is None:
        raise DecisionError(_("Approve a final ranking first."))
    if not final_list.final_list(session, round_id=review_round.id):
        raise DecisionError(_("No application has been selected yet: set the cut-off first."))
    today = today or workdays.today()
    period = plan_period(starts_on or today, ends_on=ends_on, working_days=working_days)
    if period.starts_on < today:
        raise DecisionError(_("The notice cannot start in the past."))
    minimum = workdays.setting("PUBLICITY_MIN_WORKING_DAYS", 5)
    if period.working_days < minimum:
        raise DecisionError(
            _("The notice lasts %(n)d working day(s); at least %(min)d are required.", n=period.working_days,
              min=minimum)
        )
    contact = (contact if contact is not None else default_contact()).strip()
    if not contact:
        raise DecisionError(_("Give the centre's contact for objections."))
    notice = PublicityNotice(
        round_id=review_round.id,
        ranking_run_id=run.id,
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        working_days=period.working_days,
        contact=contact[:500],
        started_by_id=by.id if by else None,
    )
    session.add(notice)
    review_round.stage = RoundStage.PUBLISHED
    audit.record(session, action="round.stage", by=by, target=review_round, round_id=review_round.id,
                 details={"from": RoundStage.CLOSED, "to": RoundStage.PUBLISHED})
    session.flush()
    audit.record(
        session,
        action="publicity.start",
        by=by,
        target=review_round,
        round_id=review_round.id,
        details={"starts_on": period.starts_on.isoformat(), "ends_on": period.ends_on.isoformat(),
                 "working_days": period.working_days, "contact": contact, "run": run.id},
    )
    notices.publicity_started(session, review_round=review_round, notice=notice)
    return notice


def phase(notice: PublicityNotice | None, *, today: date | None = None) -> str:
    """"" without a notice, else "before", "open" or "ended" on `today` (Beijing)."""
    if notice is None:
        return ""
    today = today or workdays.today()
    if today < notice.starts_on:
        return "before"
    return "open" if today <= notice.ends_on else "ended"
