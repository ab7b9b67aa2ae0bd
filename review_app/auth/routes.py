"""Login, logout and password change."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from ..db import get_session
from ..extensions import limiter
from ..services import accounts
from .forms import ActivateForm, ChangePasswordForm, LoginForm

bp = Blueprint("auth", __name__, url_prefix="/auth", template_folder="templates")


def _account_key() -> str:
    """Attempts are counted per account and address: a whole office behind one NAT address can log in,
    while guessing one account's password is slowed down."""
    return f"{get_remote_address()}|{request.form.get('username', '').strip().lower()[:64]}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_account_key, methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"], methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(get_session(), username=form.username.data, password=form.password.data)
        if user is None:
            flash(_("Wrong username or password."), "error")
        else:
            login_user(user)
            if user.must_change_password:
                flash(_("Please choose a new password before you go on."), "warning")
                return redirect(url_for("auth.change_password"))
            return redirect(_local_target(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # CSRFProtect has already checked the token of this POST.
    accounts.logout(get_session(), user=current_user._get_current_object())
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            accounts.change_password(
                get_session(), user=user, old_password=form.old_password.data, new_password=form.new_password.data
            )
        except accounts.AccountError as error:
            flash(str(error), "error")
        else:
            login_user(user)  # the new nonce signed out every other session, not this one
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/activate/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def activate(token: str):
    """An expert sets their password with the one-time link from the centre (no login needed)."""
    from ..services import pool

    session = get_session()
    user = pool.activation_user(session, token=token)
    if user is None:
        return render_template("auth/activate_invalid.html"), 404
    form = ActivateForm()
    if form.validate_on_submit():
        try:
            pool.activate(session, token=token, password=form.new_password.data)
        except accounts.AccountError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            logout_user()
            flash(_("Your password is set. Please log in with your username %(name)s.", name=user.username), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/activate.html", form=form, user=user)


def _local_target(target: str | None) -> str:
    """Follow `next` only within this site."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("index")
