"""Refusals that hold for every form of the app, before any view runs, so that nothing is stored:
bodies too large to parse (forms are small; only the routes that take files accept large bodies),
invisible control characters and absurdly long fields, integers the database cannot hold; the one check
of a redirect target; and the proxy settings for HTTPS behind a gateway.

Per-field limits (a comment's 5,000 characters, a name's 64) stay with the forms and services; the cap
here is far above all of them and only stops input no form expects.
"""

import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, Request, current_app, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

# C0 controls except tab, line feed and carriage return; DEL; C1 controls.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MAX_FIELD_LENGTH = 20_000
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DB_INT_MAX = 2**63 - 1  # the largest id or number a BIGINT (PostgreSQL) or INTEGER (SQLite) column holds


def db_int(text: str) -> int:
    """`text` as a whole number the database can hold; ValueError otherwise. For query strings
    (`request.args.get("city", type=db_int)`: a bad value is then ignored) and ids typed in forms.

    Only ASCII digits count ("²".isdigit() is true, yet int("²") fails), and at most 19 of them.

    >>> db_int("42"), db_int(str(2**63 - 1)) == 2**63 - 1
    (42, True)
    """
    text = text.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 19) or int(text) > DB_INT_MAX:
        raise ValueError(f"not a database integer: {text[:30]!r}")
    return int(text)


class DatabaseId(IntegerConverter):
    """The `<int:…>` of every URL rule: a number past what the database holds is no match (a 404),
    instead of an overflow inside the query."""

    def __init__(self, map, fixed_digits=0, min=None, max=DB_INT_MAX, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def local_target(target: str | None) -> str | None:
    """`target` when a browser would read it as a path on this site, else None: the one check of every
    `next=` the app follows. Browsers drop tabs and line breaks from a URL and read a backslash as a
    slash, so `/\t/evil.example` is `//evil.example`, another site: anything with a control character,
    white space or a backslash is refused before the path test.
    """
    if not target or "\\" in target or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def takes_files(view):
    """Mark a view that receives uploaded files: only these accept bodies up to UPLOAD_REQUEST_MAX_BYTES;
    every other request is held to MAX_CONTENT_LENGTH before its form is parsed."""
    view.takes_files = True
    return view


class LimitedRequest(Request):
    """The app's request: the body limit depends on the route (see `takes_files`). Werkzeug reads at most
    that many bytes; `MAX_FORM_PARTS` and `MAX_FORM_MEMORY_SIZE` bound a multipart form's parts."""

    def _body_limit(self) -> int | None:
        view = current_app.view_functions.get(self.endpoint) if self.url_rule is not None else None
        if getattr(view, "takes_files", False):
            return current_app.config["UPLOAD_REQUEST_MAX_BYTES"]
        return Request.max_content_length.fget(self)

    max_content_length = property(_body_limit, Request.max_content_length.fset)


def checks_lengths(view):
    """Mark a view whose form checks every field's length itself and answers an over-long field with an
    error on that field, keeping what was typed: the blanket cap below would refuse the whole page."""
    view.checks_lengths = True
    return view


def input_problem(values, *, check_length: bool = True) -> str | None:
    """Why these submitted values are refused as a whole, or None."""
    for value in values:
        if check_length and len(value) > MAX_FIELD_LENGTH:
            return _("An entry is too long (at most %(n)d characters); nothing was saved.", n=MAX_FIELD_LENGTH)
        if CONTROL_CHARACTERS.search(value):
            return _(
                "An entry contains invisible control characters (often pasted from another program); "
                "remove them and try again. Nothing was saved."
            )
    return None


def pause_inside_transactions(pauses: dict[str, float], marker: str | None = None) -> None:
    """Tests only: after the statement that writes an audit event whose action is in `pauses`, wait that many
    seconds inside the still-open transaction, so that a test can kill the server in the middle of it."""
    from .models import AuditEvent

    events = AuditEvent.__table__

    @sa.event.listens_for(sa.Engine, "after_execute")
    def _pause(_connection, statement, multiparams, params, _options, _result):
        if not (isinstance(statement, sa.Insert) and statement.table is events):
            return
        for row in [*multiparams, params]:  # the events are written as Core rows (services/compliance/audit)
            action = (row or {}).get("action")
            if action in pauses:
                if marker:  # tells the test that the transaction is open and written
                    Path(marker).write_text(action)
                time.sleep(pauses[action])


def init_app(app: Flask) -> None:
    """Install the refusals; called before the blueprints add their URL rules (the `int` converter)."""
    app.request_class = LimitedRequest
    app.url_map.converters["int"] = DatabaseId
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    if app.config.get("CRASH_TEST_PAUSE"):  # off by default; see pause_inside_transactions
        pause_inside_transactions(app.config["CRASH_TEST_PAUSE"], app.config.get("CRASH_TEST_MARKER"))
    hops = int(app.config["PROXY_FIX_HOPS"] or 0)
    if hops:
        # Behind the gateway: trust its X-Forwarded-For/-Proto/-Host, so that addresses in the audit log
        # and the rate limit are the users', and links and secure cookies say https.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    app.before_request(_refuse_hostile_input)


def _refuse(problem: str, code: int):
    if request.accept_mimetypes.best == "application/json" or request.path.endswith("/autosave"):
        return {"status": "refused", "message": problem}, code
    return render_template("error.html", code=code, title=problem), code


def _too_large(_error):
    return _refuse(_("The request is too large (too much data or too many fields); nothing was saved."), 413)


def _refuse_hostile_input():
    if request.method not in WRITE_METHODS:
        return None
    values = [v for _key, v in request.form.items(multi=True)]
    values += [f.filename or "" for _key, f in request.files.items(multi=True)]
    view = current_app.view_functions.get(request.endpoint) if request.url_rule is not None else None
    problem = input_problem(values, check_length=not getattr(view, "checks_lengths", False))
    return None if problem is None else _refuse(problem, 400)
