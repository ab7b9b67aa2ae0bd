"""The centre's assignment console: check feasibility (a job), run (a job), preview, pin or forbid, publish,
replace.
Registered on the console's blueprint (admin.blueprint.bp)."""

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..access import current_actor, require_owner
from ..db import get_session
from ..models import Assignment, AssignmentPin, AssignmentRun, JobStatus, PinKind
from ..services.assign import feasibility, panel_runs, problem, proposals, seats
from ..services.platform import jobs
from ..web import attempt, page_number
from .assignment_forms import PinForm, RunForm
from .blueprint import bp
from .lookups import round_or_404


@bp.route("/rounds/<int:round_id>/assignment")
def assignment(round_id: int):
    session = get_session()
    review_round = round_or_404(round_id)
    return render_template(
        "admin/assignment.html",
        round=review_round,
        feasibility=feasibility.console(session, review_round=review_round),
        runs=proposals.runs(session, round_id=round_id),
        pins=seats.pins(session, round_id=round_id),
        replacements=seats.replacement_list(session, round_id=round_id),
        panel_round=panel_runs.published_run(session, round_id) is not None,
        run_form=RunForm(),
        pin_form=PinForm(),
    )


@bp.route("/rounds/<int:round_id>/assignment/check", methods=["POST"])
def assignment_check(round_id: int):
    review_round = round_or_404(round_id)
    job_id = feasibility.start(get_session(), review_round=review_round, by=current_actor())
    jobs.dispatch(current_app._get_current_object(), job_id)
    return redirect(url_for("admin.job", job_id=job_id))


@bp.route("/rounds/<int:round_id>/assignment/run", methods=["POST"])
def assignment_run(round_id: int):
    review_round = round_or_404(round_id)
    form = RunForm()
    if not form.validate_on_submit():
        flash(_("Please correct the settings of the run."), "error")
        return redirect(url_for("admin.assignment", round_id=round_id))
    choices = problem.RunChoices(seed=form.seed.data, fair=form.fair.data, balance=form.balance.data)
    started = attempt(lambda s: proposals.start(s, review_round=review_round, choices=choices, by=current_actor()))
    if not started:
        return redirect(url_for("admin.assignment", round_id=round_id))
    jobs.dispatch(current_app._get_current_object(), started.value)
    return redirect(url_for("admin.job", job_id=started.value))


@bp.route("/jobs/<int:job_id>")
def job(job_id: int):
    found = jobs.get(get_session(), job_id, stale_after=current_app.config["JOB_STALE_AFTER"])
    require_owner(found is not None)
    return render_template("admin/job.html", job=found, target=_job_target(found))


@bp.route("/jobs/<int:job_id>.json")
def job_status(job_id: int):
    found = jobs.get(get_session(), job_id, stale_after=current_app.config["JOB_STALE_AFTER"])
    require_owner(found is not None)
    return jsonify(status=found.status.value, progress=found.progress, message=found.message, target=_job_target(found))


def _job_target(job) -> str | None:
    """Where a finished job's result is shown."""
    if job.status == JobStatus.DONE and job.kind == feasibility.JOB_KIND:
        return url_for("admin.assignment", round_id=job.round_id, _anchor="diagnosis")
    if job.status != JobStatus.DONE or job.kind not in ("assignment", panel_runs.JOB_KIND):
        return None
    view = "admin.panels_preview" if job.kind == panel_runs.JOB_KIND else "admin.assignment_preview"
    return url_for(view, round_id=job.round_id, run_id=job.result()["run_id"])


def _run_or_404(round_id: int, run_id: int) -> AssignmentRun:
    run = get_session().get(AssignmentRun, run_id)
    require_owner(run is not None and run.round_id == round_id)
    return run


@bp.route("/rounds/<int:round_id>/assignment/runs/<int:run_id>")
def assignment_preview(round_id: int, run_id: int):
    review_round = round_or_404(round_id)
    run = _run_or_404(round_id, run_id)
    by_affinity = request.args.get("sort") == "affinity"
    text = request.args.get("q", "").strip()[:64]
    return render_template(
        "admin/assignment_run.html",
        round=review_round,
        preview=proposals.preview(get_session(), run=run, by_affinity=by_affinity, text=text, number=page_number()),
        by_affinity=by_affinity,
        text=text,
    )


@bp.route("/rounds/<int:round_id>/assignment/runs/<int:run_id>/publish", methods=["POST"])
def assignment_publish(round_id: int, run_id: int):
    round_or_404(round_id)
    run = _run_or_404(round_id, run_id)
    published = attempt(lambda s: proposals.publish(s, run=run, by=current_actor()))
    if not published:
        return redirect(url_for("admin.assignment_preview", round_id=round_id, run_id=run_id))
    flash(
        _("The assignment is published: %(n)d score sheets are waiting for the experts.", n=published.value), "success"
    )
    return redirect(url_for("admin.assignment", round_id=round_id))


@bp.route("/rounds/<int:round_id>/assignment/pins", methods=["POST"])
def assignment_pin(round_id: int):
    review_round = round_or_404(round_id)
    form = PinForm()
    if form.validate_on_submit():
        pinned = attempt(
            lambda s: seats.set_pin(
                s,
                review_round=review_round,
                application_code=form.application_code.data.strip(),
                expert_code=form.expert_code.data.strip(),
                kind=PinKind(form.kind.data),
                reason=form.reason.data,
                by=current_actor(),
            )
        )
        if pinned:
            flash(_("Saved. Run the assignment again to apply it."), "success")
    else:
        flash(_("An application no., an expert code and a reason are all required."), "error")
    return redirect(url_for("admin.assignment", round_id=round_id))


@bp.route("/rounds/<int:round_id>/assignment/pins/<int:pin_id>/delete", methods=["POST"])
def assignment_unpin(round_id: int, pin_id: int):
    round_or_404(round_id)
    session = get_session()
    pin = session.get(AssignmentPin, pin_id)
    require_owner(pin is not None and pin.round_id == round_id)
    seats.remove_pin(session, pin=pin, by=current_actor())
    session.commit()
    return redirect(url_for("admin.assignment", round_id=round_id))


@bp.route("/rounds/<int:round_id>/assignment/seats/<int:seat_id>/replace", methods=["POST"])
def assignment_replace(round_id: int, seat_id: int):
    round_or_404(round_id)
    session = get_session()
    seat = session.get(Assignment, seat_id)
    require_owner(seat is not None and seat.round_id == round_id)
    replaced = attempt(lambda s: seats.replace(s, seat=seat, by=current_actor()))
    if replaced:
        flash(
            _(
                "Replaced: expert %(code)s takes the seat; nobody else moved.",
                code=seats.expert_code(session, replaced.value),
            ),
            "success",
        )
    return redirect(url_for("admin.assignment", round_id=round_id))
