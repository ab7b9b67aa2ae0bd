"""The city science bureau's portal: its own city only."""

from flask import Blueprint, render_template
from flask_login import current_user

from ..access import guard
from ..db import get_session
from ..models import Role
from ..services import dashboard as overview

bp = Blueprint("city", __name__, url_prefix="/city", template_folder="templates")
guard(bp, roles={Role.CITY})


@bp.route("/")
def dashboard():
    city, rounds = overview.city_overview(get_session(), city_id=current_user.city_id)
    return render_template("city/dashboard.html", city=city, rounds=rounds)
