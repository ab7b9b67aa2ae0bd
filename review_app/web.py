"""App-wide web plumbing: the user loader, per-request audit context, security headers, errors,
the landing redirect, the language switch, the health check, and `attempt`, the one error path of
the views (commit, or roll back and tell the user why)."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import Flask, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from sqlmodel import Session

from . import db, labels
from .access import current_actor, record_refusal
from .extensions import login_manager
from .hardening import local_target
from .models import Role
from .services.accounts import identity, users
from .services.compliance import audit
from .services.errors import ServiceError
from .services.platform.localtime import local_time
from .services.platform.numbers import plain_text
from .services.platform.storage import file_size
from .services.review.sheets import format_points

DASHBOARDS = {
    Role.ADMIN: "admin.dashboard",
    Role.CITY: "city.dashboard",
    Role.EXPERT: "expert.dashboard",
    Role.AUDITOR: "audit.dashboard",
}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'self'; form-action 'self'; base-uri 'self'"
)


# Requests that neither count as activity nor need a changed password.
OPEN_ENDPOINTS = frozenset({"static", "healthz"})
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.change_password", "auth.logout", "set_language"})
# The idle timeout's clock (the session's `seen_at`) moves on in steps of this many seconds: a request within
# the step leaves the session unchanged, so its cookie is neither signed nor sent again. An idle session thus
# ends up to one step early (after 29–30 of IDLE_TIMEOUT's 30 minutes), never late.
SEEN_AT_STEP = 60


class EmptyForm(FlaskForm):
    """A CSRF token and nothing else, for buttons that post (logout, language)."""


T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What `attempt` did: true when the change is committed (`value` is the service's answer), false
    when the service refused it (`error`, already flashed and rolled back)."""

    value: T | None = None
    error: ServiceError | None = None

    def __bool__(self) -> bool:
        return self.error is None


def attempt(change: Callable[[Session], T], *, quiet: bool = False) -> Outcome[T]:
    """Run one change on the request's session: commit it; or, when a service refuses (`ServiceError`),
    roll back and flash the refusal (`quiet`: leave the telling to the caller, e.g. in a JSON answer).
    Any other error is a bug and propagates (a 500, rolled back)."""
    session = db.get_session()
    try:
        value = change(session)
    except ServiceError as error:
        session.rollback()
        if not quiet:
            flash(str(error), "error")
        return Outcome(error=error)
    session.commit()
    return Outcome(value=value)


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page says why already
    login_manager.user_loader(lambda user_id: users.load_user(db.get_session(), user_id))

    @app.before_request
    def _audit_context():
        audit.client_address.set(request.remote_addr or "")

    @app.before_request
    def _session_limits():
        """Idle timeout and absolute lifetime (等保), then the forced change of an initial password."""
        if request.endpoint in OPEN_ENDPOINTS or not current_user.is_authenticated:
            return None
        now = time.time()
        reason = identity.session_expired(session.get("login_at"), session.get("seen_at"), now)
        if reason:
            user = current_actor()
            audit.record(db.get_session(), action="logout.timeout", by=user, target=user, details={"reason": reason})
            db.get_session().commit()
            logout_user()
            for key in ("login_at", "seen_at"):
                session.pop(key, None)
            flash(_l("Your session has ended after a period without activity. Please log in again.")
                  if reason == "idle" else _l("Your session has reached its maximum length. Please log in again."),
                  "warning")
            return redirect(url_for("auth.login"))
        if now - session.get("seen_at", 0) >= SEEN_AT_STEP:
            session["seen_at"] = now  # a changed session is signed and sent again: at most once a minute
        session.setdefault("login_at", now)
        if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
            return redirect(url_for("auth.change_password"))
        return None

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.context_processor
    def _template_language():
        return {"language": get_locale().language}  # "zh" or "en"

    # The constants every page may name (the labels are lazy: each is translated where it is shown), made
    # Jinja globals once rather than added to each page's context.
    app.jinja_env.globals.update(Role=Role, **labels.as_template_globals())
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["plain_number"] = plain_text
    app.jinja_env.filters["points"] = format_points
    app.jinja_env.filters["file_size"] = file_size

    for code, title in ((403, _l("Not allowed")), (404, _l("Not found")), (429, _l("Too many attempts"))):
        app.register_error_handler(code, _error_page(code, title))

    app.register_error_handler(
        CSRFError,
        lambda error: (
            render_template(
                "error.html", code=400, title=_l("The form has expired; please reload the page and try again.")
            ),
            400,
        ),
    )
    app.add_url_rule("/", "index", index)
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/language", "set_language", set_language, methods=["POST"])


def _error_page(code: int, title: str):
    def handler(_error):
        if code == 403:
            record_refusal(403)
        return render_template("error.html", code=code, title=title), code

    return handler


@login_required
def index():
    """Send each user to the dashboard of their role."""
    return redirect(url_for(DASHBOARDS[current_user.role]))


def healthz():
    """Liveness for the load balancer: 200 when the database answers, 503 otherwise."""
    try:
        db.get_session().execute(text("SELECT 1"))
    except Exception:  # any database failure means "not ready", whatever its kind
        return jsonify(status="error", db="error"), 503
    return jsonify(status="ok", db="ok")


def set_language():
    language = request.form.get("lang")
    if language in current_app.config["LANGUAGES"]:
        session["lang"] = language
    return redirect(local_target(request.form.get("next")) or url_for("index"))


def page_number(param: str = "page") -> int:
    """The page of a long list the query string asks for (from 1; a missing or malformed number is 1)."""
    text = request.args.get(param, "")
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) <= 6 else 1


def page_url(number: int, param: str = "page") -> str:
    """This page's URL showing page `number` of its list: its other parameters (filters, search) kept."""
    args = {k: v for k, v in request.args.items() if k != param}
    return url_for(request.endpoint, **(request.view_args or {}), **args, **({param: number} if number > 1 else {}))
