"""The notification centre of every account: the user's own messages and marking them read; the unread
count in the top bar (a context processor of the whole app)."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import current_actor, guard
from ..db import get_session
from ..models import Role
from ..services import due
from ..services.platform import inbox
from ..web import attempt

bp = Blueprint("notifications", __name__, url_prefix="/notifications", template_folder="templates")
guard(bp, roles=set(Role))


@bp.before_app_request
def _due_notifications():
    """The web process sends the due reminders itself, at most every NOTIFY_DUE_MINUTES (not under tests)."""
    app = current_app._get_current_object()
    if not app.testing:
        due.tick(app)


@bp.app_context_processor
def _unread():
    """The top bar's count of unread messages (for a logged-in user)."""
    if not current_user.is_authenticated:
        return {}
    return {"unread_notifications": inbox.unread_count(get_session(), user_id=current_user.id)}


@bp.route("/")
def inbox_page():
    messages = inbox.inbox(get_session(), user_id=current_user.id)
    return render_template("notifications/inbox.html", messages=messages)


@bp.route("/read", methods=["POST"])
def mark_read():
    done = attempt(lambda s: inbox.mark_read(s, user=current_actor()))
    if done and done.value:
        flash(_("%(n)d message(s) marked as read.", n=done.value), "success")
    return redirect(url_for("notifications.inbox_page"))
