"""Accounts (等保): who can log in, when they last did and from where, locks after failed logins
(unlocked here) and the second factor (reset here when a phone is lost). Registered on admin.blueprint.bp."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..access import current_actor, require_owner
from ..db import get_session
from ..models import Role, User
from ..services.accounts import identity
from ..services.compliance import privacy
from ..web import page_number
from .blueprint import bp


@bp.route("/accounts")
def accounts():
    text = request.args.get("q", "").strip()[:64]
    role = request.args.get("role", "")
    role = Role(role) if role in set(Role) else None
    users = identity.account_list(get_session(), text=text, role=role, number=page_number())
    return render_template("admin/accounts.html", users=users, text=text, role=role)


def _user(user_id: int) -> User:
    user = get_session().get(User, user_id)
    require_owner(user is not None)
    return user


@bp.route("/accounts/<int:user_id>/unlock", methods=["POST"])
def unlock_account(user_id: int):
    session = get_session()
    user = _user(user_id)
    identity.unlock(session, user=user, by=current_actor())
    session.commit()
    flash(_("%(name)s is unlocked.", name=user.username), "success")
    return redirect(url_for("admin.accounts"))


@bp.route("/accounts/<int:user_id>/reset-second-factor", methods=["POST"])
def reset_second_factor(user_id: int):
    session = get_session()
    user = _user(user_id)
    identity.reset_second_factor(session, user=user, by=current_actor())
    session.commit()
    flash(_("%(name)s sets up the second factor again at the next login.", name=user.username), "success")
    return redirect(url_for("admin.accounts"))


# Console pages that show who the experts are (names, employers, scores by name): each view by a
# non-expert is audited (等保, 个人信息保护法). The pool and an expert's page record their own views.
IDENTITY_VIEWS = frozenset(
    {
        "admin.assignment",
        "admin.assignment_preview",
        "admin.round_progress",
        "admin.round_sheets",
        "admin.reopen_sheet",
        "admin.results_page",
        "admin.results_application",
        "admin.conflicts",
        "admin.application_conflicts",
    }
)


@bp.after_request
def _audit_identity_views(response):
    if request.method == "GET" and response.status_code == 200 and request.endpoint in IDENTITY_VIEWS:
        session = get_session()
        privacy.record_identity_view(
            session, by=current_actor(), what=request.endpoint, context=request.view_args or {}
        )
        session.commit()
    return response
