"""The provincial centre's console."""

from flask import Blueprint, render_template

from ..access import guard
from ..db import get_session
from ..models import Role
from ..services import dashboard as overview

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
guard(bp, roles={Role.ADMIN}, readers={Role.AUDITOR})


@bp.route("/")
def dashboard():
    return render_template("admin/dashboard.html", rounds=overview.admin_overview(get_session()))


# Each screen group of the console registers its views on `bp` in a module of its own.
from . import accounts, assignment, checks, intake, pool, progress, results, rounds, sheets  # noqa: E402,F401
