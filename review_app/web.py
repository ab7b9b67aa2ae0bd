"""App-wide web plumbing: the user loader, per-request audit context, security headers, errors,
the landing redirect, the language switch and the health check."""

from flask import Flask, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from sqlalchemy import text

from . import db, labels
from .extensions import login_manager
from .models import Role
from .services import accounts, audit

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


class EmptyForm(FlaskForm):
    """A CSRF token and nothing else, for buttons that post (logout, language)."""


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page says why already
    login_manager.user_loader(lambda user_id: accounts.load_user(db.get_session(), user_id))

    @app.before_request
    def _audit_context():
        audit.client_address.set(request.remote_addr or "")

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
    def _template_globals():
        return {
            "empty_form": EmptyForm(),
            "Role": Role,
            "language": get_locale().language,  # "zh" or "en"
            **labels.as_template_globals(),
        }

    app.jinja_env.filters["local_time"] = lambda value: format_datetime(value, "yyyy-MM-dd HH:mm") if value else ""

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
    target = request.form.get("next") or ""
    # Only local paths: never bounce to another site.
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("index")
    return redirect(target)
