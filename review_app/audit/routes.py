"""Supervision: read the audit log and check that nobody has altered it."""

from datetime import date

from flask import Blueprint, Response, render_template, request

from ..access import current_actor, guard
from ..db import get_session
from ..hardening import db_int
from ..models import Role
from ..services import dashboard as overview
from ..services.compliance import audit

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")
guard(bp, roles={Role.AUDITOR, Role.ADMIN})

PAGE_SIZE = 50


@bp.route("/")
def dashboard():
    return render_template("audit/dashboard.html", summary=overview.audit_overview(get_session()))


def _query() -> audit.EventQuery:
    """The search form's fields from the query string; a malformed date is ignored."""
    def day(name):
        try:
            return date.fromisoformat(request.args.get(name, "").strip()) or None
        except ValueError:
            return None

    return audit.EventQuery(
        action=request.args.get("action", "").strip(),
        actor=request.args.get("actor", "").strip(),
        target=request.args.get("target", "").strip(),
        round_id=request.args.get("round", type=db_int),
        since=day("since"),
        until=day("until"),
        text=request.args.get("q", "").strip()[:100],
    )


@bp.route("/events")
def events():
    query = _query()
    before = request.args.get("before", type=db_int)
    rows = audit.search(get_session(), query, before=before, limit=PAGE_SIZE)
    args = {k: v for k, v in request.args.items() if k != "before"}
    return render_template("audit/events.html", events=rows, query=query, args=args, page_size=PAGE_SIZE)


@bp.route("/events.csv")
def events_csv():
    """The search result as CSV with the hashes, for the auditor's own tools; the export is audited."""
    session = get_session()
    data = audit.events_csv(session, _query(), by=current_actor())
    session.commit()
    return Response(data, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit-events.csv"})


@bp.route("/verify")
def verify():
    return render_template("audit/verify.html", problems=audit.verify(get_session()))
