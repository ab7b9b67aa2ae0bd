"""Refusals that hold for every form of the app, before any view runs, so that nothing is stored:
invisible control characters and absurdly long fields; and the proxy settings for HTTPS behind a gateway.

Per-field limits (a comment's 5,000 characters, a name's 64) stay with the forms and services; the cap
here is far above all of them and only stops input no form expects.
"""

import re
import time
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, render_template, request
from flask_babel import gettext as _
from werkzeug.middleware.proxy_fix import ProxyFix

# C0 controls except tab, line feed and carriage return; DEL; C1 controls.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MAX_FIELD_LENGTH = 20_000
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def input_problem(values) -> str | None:
    """Why these submitted values are refused as a whole, or None."""
    for value in values:
        if len(value) > MAX_FIELD_LENGTH:
            return _("An entry is too long (at most %(n)d characters); nothing was saved.", n=MAX_FIELD_LENGTH)
        if CONTROL_CHARACTERS.search(value):
            return _(
                "An entry contains invisible control characters (often pasted from another program); "
                "remove them and try again. Nothing was saved."
            )
    return None


def pause_inside_transactions(pauses: dict[str, float], marker: str | None = None) -> None:
    """Tests only: after the flush that writes an audit event whose action is in `pauses`, wait that many
    seconds inside the still-open transaction, so that a test can kill the server in the middle of it."""
    from sqlmodel import Session

    from .models import AuditEvent

    @sa.event.listens_for(Session, "after_flush")
    def _pause(session, _context):
        for instance in session.new:  # still the pre-flush state here
            if isinstance(instance, AuditEvent) and instance.action in pauses:
                if marker:  # tells the test that the transaction is open and written
                    Path(marker).write_text(instance.action)
                time.sleep(pauses[instance.action])


def init_app(app: Flask) -> None:
    if app.config.get("CRASH_TEST_PAUSE"):  # off by default; see pause_inside_transactions
        pause_inside_transactions(app.config["CRASH_TEST_PAUSE"], app.config.get("CRASH_TEST_MARKER"))
    hops = int(app.config["PROXY_FIX_HOPS"] or 0)
    if hops:
        # Behind the gateway: trust its X-Forwarded-For/-Proto/-Host, so that addresses in the audit log
        # and the rate limit are the users', and links and secure cookies say https.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    @app.before_request
    def _refuse_hostile_input():
        if request.method not in WRITE_METHODS:
            return None
        values = [v for _key, v in request.form.items(multi=True)]
        values += [f.filename or "" for _key, f in request.files.items(multi=True)]
        problem = input_problem(values)
        if problem is None:
            return None
        if request.accept_mimetypes.best == "application/json" or request.path.endswith("/autosave"):
            return {"status": "refused", "message": problem}, 400
        return render_template("error.html", code=400, title=problem), 400
