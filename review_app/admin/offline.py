"""Offline scoring on the panel console: each panel's and each member's score workbook, and the import of
the filled workbooks (all or nothing). Registered on the console's blueprint (admin.blueprint.bp)."""

from flask import Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..access import current_actor, require_owner
from ..db import get_session
from ..services.assign import panel_groups, panel_runs
from ..services.meeting import offline, paper
from ..services.review import pool
from ..web import attempt
from .blueprint import bp
from .lookups import round_or_404
from .panel_forms import ScanForm, WorkbookImportForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _key() -> bytes:
    return offline.signing_key(current_app.config["SECRET_KEY"])


@bp.route("/rounds/<int:round_id>/panels/offline")
def panels_offline(round_id: int):
    session = get_session()
    review_round = round_or_404(round_id)
    published = panel_runs.published_run(session, round_id)
    return render_template(
        "admin/panel_offline.html", round=review_round,
        preview=panel_runs.preview(session, run=published) if published else None,
        open_rows={g.id: offline.open_rows(session, group=g) for g, _apps in panel_groups.groups(session, round_id)}
        if published else {},
        import_form=WorkbookImportForm(),
        scan_form=ScanForm(),
        scans=paper.scans(session, round_id),
    )


@bp.route("/rounds/<int:round_id>/panels/groups/<int:number>/workbook.xlsx")
@bp.route("/rounds/<int:round_id>/panels/groups/<int:number>/workbook-<expert_code>.xlsx")
def panels_workbook(round_id: int, number: int, expert_code: str | None = None):
    round_or_404(round_id)
    session = get_session()
    group = panel_groups.group_by_number(session, round_id, number)
    require_owner(group is not None)
    expert = None
    if expert_code is not None:
        expert = pool.expert_by_code(session, expert_code)
        require_owner(expert is not None)
    made = attempt(lambda s: offline.export_workbook(s, group=group, key=_key(), expert=expert, by=current_actor()))
    if not made:
        return redirect(url_for("admin.panels_offline", round_id=round_id))
    name = f"group-{number}" + (f"-{expert_code}" if expert_code else "") + ".xlsx"
    return Response(made.value, mimetype=XLSX, headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.route("/rounds/<int:round_id>/panels/offline/import", methods=["POST"])
def panels_import(round_id: int):
    review_round = round_or_404(round_id)
    form = WorkbookImportForm()
    if not form.validate_on_submit() or not any(f.filename for f in form.files.data or []):
        flash(_("Choose at least one workbook."), "error")
        return redirect(url_for("admin.panels_offline", round_id=round_id))
    files = [(f.filename, f.read()) for f in form.files.data if f.filename]
    done = attempt(lambda s: offline.import_workbooks(s, review_round=review_round, files=files, key=_key(),
                                                      by=current_actor()), quiet=True)
    if done:
        flash(_("%(n)d score sheets imported and submitted (source: 线下).", n=done.value), "success")
    else:
        flash(str(done.error), "error")
        for problem in getattr(done.error, "problems", ()):
            flash(problem, "error")
    return redirect(url_for("admin.panels_offline", round_id=round_id))
