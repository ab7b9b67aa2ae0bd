"""The selection by quota per panel on the results page of a panel round. Registered on the console's
blueprint (admin.blueprint.bp)."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from ..access import current_actor, require_owner
from ..db import get_session
from ..models import RankingRun
from ..services.results import panel_quota
from ..web import attempt
from .blueprint import bp


@bp.route("/rounds/<int:round_id>/results/runs/<int:run_id>/panel-quotas", methods=["POST"])
def results_panel_quota(round_id: int, run_id: int):
    run = get_session().get(RankingRun, run_id)
    require_owner(run is not None and run.round_id == round_id)
    quotas = {}
    for name, value in request.form.items():
        if name.startswith("quota_"):
            try:
                quotas[int(name[6:])] = int(value or 0)
            except ValueError:
                flash(_("A quota is a whole number."), "error")
                return redirect(url_for("admin.results_page", round_id=round_id))
    chosen = attempt(lambda s: panel_quota.select_by_quota(s, run=run, quotas=quotas, by=current_actor()))
    if chosen:
        flash(_("%(n)d applications are selected by quota per panel.", n=chosen.value), "success")
    return redirect(url_for("admin.results_page", round_id=round_id))
