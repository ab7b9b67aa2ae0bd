"""The one access guard every view goes through: who may see a blueprint, and who may change things.

A blueprint declares its audience once (`guard(bp, roles=..., readers=...)`); the check runs before
every one of its views, so a new route cannot forget it. `readers` may only read (GET/HEAD): that is
how the auditor sees everything and changes nothing. Ownership (a city's own applications, an
expert's own sheets) is checked by the services that load the object, through `require_owner`.
`current_actor()` names the logged-in user for the services' `by=`.
Every refusal of a logged-in user is written to the audit log (`record_refusal`; coalesced per user and
path per minute, see services/compliance/refusals.py).
"""

from collections.abc import Iterable

from flask import Blueprint, abort, current_app, g, redirect, request, url_for
from flask_login import current_user

from .db import get_session
from .models import Role, User
from .services.compliance import refusals

READ_METHODS = frozenset({"GET", "HEAD"})


def check_access(roles: Iterable[Role], readers: Iterable[Role] = ()):
    """None when the current user may go on, else the response that refuses them."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path))
    g.read_only = False  # set on every request: `g` may outlive one (an app context shared by tests)
    if current_user.role in roles:
        return None
    if current_user.role in readers and request.method in READ_METHODS:
        g.read_only = True  # the pages show what they hold and offer nothing that would be refused
        return None
    abort(403)


def guard(bp: Blueprint, *, roles: Iterable[Role], readers: Iterable[Role] = ()) -> None:
    """Allow the blueprint's views to `roles`, and read-only to `readers`."""
    roles, readers = frozenset(roles), frozenset(readers)
    bp.before_request(lambda: check_access(roles, readers))
    bp.context_processor(lambda: {"read_only": g.get("read_only", False)})


def require_owner(allowed: bool) -> None:
    """Refuse with 404 (not 403, so ids of other cities' objects reveal nothing) unless `allowed`."""
    if not allowed:
        record_refusal(404)
        abort(404)


def current_actor() -> User:
    """The logged-in user as the row itself (not Flask-Login's proxy): the `by=` of every service call."""
    return current_user._get_current_object()


def record_refusal(status: int) -> None:
    """Write the refusal of the current request to the audit log, rolling back whatever the request had
    begun (a refused request stores nothing else). Anonymous visitors are sent to the login page instead."""
    if not current_user.is_authenticated:
        return
    session = get_session()
    session.rollback()
    event = refusals.record(session, by=current_actor(), method=request.method,
                            path=request.path, endpoint=request.endpoint, status=status,
                            url_values=request.view_args)
    session.commit()
    if event is None:
        current_app.logger.warning("refused %s %s (%s) for %s: not audited again this minute", request.method,
                                   request.path, status, current_user.username)
