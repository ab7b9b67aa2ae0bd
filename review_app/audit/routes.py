"""Supervision: read the audit log and check that nobody has altered it."""

from flask import Blueprint, render_template, request

from ..access import guard
from ..db import get_session
from ..models import Role
from ..services import audit
from ..services import dashboard as overview

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")
guard(bp, roles={Role.AUDITOR, Role.ADMIN})

PAGE_SIZE = 50


@bp.route("/")
def dashboard():
    return render_template("audit/dashboard.html", summary=overview.audit_overview(get_session()))


@bp.route("/events")
def events():
    action = request.args.get("action", "").strip()
    before = request.args.get("before", type=int)
    rows = audit.list_events(get_session(), action=action, before=before, limit=PAGE_SIZE)
    return render_template("audit/events.html", events=rows, action=action, page_size=PAGE_SIZE)


@bp.route("/verify")
def verify():
    return render_template("audit/verify.html", problems=audit.verify(get_session()))
