"""The panel console (panel mode, 分组评审/会评): settings, groups (proposed, moved by hand), the panel
solve as a job, its preview, pins, publication and one-click replacement. Registered on the console's
blueprint (admin.blueprint.bp)."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..access import current_actor, require_owner
from ..db import get_session
from ..models import AssignmentRun, Expert, PanelPin, PanelSeat, PinKind
from ..services.assign import panel_groups, panel_recusals, panel_runs, proposals
from ..services.platform import jobs
from ..web import attempt
from .blueprint import bp
from .lookups import round_or_404
from .panel_forms import GroupFieldForm, MoveForm, PanelPinForm, PanelRunForm, PanelSettingsForm


def _back(round_id: int):
    return redirect(url_for("admin.panels", round_id=round_id))


@bp.route("/rounds/<int:round_id>/panels")
def panels(round_id: int):
    session = get_session()
    review_round = round_or_404(round_id)
    settings = panel_groups.settings_for(session, round_id)
    published = panel_runs.published_run(session, round_id)
    return render_template(
        "admin/panels.html",
        round=review_round,
        settings=settings,
        settings_form=PanelSettingsForm(obj=settings),
        groups=panel_groups.groups(session, round_id),
        ungrouped=panel_groups.ungrouped(session, review_round) if settings and settings.enabled else [],
        runs=[r for r in proposals.runs(session, round_id=round_id) if panel_runs.is_panel_run(r)],
        published=panel_runs.preview(session, run=published) if published else None,
        recusals=panel_recusals.recusals(session, round_id=round_id),
        pins=panel_runs.pins_of(session, round_id=round_id),
        move_form=MoveForm(),
        field_form=GroupFieldForm(),
        run_form=PanelRunForm(),
        pin_form=PanelPinForm(),
    )


@bp.route("/rounds/<int:round_id>/panels/settings", methods=["POST"])
def panels_settings(round_id: int):
    review_round = round_or_404(round_id)
    form = PanelSettingsForm()
    if not form.validate_on_submit():
        flash(_("Please correct the panel settings."), "error")
        return _back(round_id)
    choice = panel_groups.SettingsChoice(form.enabled.data, form.min_size.data, form.max_size.data,
                                         form.with_leader.data, form.recusal.data, form.max_group_apps.data)
    if attempt(lambda s: panel_groups.save_settings(s, review_round=review_round, choice=choice, by=current_actor())):
        flash(_("Saved."), "success")
    return _back(round_id)


@bp.route("/rounds/<int:round_id>/panels/groups/propose", methods=["POST"])
def panels_propose_groups(round_id: int):
    review_round = round_or_404(round_id)
    made = attempt(lambda s: panel_groups.propose(s, review_round=review_round, by=current_actor()))
    if made:
        flash(_("%(n)d groups proposed from the fields and texts. Move applications by hand where needed.",
                n=made.value), "success")
    return _back(round_id)


@bp.route("/rounds/<int:round_id>/panels/groups/move", methods=["POST"])
def panels_move(round_id: int):
    review_round = round_or_404(round_id)
    form = MoveForm()
    if not form.validate_on_submit():
        flash(_("An application no. is required; the group no. is a number."), "error")
        return _back(round_id)
    moved = attempt(lambda s: panel_groups.move(s, review_round=review_round, by=current_actor(),
                                                application_code=form.application_code.data.strip(),
                                                number=form.number.data))
    if moved:
        flash(_("Moved to group %(n)d.", n=moved.value.number), "success")
    return _back(round_id)


@bp.route("/rounds/<int:round_id>/panels/groups/<int:number>/field", methods=["POST"])
def panels_group_field(round_id: int, number: int):
    round_or_404(round_id)
    group = panel_groups.group_by_number(get_session(), round_id, number)
    require_owner(group is not None)
    form = GroupFieldForm()
    if form.validate_on_submit():
        attempt(lambda s: panel_groups.set_field(s, group=group, field=form.field.data, by=current_actor()))
    return _back(round_id)


@bp.route("/rounds/<int:round_id>/panels/run", methods=["POST"])
def panels_run(round_id: int):
    review_round = round_or_404(round_id)
    form = PanelRunForm()
    if not form.validate_on_submit():
        flash(_("Please correct the settings of the run."), "error")
        return _back(round_id)
    started = attempt(lambda s: panel_runs.start(s, review_round=review_round, seed=form.seed.data, by=current_actor()))
    if not started:
        return _back(round_id)
    jobs.dispatch(current_app._get_current_object(), started.value)
    return redirect(url_for("admin.job", job_id=started.value))


def _panel_run_or_404(round_id: int, run_id: int) -> AssignmentRun:
    run = get_session().get(AssignmentRun, run_id)
    require_owner(run is not None and run.round_id == round_id and panel_runs.is_panel_run(run))
    return run


@bp.route("/rounds/<int:round_id>/panels/runs/<int:run_id>")
def panels_preview(round_id: int, run_id: int):
    review_round = round_or_404(round_id)
    run = _panel_run_or_404(round_id, run_id)
    return render_template("admin/panel_run.html", round=review_round,
                           preview=panel_runs.preview(get_session(), run=run))


@bp.route("/rounds/<int:round_id>/panels/runs/<int:run_id>/publish", methods=["POST"])
def panels_publish(round_id: int, run_id: int):
    round_or_404(round_id)
    run = _panel_run_or_404(round_id, run_id)
    published = attempt(lambda s: panel_runs.publish(s, run=run, by=current_actor()))
    if not published:
        return redirect(url_for("admin.panels_preview", round_id=round_id, run_id=run_id))
    flash(_("The panels are published: %(n)d score sheets are waiting for the experts.", n=published.value),
          "success")
    return _back(round_id)


@bp.route("/rounds/<int:round_id>/panels/seats/<int:seat_id>/replace", methods=["POST"])
def panels_replace(round_id: int, seat_id: int):
    round_or_404(round_id)
    session = get_session()
    seat = session.get(PanelSeat, seat_id)
    run = session.get(AssignmentRun, seat.run_id) if seat else None
    require_owner(run is not None and run.round_id == round_id)
    replaced = attempt(lambda s: panel_runs.replace(s, seat=seat, by=current_actor()))
    if replaced:
        flash(_("Replaced: expert %(code)s takes the seat; nobody else moved.",
                code=session.get(Expert, replaced.value.expert_id).code), "success")
    if run.status.value == "proposed":
        return redirect(url_for("admin.panels_preview", round_id=round_id, run_id=run.id))
    return _back(round_id)


@bp.route("/rounds/<int:round_id>/panels/pins", methods=["POST"])
def panels_pin(round_id: int):
    review_round = round_or_404(round_id)
    form = PanelPinForm()
    if not form.validate_on_submit():
        flash(_("A group no., an expert code and a reason are all required."), "error")
        return _back(round_id)
    pinned = attempt(lambda s: panel_runs.set_pin(s, review_round=review_round, number=form.number.data,
                                                  expert_code=form.expert_code.data.strip(),
                                                  kind=PinKind(form.kind.data), reason=form.reason.data,
                                                  by=current_actor()))
    if pinned:
        flash(_("Saved. Run the assignment again to apply it."), "success")
    return _back(round_id)


@bp.route("/rounds/<int:round_id>/panels/pins/<int:pin_id>/delete", methods=["POST"])
def panels_unpin(round_id: int, pin_id: int):
    round_or_404(round_id)
    session = get_session()
    pin = session.get(PanelPin, pin_id)
    require_owner(pin is not None and pin.round_id == round_id)
    attempt(lambda s: panel_runs.remove_pin(s, pin=pin, by=current_actor()))
    return _back(round_id)
