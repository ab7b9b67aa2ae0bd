"""A panel's meeting: date, room and time slots, the order of defence (答辩顺序) drawn by lot with a recorded
seed, the printable schedule per panel and the notice per city of who presents when."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Application, City, PanelApplication, PanelGroup, Round, RoundStage, User
from ...models._base import utcnow
from ..assign import panel_groups, panel_runs
from ..compliance import audit
from ..errors import ServiceError
from ..results.export.pdf import table_pdf


class MeetingError(ServiceError):
    """A meeting request that cannot be honoured; the message is shown to the user."""


def _time(text: str) -> datetime:
    try:
        return datetime.strptime(text.strip(), "%H:%M")
    except ValueError:
        raise MeetingError(_("The start time is written HH:MM, e.g. 09:00.")) from None


def set_meeting(session: Session, *, group: PanelGroup, meeting_date: date | None, room: str, start_time: str,
                slot_minutes: int, by: User | None) -> PanelGroup:
    """Set a group's meeting (audited). Refused once scoring is closed, and when the date would put a member
    of a published panel on two groups the same day."""
    review_round = session.get(Round, group.round_id)
    if review_round.stage in (RoundStage.CLOSED, RoundStage.PUBLISHED):
        raise MeetingError(_("Scoring is closed: the meeting can no longer change."))
    _time(start_time)
    if not 5 <= slot_minutes <= 240:
        raise MeetingError(_("A time slot lasts 5 to 240 minutes."))
    run = panel_runs.published_run(session, group.round_id)
    if run is not None and meeting_date is not None:
        mine = {s.expert_id for s, g, _e in panel_runs.members(session, run_id=run.id) if g.id == group.id}
        for seat, other, expert in panel_runs.members(session, run_id=run.id):
            if other.id != group.id and other.meeting_date == meeting_date and seat.expert_id in mine:
                raise MeetingError(_("Expert %(code)s sits on group %(n)d the same day.", code=expert.code,
                                     n=other.number))
    group.meeting_date, group.room = meeting_date, room.strip()
    group.start_time, group.slot_minutes = _time(start_time).strftime("%H:%M"), slot_minutes
    session.add(group)
    audit.record(session, action="panels.meeting", by=by, target=group, round_id=group.round_id,
                 details={"group": group.number, "date": meeting_date.isoformat() if meeting_date else None,
                          "room": group.room, "start": group.start_time, "slot_minutes": slot_minutes})
    return group


def draw_order(session: Session, *, group: PanelGroup, seed: int | None, by: User | None) -> list[str]:
    """Draw the order of defence by lot: a permutation of the group's applications (by code) from
    numpy's generator seeded with `seed` (drawn at random when None, and recorded either way), so anyone can
    replay the lot. Returns the application codes in order."""
    import numpy as np
    seed = secrets.randbelow(2**31) if seed is None else seed
    places = session.exec(
        select(PanelApplication, Application.code)
        .join(Application, Application.id == PanelApplication.application_id)
        .where(PanelApplication.group_id == group.id)
        .order_by(Application.code)
    ).all()
    if not places:
        raise MeetingError(_("This group has no application to review."))
    order = np.random.default_rng(seed).permutation(len(places))
    for position, index in enumerate(order.tolist(), start=1):
        place = places[index][0]
        place.defence_position = position
        session.add(place)
    group.order_seed, group.order_drawn_at = seed, utcnow()
    session.add(group)
    codes = [places[i][1] for i in order.tolist()]
    audit.record(session, action="panels.lot", by=by, target=group, round_id=group.round_id,
                 details={"group": group.number, "seed": seed, "order": codes})
    return codes


@dataclass(frozen=True)
class Slot:
    """One application's turn at its group's meeting."""

    group: PanelGroup
    position: int | None
    starts: str  # HH:MM, "" before the lot
    ends: str
    application: Application
    city: str


def slots(session: Session, round_id: int) -> list[Slot]:
    """Every grouped application's turn, by group then defence position (by code before the lot)."""
    cities = {c.id: c.name for c in session.exec(select(City))}
    positions = {p.application_id: p.defence_position
                 for p in session.exec(select(PanelApplication).where(PanelApplication.round_id == round_id))}
    result = []
    for group, applications in panel_groups.groups(session, round_id):
        start = datetime.strptime(group.start_time, "%H:%M")
        for application in applications:
            position = positions.get(application.id)
            begins = start + timedelta(minutes=group.slot_minutes * (position - 1)) if position else None
            ends = begins + timedelta(minutes=group.slot_minutes) if begins else None
            result.append(Slot(group, position, begins.strftime("%H:%M") if begins else "",
                               ends.strftime("%H:%M") if ends else "", application, cities[application.city_id]))
    return result


def _when(group: PanelGroup) -> str:
    return group.meeting_date.isoformat() if group.meeting_date else _("date to be announced")


def schedule_pdf(session: Session, *, group: PanelGroup) -> bytes:
    """The printable schedule of one panel's meeting: date, room, and each application's turn."""
    review_round = session.get(Round, group.round_id)
    rows = [[s.position or "—", f"{s.starts}–{s.ends}" if s.starts else "—", s.application.code, s.application.title,
             s.city, s.application.lead_name]
            for s in slots(session, group.round_id) if s.group.id == group.id]
    seed = _("order drawn by lot, seed %(seed)s", seed=group.order_seed) if group.order_seed is not None else \
        _("order not drawn yet")
    return table_pdf(
        _("Defence schedule, group %(n)d", n=group.number),
        f"{review_round.name} · {group.field} · {_when(group)} {group.room} · {seed}",
        [_("Order"), _("Time"), _("Application no."), _("Consortium"), _("City"), _("Lead unit")],
        rows, [40, 80, 90, 250, 70, 220],
    )


def city_notice_pdf(session: Session, *, round_id: int, city: City) -> bytes:
    """The notice to one city of when its applications present: group, date, room, time, order."""
    review_round = session.get(Round, round_id)
    rows = [[s.application.code, s.application.title, _("Group %(n)d", n=s.group.number), _when(s.group),
             s.group.room, f"{s.starts}–{s.ends}" if s.starts else "—", s.position or "—"]
            for s in slots(session, round_id) if s.city == city.name]
    if not rows:
        raise MeetingError(_("No application of %(city)s is in a group.", city=city.name))
    return table_pdf(
        _("Defence notice to %(city)s", city=city.name),
        _("%(round)s: each application's lead unit presents at the time below; please arrive 30 minutes early.",
          round=review_round.name),
        [_("Application no."), _("Consortium"), _("Group"), _("Date"), _("Room"), _("Time"), _("Order")],
        rows, [90, 230, 60, 80, 120, 80, 40],
    )


def cities_with_slots(session: Session, round_id: int) -> list[City]:
    names = {s.city for s in slots(session, round_id)}
    return [c for c in session.exec(select(City).order_by(City.id)) if c.name in names]
