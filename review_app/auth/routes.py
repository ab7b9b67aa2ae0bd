"""Login, logout and password change."""

import time

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from ..access import current_actor
from ..db import get_session
from ..extensions import limiter
from ..hardening import local_target
from ..models import User
from ..services.accounts import identity, users
from ..services.platform.localtime import local_time
from ..services.review import activation
from ..web import attempt
from .forms import ActivateForm, ActivationCodeForm, ChangePasswordForm, LoginForm, SecondFactorForm

bp = Blueprint("auth", __name__, url_prefix="/auth", template_folder="templates")


def _account_key() -> str:
    """Attempts are counted per account and address: a whole office behind one NAT address can log in,
    while guessing one account's password is slowed down."""
    return f"{get_remote_address()}|{request.form.get('username', '').strip().lower()[:64]}"


def _pending_account_key() -> str:
    """Second-factor codes are counted per account whatever the address (a code has only a million values)."""
    return f"second-factor|{(session.get('pending_2fa') or {}).get('id')}"


def _user_key() -> str:
    """Password changes are counted per logged-in account."""
    return f"password-change|{getattr(current_user, 'id', None)}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_account_key, methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"], methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        db = get_session()
        user = users.check_password(db, username=form.username.data, password=form.password.data)
        if user is None:
            # One answer for an unknown name, a wrong password and a locked account: names cannot be told apart.
            flash(_("Wrong username or password. After repeated failures an account is locked for a while; "
                    "ask the centre if it stays locked."), "error")
        elif identity.second_factor_required(user):
            session["pending_2fa"] = {"id": user.id, "nonce": user.session_nonce, "at": time.time()}
            return redirect(url_for("auth.second_factor", next=local_target(request.args.get("next"))))
        else:
            return _finish_login(user)
    return render_template("auth/login.html", form=form)


PENDING_SECONDS = 300


def _pending_user():
    """The account whose password was right and whose second factor is awaited (for 5 minutes)."""
    pending = session.get("pending_2fa")
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = get_session().get(User, pending["id"])
    if user is None or not user.is_active or user.session_nonce != pending.get("nonce"):
        return None
    return user


@bp.route("/second-factor", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_pending_account_key, methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def second_factor():
    """After the password: the authenticator code (or a recovery code); on the first login, enrolment."""
    user = _pending_user()
    if user is None:
        session.pop("pending_2fa", None)
        flash(_("Please log in again."), "warning")
        return redirect(url_for("auth.login"))
    db = get_session()
    form = SecondFactorForm()
    if not user.totp_secret:
        secret = identity.enrolment_secret(user, session["pending_2fa"]["at"])
        if form.validate_on_submit():
            codes = identity.enrol(db, user=user, secret=secret, code=form.code.data)
            db.commit()
            if codes is not None:
                response = _finish_login(user)
                return render_template("auth/recovery_codes.html", codes=codes, target=response.location)
            flash(_("The code is not right. Check the time on your phone and try again."), "error")
        uri = identity.provisioning_uri(user, secret)
        return render_template("auth/enrol.html", form=form, qr=identity.qr_svg(uri), secret=secret, uri=uri)
    if form.validate_on_submit():
        ok = identity.check_second_factor(db, user=user, code=form.code.data)
        db.commit()
        if ok:
            return _finish_login(user)
        if identity.locked(user):
            session.pop("pending_2fa", None)
            flash(_("This account is locked after repeated failed logins. Try again later or ask the centre "
                    "to unlock it."), "error")
            return redirect(url_for("auth.login"))
        flash(_("The code is not right."), "error")
    return render_template("auth/second_factor.html", form=form)


def _finish_login(user: User):
    """Log the user in, start the session clocks, say when and where they last logged in."""
    language = session.get("lang")
    session.clear()  # a new session: nothing of the anonymous one survives, its CSRF token included
    g.pop("csrf_token", None)  # Flask-WTF's copy of the old token for this request
    if language:
        session["lang"] = language
    previous_at, previous_ip = users.complete_login(get_session(), user=user)
    login_user(user)
    session["login_at"] = session["seen_at"] = time.time()
    if previous_at is not None:
        flash(
            _("Your previous login: %(at)s from %(ip)s.", at=local_time(previous_at),
              ip=previous_ip or "-"),
            "info",
        )
    else:
        flash(_("This is your first login."), "info")
    if user.must_change_password:
        flash(_("Please choose a new password before you go on."), "warning")
        return redirect(url_for("auth.change_password"))
    return redirect(local_target(request.args.get("next")) or url_for("index"))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # CSRFProtect has already checked the token of this POST.
    users.logout(get_session(), user=current_actor())
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_user_key, methods=["POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_actor()
        if attempt(
            lambda s: users.change_password(
                s, user=user, old_password=form.old_password.data, new_password=form.new_password.data
            )
        ):
            login_user(user)  # the new nonce signed out every other session, not this one
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("index"))
    return render_template("auth/change_password.html", form=form, policy=users.password_policy())


@bp.route("/activate", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"], methods=["POST"])
def activate():
    """An expert sets their password with the one-time link from the centre (no login needed).

    The link is /auth/activate#TOKEN: browsers never send what follows "#", so the token stays out of
    every access log; the page's script posts it (or the expert pastes it), then the password form
    carries it as a hidden field of its POST."""
    if request.method == "GET":
        return render_template("auth/activate_start.html", form=ActivationCodeForm(formdata=None))
    start = ActivationCodeForm()
    if not start.validate_on_submit():
        return render_template("auth/activate_start.html", form=start), 400
    token = start.token.data.strip()
    user = activation.activation_user(get_session(), token=token)
    if user is None:
        return render_template("auth/activate_invalid.html"), 404
    form = ActivateForm()
    if "new_password" in request.form and form.validate_on_submit():
        if attempt(lambda s: activation.activate(s, token=token, password=form.new_password.data)):
            logout_user()
            flash(_("Your password is set. Please log in with your username %(name)s.", name=user.username), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/activate.html", form=form, user=user, policy=users.password_policy())
