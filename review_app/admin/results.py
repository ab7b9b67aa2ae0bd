"""Results: aggregate, read the ranking and its uncertainty, explain a place, select, approve, reopen,
export (the approved ranking by default). Registered on the console's blueprint (admin.blueprint.bp); the
auditor reads all of it."""

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import current_actor, require_owner
from ..db import get_session
from ..hardening import db_int
from ..models import RankingResult, RankingRun, Role
from ..services.results import approval, export, panel_quota, rank, selection, standings
from ..web import attempt, page_number
from .blueprint import bp
from .lookups import round_or_404
from .results_forms import AggregateForm, CutoffForm, ReopenForm, SelectForm

MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}


@bp.route("/rounds/<int:round_id>/results")
def results_page(round_id: int):
    review_round = round_or_404(round_id)
    session = get_session()
    filters = standings.Filters(
        text=request.args.get("q", "").strip()[:64],
        selected=request.args.get("selected") == "1",
        flagged=request.args.get("flagged") == "1",
        part=request.args.get("part", type=db_int),
    )
    data = standings.page(session, review_round=review_round, filters=filters, number=page_number())
    cutoff = CutoffForm(cutoff=data.run.cutoff if data.run else None)
    return render_template(
        "admin/results.html",
        page=data,
        filters=filters,
        lock=approval.lock_state(session, review_round=review_round),
        aggregate_form=AggregateForm(),
        cutoff_form=cutoff,
        select_form=SelectForm(),
        reopen_form=ReopenForm(),
        panels=panel_quota.comparison(session, round_id=round_id),
    )


@bp.route("/rounds/<int:round_id>/results/aggregate", methods=["POST"])
def results_aggregate(round_id: int):
    review_round = round_or_404(round_id)
    form = AggregateForm()
    if form.validate_on_submit() and attempt(
        lambda s: rank.aggregate_round(
            s, review_round=review_round, method=form.method.data, seed=form.seed.data, by=current_actor()
        )
    ):
        flash(_("The scores are aggregated."), "success")
    return redirect(url_for("admin.results_page", round_id=round_id))


def _run_or_404(round_id: int, run_id: int) -> RankingRun:
    run = get_session().get(RankingRun, run_id)
    require_owner(run is not None and run.round_id == round_id)
    return run


@bp.route("/rounds/<int:round_id>/results/runs/<int:run_id>/cutoff", methods=["POST"])
def results_cutoff(round_id: int, run_id: int):
    run = _run_or_404(round_id, run_id)
    form = CutoffForm()
    if form.validate_on_submit():
        chosen = attempt(lambda s: selection.set_cutoff(s, run=run, cutoff=form.cutoff.data, by=current_actor()))
        if chosen:
            flash(_("%(n)d applications are selected.", n=chosen.value), "success")
    else:
        flash(_("The cut-off must be a whole number."), "error")
    return redirect(url_for("admin.results_page", round_id=round_id))


@bp.route("/rounds/<int:round_id>/results/<int:result_id>/select", methods=["POST"])
def results_select(round_id: int, result_id: int):
    session = get_session()
    result = session.get(RankingResult, result_id)
    require_owner(result is not None and _run_or_404(round_id, result.ranking_run_id) is not None)
    form = SelectForm()
    if form.validate_on_submit():
        if attempt(
            lambda s: selection.set_selected(
                s, result=result, selected=form.selected.data == "1", reason=form.reason.data, by=current_actor()
            )
        ):
            flash(_("The selection is changed and the reason recorded."), "success")
    else:
        flash(_("A reason is required to change the selection by hand."), "error")
    return redirect(url_for("admin.results_page", round_id=round_id))


@bp.route("/rounds/<int:round_id>/results/runs/<int:run_id>/approve", methods=["POST"])
def results_approve(round_id: int, run_id: int):
    run = _run_or_404(round_id, run_id)
    if attempt(lambda s: selection.approve(s, run=run, by=current_actor())):
        flash(_("This ranking is now the final one; the round can be published."), "success")
    return redirect(url_for("admin.results_page", round_id=round_id))


@bp.route("/rounds/<int:round_id>/results/reopen", methods=["POST"])
def results_reopen(round_id: int):
    """Withdraw the approval, with a reason (refused once the round is published)."""
    review_round = round_or_404(round_id)
    form = ReopenForm()
    if not form.validate_on_submit():
        flash(_("Please give the reason for reopening the results."), "error")
    elif attempt(lambda s: approval.reopen(s, review_round=review_round, reason=form.reason.data, by=current_actor())):
        flash(_("The approval is withdrawn and kept as history; the results can change again."), "success")
    return redirect(url_for("admin.results_page", round_id=round_id))


@bp.route("/rounds/<int:round_id>/results/runs/<int:run_id>/applications/<int:application_id>")
def results_application(round_id: int, run_id: int, application_id: int):
    review_round = round_or_404(round_id)
    run = _run_or_404(round_id, run_id)
    detail = standings.application_result(
        get_session(), run=run, application_id=application_id, show_names=current_user.role == Role.ADMIN
    )
    require_owner(detail is not None)
    return render_template("admin/result_application.html", round=review_round, detail=detail)


@bp.route("/rounds/<int:round_id>/results/<any(ranking, publication):which>.<fmt>")
def results_export(round_id: int, which: str, fmt: str):
    """The approved ranking's file; without an approved ranking the page says so."""
    round_or_404(round_id)
    run = approval.approved_run(get_session(), round_id=round_id)
    if run is None:
        flash(_("No ranking of this round is approved yet: the exports are of the approved ranking."), "error")
        return redirect(url_for("admin.results_page", round_id=round_id))
    return _download(run, which, fmt)


@bp.route("/rounds/<int:round_id>/results/runs/<int:run_id>/<any(ranking, publication):which>.<fmt>")
def results_download(round_id: int, run_id: int, which: str, fmt: str):
    """The file of one run chosen explicitly (an unapproved draft, or a withdrawn approval)."""
    return _download(_run_or_404(round_id, run_id), which, fmt)


def _download(run: RankingRun, which: str, fmt: str) -> Response:
    require_owner((which, fmt) in export.FILES)
    exported = attempt(lambda s: export.export_file(s, run=run, which=which, fmt=fmt, by=current_actor()))
    if not exported:
        return redirect(url_for("admin.results_page", round_id=run.round_id))
    filename = f"round{run.round_id}-run{run.id}-{which}.{fmt}"
    return Response(
        exported.value, mimetype=MIMETYPES[fmt], headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
