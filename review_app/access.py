"""The one access guard every view goes through: who may see a blueprint, and who may change things.

A blueprint declares its audience once (`guard(bp, roles=..., readers=...)`); the check runs before
every one of its views, so a new route cannot forget it. `readers` may only read (GET/HEAD): that is
how the auditor sees everything and changes nothing. Ownership (a city's own applications, an
expert's own sheets) is checked by the services that load the object, through `require_owner`.
`current_actor()` names the logged-in user for the services' `by=`.
"""

from collections.abc import Iterable

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

from .models import Role, User

READ_METHODS = frozenset({"GET", "HEAD"})


def check_access(roles: Iterable[Role], readers: Iterable[Role] = ()):
    """None when the current user may go on, else the response that refuses them."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path))
    if current_user.role in roles:
        return None
    if current_user.role in readers and request.method in READ_METHODS:
        return None
    abort(403)


def guard(bp: Blueprint, *, roles: Iterable[Role], readers: Iterable[Role] = ()) -> None:
    """Allow the blueprint's views to `roles`, and read-only to `readers`."""
    roles, readers = frozenset(roles), frozenset(readers)
    bp.before_request(lambda: check_access(roles, readers))


def require_owner(allowed: bool) -> None:
    """Refuse with 404 (not 403, so ids of other cities' objects reveal nothing) unless `allowed`."""
    if not allowed:
        abort(404)


def current_actor() -> User:
    """The logged-in user as the row itself (not Flask-Login's proxy): the `by=` of every service call."""
    return current_user._get_current_object()
