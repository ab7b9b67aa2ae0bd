"""The centre's formal-check screens: the verdict table with filters, running the check, overriding a
verdict for a written reason, and the CSV export (the same bytes as `flask formal-check`).
Registered on the console's blueprint (admin.blueprint.bp)."""

import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from ..access import current_actor, require_owner
from ..db import get_session
from ..hardening import db_int
from ..models import Verdict
from ..services.check import bulk_override, report, runner
from ..services.intake.rules import ANNUAL_RULES, rules_for
from ..web import attempt, page_number
from .blueprint import bp
from .lookups import round_or_404
from .round_forms import BulkOverrideForm, OverrideForm


def _filters() -> dict:
    rule = request.args.get("rule", "")
    verdict = request.args.get("verdict", "")
    return {
        "rule": rule if rule in ANNUAL_RULES else None,
        "verdict": Verdict(verdict) if verdict in set(Verdict) else None,
        "city_id": request.args.get("city", type=db_int),
        "text": request.args.get("q", "").strip()[:100],
    }


@bp.route("/rounds/<int:round_id>/check")
def round_check(round_id: int):
    filters = _filters()
    board = runner.board(get_session(), round_id=round_id, number=page_number(), **filters)
    require_owner(board is not None)
    return render_template("admin/check.html", board=board, filters=filters, rules=rules_for(board.round))


@bp.route("/rounds/<int:round_id>/check/run", methods=["POST"])
def run_check(round_id: int):
    review_round = round_or_404(round_id)
    checked = attempt(lambda s: runner.run_check(s, review_round=review_round, by=current_actor()))
    if checked:
        summary = checked.value
        flash(
            _(
                "Checked %(n)d application(s): %(failed)d with a failed rule, %(warned)d with a warning.",
                n=summary.applications,
                failed=summary.failed,
                warned=summary.warned,
            ),
            "success",
        )
    return redirect(url_for("admin.round_check", round_id=round_id))


@bp.route("/checks/<int:result_id>/override", methods=["GET", "POST"])
def override_check(result_id: int):
    session = get_session()
    row = runner.result_row(session, result_id=result_id)
    require_owner(row is not None)
    form = OverrideForm()
    if request.method == "GET":
        form.verdict.data = row.effective.value
    elif form.validate_on_submit():
        if attempt(
            lambda s: runner.override(
                s, result_id=result_id, verdict=Verdict(form.verdict.data), reason=form.reason.data, by=current_actor()
            )
        ):
            flash(_("The verdict is changed and the reason recorded."), "success")
            return redirect(url_for("admin.round_check", round_id=row.application.round_id))
    return render_template("admin/override.html", row=row, form=form)


@bp.route("/rounds/<int:round_id>/check/rules/<rule>/override", methods=["GET", "POST"])
def override_rule(round_id: int, rule: str):
    """Override several (or all) failing verdicts of one rule with one reason: one audit event each."""
    found = bulk_override.failures(get_session(), round_id=round_id, rule=rule)
    require_owner(found is not None)
    form = BulkOverrideForm()
    if form.validate_on_submit():
        chosen = None if form.every_failing.data else form.results.data
        changed = attempt(lambda s: bulk_override.override_many(
            s, round_id=round_id, rule=rule, result_ids=chosen, verdict=Verdict(form.verdict.data),
            reason=form.reason.data, by=current_actor(),
        ))
        if changed:
            flash(_("%(n)d verdict(s) changed and the reason recorded for each.", n=changed.value), "success")
            return redirect(url_for("admin.round_check", round_id=round_id, rule=rule))
    return render_template("admin/override_rule.html", found=found, form=form)


@bp.route("/rounds/<int:round_id>/check.csv")
def check_export(round_id: int):
    review_round = round_or_404(round_id)
    session = get_session()
    data = report.download_csv(session, round_id=round_id, by=current_actor())
    session.commit()
    filename = f"形式审查结果_{review_round.year}_{review_round.id}.csv"
    return send_file(io.BytesIO(data), mimetype="text/csv", download_name=filename, as_attachment=True)
