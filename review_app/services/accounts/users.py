"""User accounts: creation, login, logout and password changes."""

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import City, Expert, Role, User
from ...models._base import utcnow
from ..compliance import audit
from ..errors import ServiceError
from ..platform import passwords
from ..platform.notify import EMAIL_PATTERN, PHONE_PATTERN
from . import identity

MIN_PASSWORD_LENGTH = 8


class AccountError(ServiceError):
    """A request about an account that cannot be honoured; the message is shown to the user."""


def password_problem(password: str, *, username: str = "", current_hash: str | None = None) -> str | None:
    """Why a new password is not acceptable, or None: at least 8 characters from at least three of the four
    kinds (lower case, upper case, digits, other characters), as 等保 level 3 asks of password complexity;
    not one of the 10,000 most common passwords; not containing the user name; not the current password
    (`current_hash`, at a change, also the forced first one).

    >>> password_problem("Jiangsu2026") is None, password_problem("jiangsu2026") is None
    (True, False)
    """
    kinds = (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    used = sum(any(kind(c) for c in password) for kind in kinds)
    if len(password) < MIN_PASSWORD_LENGTH or used < 3:
        return _(
            "A password needs at least %(n)d characters and three of: lower-case letters, upper-case letters, "
            "digits, other characters.",
            n=MIN_PASSWORD_LENGTH,
        )
    if passwords.is_common(password):
        return _("This password is one of the most common passwords and is guessed first; choose another.")
    if len(username) >= 3 and username.strip().lower() in password.lower():
        return _("The password must not contain the user name.")
    if current_hash and passwords.verify(current_hash, password):
        return _("The new password must differ from the current one.")
    return None


def password_policy() -> str:
    """The rules of `password_problem` in one sentence, for the pages where a password is chosen."""
    return _(
        "At least %(n)d characters, with three of: lower-case letters, upper-case letters, digits, other "
        "characters; not one of the most common passwords, and not containing your user name.",
        n=MIN_PASSWORD_LENGTH,
    )


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    city_name: str | None = None,
    expert_code: str | None = None,
    display_name: str = "",
    email: str | None = None,
    phone: str | None = None,
    by: User | None = None,
) -> User:
    """Create an account. A city account names its city, an expert account its expert record; the e-mail
    address and mobile number are where notifications go besides the app."""
    if session.exec(select(User).where(User.username == username)).first():
        raise AccountError(_("User %(name)s already exists.", name=username))
    _check_contact(email, phone)
    problem = password_problem(password, username=username)
    if problem:
        raise AccountError(problem)
    user = User(username=username, role=role, display_name=display_name or username, email=email or None,
                phone=phone or None)
    if role == Role.CITY:
        city = session.exec(select(City).where(City.name == city_name)).first() if city_name else None
        if city is None:
            raise AccountError(_("A city account needs one of the 13 cities, not %(city)s.", city=city_name or "-"))
        user.city_id = city.id
    elif city_name:
        raise AccountError(_("Only city accounts are bound to a city."))
    if role == Role.EXPERT:
        expert = session.exec(select(Expert).where(Expert.code == expert_code)).first() if expert_code else None
        if expert is None:
            raise AccountError(_("An expert account needs a known expert code, not %(code)s.", code=expert_code or "-"))
        user.expert_id = expert.id
        user.display_name = display_name or expert.name
    elif expert_code:
        raise AccountError(_("Only expert accounts are bound to an expert record."))
    user.password_hash = passwords.hash_password(password)
    session.add(user)
    session.flush()
    audit.record(session, action="user.create", by=by, target=user, details={"username": username, "role": role})
    return user


def set_contact(session: Session, *, user: User, email: str | None, phone: str | None, by: User | None = None) -> None:
    """Change where an account's notifications are mailed and texted (None keeps the value, "" clears it)."""
    _check_contact(email, phone)
    before = {"email": user.email, "phone": user.phone}
    if email is not None:
        user.email = email or None
    if phone is not None:
        user.phone = phone or None
    session.add(user)
    audit.record(session, action="user.contact", by=by, target=user,
                 details={"before": before, "after": {"email": user.email, "phone": user.phone}})


def _check_contact(email: str | None, phone: str | None) -> None:
    if email and not EMAIL_PATTERN.fullmatch(email):
        raise AccountError(_("%(value)s is not an e-mail address", value=email))
    if phone and not PHONE_PATTERN.fullmatch(phone):
        raise AccountError(_("%(value)s is not a phone number", value=phone))


def find_user(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def check_password(session: Session, *, username: str, password: str) -> User | None:
    """The user if the password is right, the account active and not locked; failures are audited and
    counted toward the lockout (services.identity)."""
    user = session.exec(select(User).where(User.username == username)).first()
    matches = passwords.verify(user.password_hash if user is not None else None, password)
    if user is not None and identity.locked(user):
        # Checked after the hash, so that a locked account answers as slowly as any other.
        audit.record(session, action="login.locked", by=user, target=user, details={"username": username[:64]})
        session.commit()
        return None
    ok = matches and user.is_active
    if not ok:
        audit.record(session, action="login.failed", by=user, actor=username[:64], details={"username": username[:64]})
        if user is not None:
            identity.register_failure(session, user)
        session.commit()
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        audit.record(session, action="user.password_rehash", by=user, target=user)
        session.commit()
    return user


def complete_login(session: Session, *, user: User) -> tuple[datetime | None, str | None]:
    """Record a successful login (after the second factor where one is needed); returns the time and
    address of the previous login, to be shown to the user."""
    previous = (user.last_login_at, user.last_login_ip)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    user.last_login_ip = audit.client_address.get()
    audit.record(session, action="login", by=user)
    session.commit()
    return previous


def authenticate(session: Session, *, username: str, password: str) -> User | None:
    """Password check and login in one step (accounts without a second factor)."""
    user = check_password(session, username=username, password=password)
    if user is not None:
        complete_login(session, user=user)
    return user


def logout(session: Session, *, user: User) -> None:
    """End every session of the user: the new nonce makes old session cookies worthless."""
    user.session_nonce = secrets.token_hex(8)
    audit.record(session, action="logout", by=user, target=user)
    session.commit()


def change_password(session: Session, *, user: User, old_password: str, new_password: str) -> None:
    """Replace the password (the current one proves it is the user). A wrong current password is audited
    and counts toward the lockout like a failed login, and is committed before the refusal: whoever holds
    a session cannot guess the password through this form. The lock also ends every session of the user."""
    from . import identity

    if identity.locked(user):
        raise AccountError(_("This account is locked after repeated failed attempts. Ask the centre to unlock it."))
    if not passwords.verify(user.password_hash, old_password):
        audit.record(session, action="password_change.failed", by=user, target=user)
        identity.register_failure(session, user)
        if identity.locked(user):
            user.session_nonce = secrets.token_hex(8)
        session.commit()
        raise AccountError(_("The current password is wrong."))
    problem = password_problem(new_password, username=user.username, current_hash=user.password_hash)
    if problem:
        raise AccountError(problem)
    user.password_hash = passwords.hash_password(new_password)
    user.must_change_password = False
    user.session_nonce = secrets.token_hex(8)
    audit.record(session, action="user.password_change", by=user, target=user)
    session.commit()


_USER = select(User).where(User.id == sa.bindparam("user_id"))  # built once: every request loads its user


def load_user(session: Session, user_id: str) -> User | None:
    """Flask-Login's loader: `user_id` is "id:nonce"; a stale nonce means signed out."""
    ident, _, nonce = user_id.partition(":")
    if not ident.isdigit():
        return None
    user = session.exec(_USER, params={"user_id": int(ident)}).first()
    if user is None or not user.is_active or not secrets.compare_digest(user.session_nonce, nonce):
        return None
    return user
