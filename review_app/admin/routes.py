"""The provincial centre's console: its dashboard, and every screen module registered on one blueprint."""

from flask import render_template

from ..db import get_session
from ..services import dashboard as overview
from . import (  # noqa: F401
    accounts,
    assignment,
    checks,
    decision,
    entry,
    grades,
    intake,
    meeting,
    offline,
    panel_results,
    panels,
    paper,
    pool,
    progress,
    registry,
    results,
    rounds,
    sheets,
    units,
)
from .blueprint import bp


@bp.route("/")
def dashboard():
    return render_template("admin/dashboard.html", rounds=overview.admin_overview(get_session()))
