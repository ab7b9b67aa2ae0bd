"""The panel meetings on the panel console: each group's date, room and time slots, the lot that draws the
order of defence, the printable schedule per panel and the notice per city. Registered on the console's
blueprint (admin.blueprint.bp)."""

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..access import current_actor, require_owner
from ..db import get_session
from ..models import City, PanelGroup
from ..services.assign import panel_groups
from ..services.compliance import audit
from ..services.meeting import schedule
from ..web import attempt
from .blueprint import bp
from .lookups import round_or_404
from .panel_forms import LotForm, MeetingForm


def _group_or_404(round_id: int, number: int) -> PanelGroup:
    round_or_404(round_id)
    group = panel_groups.group_by_number(get_session(), round_id, number)
    require_owner(group is not None)
    return group


@bp.route("/rounds/<int:round_id>/panels/meetings")
def panels_meetings(round_id: int):
    session = get_session()
    review_round = round_or_404(round_id)
    return render_template(
        "admin/panel_meetings.html", round=review_round, groups=panel_groups.groups(session, round_id),
        slots=schedule.slots(session, round_id), cities=schedule.cities_with_slots(session, round_id),
        meeting_form=MeetingForm(), lot_form=LotForm(),
    )


@bp.route("/rounds/<int:round_id>/panels/groups/<int:number>/meeting", methods=["POST"])
def panels_meeting(round_id: int, number: int):
    group = _group_or_404(round_id, number)
    form = MeetingForm()
    if not form.validate_on_submit():
        flash(_("Please correct the meeting: a date, a start time HH:MM and 5 to 240 minutes per application."),
              "error")
    elif attempt(lambda s: schedule.set_meeting(s, group=group, meeting_date=form.meeting_date.data,
                                                room=form.room.data or "", start_time=form.start_time.data,
                                                slot_minutes=form.slot_minutes.data, by=current_actor())):
        flash(_("Saved."), "success")
    return redirect(url_for("admin.panels_meetings", round_id=round_id))


@bp.route("/rounds/<int:round_id>/panels/groups/<int:number>/lot", methods=["POST"])
def panels_lot(round_id: int, number: int):
    group = _group_or_404(round_id, number)
    form = LotForm()
    if not form.validate_on_submit():
        flash(_("The seed is a whole number."), "error")
    else:
        drawn = attempt(lambda s: schedule.draw_order(s, group=group, seed=form.seed.data, by=current_actor()))
        if drawn:
            flash(_("Order of defence drawn (seed %(seed)s): %(order)s", seed=group.order_seed,
                    order="、".join(drawn.value)), "success")
    return redirect(url_for("admin.panels_meetings", round_id=round_id))


def _pdf_response(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"})


@bp.route("/rounds/<int:round_id>/panels/groups/<int:number>/schedule.pdf")
def panels_schedule_pdf(round_id: int, number: int):
    group = _group_or_404(round_id, number)
    session = get_session()
    data = schedule.schedule_pdf(session, group=group)
    audit.record(session, action="panels.schedule_download", by=current_actor(), target=group, round_id=round_id,
                 details={"group": number})
    session.commit()
    return _pdf_response(data, f"schedule-group-{number}.pdf")


@bp.route("/rounds/<int:round_id>/panels/cities/<int:city_id>/notice.pdf")
def panels_city_notice(round_id: int, city_id: int):
    round_or_404(round_id)
    session = get_session()
    city = session.get(City, city_id)
    require_owner(city is not None)
    made = attempt(lambda s: schedule.city_notice_pdf(s, round_id=round_id, city=city))
    if not made:
        return redirect(url_for("admin.panels_meetings", round_id=round_id))
    audit.record(session, action="panels.notice_download", by=current_actor(), target=city, round_id=round_id,
                 details={"city": city.name})
    session.commit()
    return _pdf_response(made.value, f"notice-{city.code}.pdf")
