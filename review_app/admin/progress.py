"""Scoring progress: per application and per expert, reminders, the outbox. Registered on the console's
blueprint (admin.blueprint.bp)."""

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..access import current_actor
from ..db import get_session
from ..services.compliance import audit
from ..services.review import oversight, progress, progress_pages
from ..web import page_number
from .blueprint import bp
from .lookups import round_or_404


@bp.route("/rounds/<int:round_id>/progress")
def round_progress(round_id: int):
    review_round = round_or_404(round_id)
    board = progress_pages.progress_page(get_session(), review_round=review_round,
                                         experts_page=page_number("experts_page"),
                                         applications_page=page_number("applications_page"))
    return render_template("admin/progress.html", progress=board)


@bp.route("/rounds/<int:round_id>/progress/remind", methods=["POST"])
def progress_remind(round_id: int):
    review_round = round_or_404(round_id)
    session = get_session()
    reminded = oversight.remind(session, review_round=review_round, by=current_actor())
    session.commit()
    flash(_("%(n)d expert(s) with open sheets were reminded.", n=reminded.sent), "success")
    if reminded.repeated:
        flash(_("%(n)d expert(s) had the same reminder within the last hour and were not reminded again.",
                n=reminded.repeated), "warning")
    return redirect(url_for("admin.round_progress", round_id=round_id))


@bp.route("/rounds/<int:round_id>/outbox.csv")
def progress_outbox(round_id: int):
    round_or_404(round_id)
    session = get_session()
    data = progress.outbox_csv(session, round_id=round_id)
    audit.record(
        session, action="export", by=current_actor(), round_id=round_id, details={"list": "outbox", "format": "csv"}
    )
    session.commit()
    return Response(
        data,
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="round{round_id}-outbox.csv"'},
    )
