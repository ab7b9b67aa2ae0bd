"""What the city bureaus, objectors and the centre are told as a round closes: the notice and its period,
an objection's answer, an objection near its handling deadline, the final decision. Every message goes
through the one notification service (platform.notify)."""

from collections.abc import Callable

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Application, ApplicationStatus, Decision, Objection, PublicityNotice, Round, User
from ..platform import notify
from ..platform.localtime import local_time
from . import final_list
from .labels import OBJECTION_ANSWER


def round_city_ids(session: Session, *, round_id: int) -> list[int]:
    """The cities with applications submitted in the round."""
    return sorted(
        set(
            session.exec(
                select(Application.city_id).where(
                    Application.round_id == round_id, Application.status == ApplicationStatus.SUBMITTED
                )
            )
        )
    )


def _codes(entries, city_id: int) -> str:
    return "、".join(f"{e.application.code} {e.application.title}" for e in entries
                     if e.application.city_id == city_id) or _("none")


def _tell_each_city(session: Session, review_round: Round, *, kind: str, subject: str,
                    body: Callable[[int], str]) -> int:
    """Send every city bureau of the round one message, `body(city_id)` its text (each city is told of its
    own applications); returns how many messages were sent."""
    return sum(
        notify.tell(session, notify.city_recipients(session, city_id), kind=kind, round_id=review_round.id,
                    subject=subject, body=body(city_id))
        for city_id in round_city_ids(session, round_id=review_round.id)
    )


def publicity_started(session: Session, *, review_round: Round, notice: PublicityNotice) -> int:
    """Tell every city bureau of the round that the list is public, its period, its own listed applications
    and where objections go; returns how many messages were sent."""
    entries = final_list.final_list(session, round_id=review_round.id)
    return _tell_each_city(
        session, review_round, kind="publicity",
        subject=_("Public notice of %(round)s", round=review_round.name),
        body=lambda city_id: _(
            "The list of %(round)s is published for public notice from %(start)s to %(end)s (%(n)d working "
            "days). Your city's applications on the list: %(codes)s. Objections to: %(contact)s.",
            round=review_round.name,
            start=notice.starts_on.isoformat(),
            end=notice.ends_on.isoformat(),
            n=notice.working_days,
            codes=_codes(entries, city_id),
            contact=notice.contact,
        ),
    )


def objection_answered(session: Session, *, objection: Objection) -> int:
    """Send the answer to the objector's contact (e-mail or mobile, when given) and the application's city."""
    application = session.get(Application, objection.application_id)
    review_round = session.get(Round, objection.round_id)
    subject = _("Answer to objection no. %(n)d (%(code)s)", n=objection.id, code=application.code)
    body = _(
        "The provincial centre has answered the objection no. %(n)d to %(code)s %(title)s of %(round)s: "
        "%(answer)s. %(changes)sReasons: %(reasons)s",
        n=objection.id,
        code=application.code,
        title=application.title,
        round=review_round.name,
        answer=str(OBJECTION_ANSWER[objection.answer]),
        changes=(_("Change: %(what)s. ", what=objection.answer_changes) if objection.answer_changes else ""),
        reasons=objection.answer_reasons,
    )
    recipients = notify.city_recipients(session, application.city_id)
    objector = notify.contact_recipient(objection.objector_contact, name=objection.objector)
    if objector.email or objector.phone:
        recipients.append(objector)
    return notify.tell(session, recipients, kind="objection_answer", round_id=review_round.id, subject=subject,
                       body=body)


def objection_due(session: Session, *, objection: Objection) -> int:
    """Tell the centre (the owner, else every admin) once that an open objection's deadline is near."""
    application = session.get(Application, objection.application_id)
    owner = session.get(User, objection.owner_id) if objection.owner_id else None
    recipients = [notify.recipient(session, user=owner)] if owner and owner.is_active else []
    recipients = recipients or notify.centre_recipients(session)
    once = f"objection-due:{objection.id}:{objection.due_on.isoformat()}"
    sent = 0
    for to in recipients:
        sent += not notify.post(
            session,
            to=to,
            kind="objection_due",
            round_id=objection.round_id,
            subject=_("Objection no. %(n)d is due on %(day)s", n=objection.id, day=objection.due_on.isoformat()),
            body=_(
                "The objection no. %(n)d to %(code)s, received on %(received)s, must be answered by %(day)s.",
                n=objection.id,
                code=application.code,
                received=objection.received_on.isoformat(),
                day=objection.due_on.isoformat(),
            ),
            once_key=f"{once}:{to.user.id if to.user else ''}",
        ).duplicate
    return sent


def decision_recorded(session: Session, *, review_round: Round, decision: Decision, entries) -> int:
    """Tell every city bureau of the round the decision and its own applications on the final list."""
    return _tell_each_city(
        session, review_round, kind="decision",
        subject=_("Final decision on %(round)s", round=review_round.name),
        body=lambda city_id: _(
            "The final decision on %(round)s was taken (%(number)s, %(day)s; recorded %(when)s). Your "
            "city's applications on the final list: %(codes)s.",
            round=review_round.name,
            number=decision.document_no,
            day=decision.decided_on.isoformat(),
            when=local_time(decision.recorded_at),
            codes=_codes(entries, city_id),
        ),
    )
