"""The expert's workspace: their own assignments only."""

from flask import Blueprint, render_template
from flask_login import current_user

from ..access import guard
from ..db import get_session
from ..models import Role
from ..services import dashboard as overview

bp = Blueprint("expert", __name__, url_prefix="/expert", template_folder="templates")
guard(bp, roles={Role.EXPERT})


@bp.route("/")
def dashboard():
    summary = overview.expert_overview(get_session(), expert_id=current_user.expert_id)
    return render_template("expert/dashboard.html", summary=summary)
