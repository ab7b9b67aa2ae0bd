"""Supervision: read the audit log in the user's language and check that nobody has altered it."""

from datetime import date

from flask import Blueprint, Response, render_template, request

from ..access import current_actor, guard
from ..db import get_session
from ..hardening import db_int
from ..labels import AUDIT_AREAS
from ..models import Role
from ..services import dashboard as overview
from ..services.compliance import audit_review
from ..web import page_number

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")
guard(bp, roles={Role.AUDITOR, Role.ADMIN})


@bp.route("/")
def dashboard():
    session = get_session()
    summary = overview.audit_overview(session)
    return render_template("audit/dashboard.html", summary=summary, rows=audit_review.describe(session, summary.recent))


def _query() -> audit_review.EventQuery:
    """The search form's fields from the query string; a malformed date or round is ignored. The action
    is one action, or "area:<key>" for every action of an area."""
    def day(name):
        try:
            return date.fromisoformat(request.args.get(name, "").strip()) or None
        except ValueError:
            return None

    action = request.args.get("action", "").strip()[:64]
    area = AUDIT_AREAS.get(action.removeprefix("area:")) if action.startswith("area:") else None
    return audit_review.EventQuery(
        action="" if area else action,
        actions=tuple(area[1]) if area else (),
        actor=request.args.get("actor", "").strip()[:64],
        target=request.args.get("target", "").strip()[:100],
        round_id=request.args.get("round", type=db_int),
        since=day("since"),
        until=day("until"),
        text=request.args.get("q", "").strip()[:100],
    )


@bp.route("/events")
def events():
    session = get_session()
    query = _query()
    found = audit_review.search(session, query, number=page_number())
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("audit/events.html", rows=audit_review.describe(session, found.items), page=found,
                           query=query, args=args, rounds=audit_review.round_choices(session),
                           action=request.args.get("action", ""))


@bp.route("/events/<int:seq>")
def event(seq: int):
    """One event with every field and its details, between its neighbours (also when it is missing)."""
    return render_template("audit/event.html", place=audit_review.neighbourhood(get_session(), seq))


@bp.route("/events.csv")
def events_csv():
    """The search result as CSV with the hashes, for the auditor's own tools; the export is audited."""
    session = get_session()
    data = audit_review.events_csv(session, _query(), by=current_actor())
    session.commit()
    return Response(data, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit-events.csv"})


@bp.route("/verify")
def verify():
    """The tamper report: each break of the chain with the events around it."""
    return render_template("audit/verify.html", findings=audit_review.tamper_report(get_session()))
