"""The centre's score-sheet screens: progress, the replacement list, reopening a sheet, and extending
the scoring deadline. Registered on the console's blueprint (admin.blueprint.bp)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..access import current_actor, require_owner
from ..db import get_session
from ..services.platform.localtime import to_utc
from ..services.results import approval
from ..services.review import oversight, progress, progress_pages
from ..web import attempt, page_number
from .blueprint import bp
from .lookups import round_or_404
from .pool_forms import DeadlineForm, ReopenForm

STATUS_FILTERS = ("", "untouched", "draft", "submitted", "recused")


@bp.route("/rounds/<int:round_id>/sheets")
def round_sheets(round_id: int):
    status = request.args.get("status", "")
    status = status if status in STATUS_FILTERS else ""
    session, review_round = get_session(), round_or_404(round_id)
    text = request.args.get("q", "").strip()[:64]
    board = progress_pages.sheets_page(session, review_round=review_round, status=status, text=text,
                                       number=page_number())
    return render_template(
        "admin/sheets.html",
        board=board,
        status=status,
        text=text,
        filters=STATUS_FILTERS,
        deadline_form=DeadlineForm(),
        results_locked=approval.lock_state(session, review_round=review_round).locked,
    )


@bp.route("/rounds/<int:round_id>/deadline", methods=["POST"])
def extend_deadline(round_id: int):
    form = DeadlineForm()
    if not form.validate_on_submit():
        for problems in form.errors.values():
            for problem in problems:
                flash(problem, "error")
        return redirect(url_for("admin.round_sheets", round_id=round_id))
    told = attempt(
        lambda s: oversight.extend_deadline(
            s, round_id=round_id, by=current_actor(), deadline=to_utc(form.deadline.data)
        )
    )
    if told:
        flash(
            _("The scoring deadline is extended; %(n)d expert(s) with open sheets were told.", n=told.value), "success"
        )
    return redirect(url_for("admin.round_sheets", round_id=round_id))


@bp.route("/sheets/<int:sheet_id>/reopen", methods=["GET", "POST"])
def reopen_sheet(sheet_id: int):
    session = get_session()
    row = progress.sheet_for_admin(session, sheet_id=sheet_id)
    require_owner(row is not None)
    form = ReopenForm()
    if form.validate_on_submit():
        reopened = attempt(lambda s: oversight.reopen(s, sheet=row.sheet, by=current_actor(), reason=form.reason.data))
        if reopened:
            flash(_("The sheet is reopened and the expert has been told."), "success")
            if reopened.value:
                flash(
                    _("The scoring deadline has passed: extend it, or the expert cannot change the sheet."), "warning"
                )
            return redirect(url_for("admin.round_sheets", round_id=row.sheet.round_id))
    return render_template("admin/reopen.html", row=row, form=form)
