"""等保 level-3 identity controls: the second factor (TOTP with one-time recovery codes), lockout after
repeated failures, and the session limits (idle timeout, absolute lifetime).

Settings (review_app.config.Defaults): TOTP_REQUIRED_ROLES, LOCKOUT_THRESHOLD, LOCKOUT_MINUTES,
IDLE_TIMEOUT, ABSOLUTE_SESSION_LIFETIME. Every state change here is audited.
"""

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup
from sqlmodel import Session, select

from ...models import Role, User, UserToken
from ...models._base import utcnow
from ..compliance import audit
from ..platform import paging, sealing

ISSUER = "江苏省创新联合体评审"
RECOVERY_PURPOSE = "recovery"
RECOVERY_CODES = 10


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


# --- lockout -------------------------------------------------------------------------------------


def locked(user: User, now: datetime | None = None) -> bool:
    until = _aware(user.locked_until)
    return until is not None and until > (now or utcnow())


def register_failure(session: Session, user: User) -> None:
    """Count one failed attempt (password or second factor); lock the account at the threshold."""
    user.failed_logins += 1
    threshold = current_app.config.get("LOCKOUT_THRESHOLD", 5)
    if threshold and user.failed_logins >= threshold and not locked(user):
        minutes = current_app.config.get("LOCKOUT_MINUTES", 15)
        user.locked_until = utcnow() + timedelta(minutes=minutes)
        audit.record(
            session, action="user.lock", by=None, actor="system", target=user,
            details={"username": user.username, "failures": user.failed_logins, "minutes": minutes},
        )


def unlock(session: Session, *, user: User, by: User | None) -> None:
    """An admin lifts a lockout (it also ends by itself after LOCKOUT_MINUTES)."""
    user.locked_until = None
    user.failed_logins = 0
    audit.record(session, action="user.unlock", by=by, target=user, details={"username": user.username})


def locked_users(session: Session) -> list[User]:
    now = utcnow()
    return [u for u in session.exec(select(User).where(User.locked_until.is_not(None)).order_by(User.username))
            if locked(u, now)]


# --- second factor -------------------------------------------------------------------------------


def second_factor_required(user: User) -> bool:
    """Admins and auditors (TOTP_REQUIRED_ROLES) must use it; anyone who has enrolled uses it."""
    return bool(user.totp_secret) or user.role in tuple(current_app.config.get("TOTP_REQUIRED_ROLES", ()))


def enrolment_secret(user: User, started_at: float) -> str:
    """The TOTP secret offered while `user` enrols, derived from the app's key, the account and the moment
    the password was checked: the page shows it, but the session cookie (signed, not encrypted) never
    carries it. A new login derives a new one; a logout (new nonce) voids it."""
    message = f"totp-enrolment:{user.id}:{user.session_nonce}:{started_at!r}".encode()
    digest = hmac.new(current_app.secret_key.encode(), message, hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode()  # 160 bits, as RFC 4226 recommends


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(uri: str) -> Markup:
    """The enrolment QR code as an inline SVG element (drawn here: no outside service, no inline style)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return Markup(svg)


def _token_hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").replace(" ", "").lower().encode()).hexdigest()


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    for old in session.exec(
        select(UserToken).where(UserToken.user_id == user.id, UserToken.purpose == RECOVERY_PURPOSE)
    ):
        session.delete(old)
    session.flush()
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(UserToken(user_id=user.id, purpose=RECOVERY_PURPOSE, token_hash=_token_hash(raw),
                              expires_at=utcnow() + timedelta(days=3650)))
    return codes


def enrol(session: Session, *, user: User, secret: str, code: str) -> list[str] | None:
    """Bind `secret` to the account when `code` is right; returns the new one-time recovery codes."""
    if not _fresh_totp(session, user, secret, code.strip()):
        audit.record(session, action="totp.enrol_failed", by=user, target=user)
        return None
    user.totp_secret = sealing.seal(current_app.secret_key, secret)
    codes = _new_recovery_codes(session, user)
    audit.record(session, action="totp.enrol", by=user, target=user)
    return codes


STEP_PURPOSE = "totp-step"


def _fresh_totp(session: Session, user: User, secret: str, code: str) -> bool:
    """A code of the previous, current or next 30-second step (clock skew), each step usable once: a code
    seen over someone's shoulder or replayed from a log cannot be used again.

    The step is claimed by inserting its marker (unique) on a connection of its own, committed at once:
    of two sessions sending the same code at the same moment exactly one wins, the other is refused."""
    totp = pyotp.TOTP(secret)
    now = utcnow()
    for offset in (0, -1, 1):
        moment = now + timedelta(seconds=offset * totp.interval)
        if secrets.compare_digest(totp.at(moment), code):
            step = totp.timecode(moment)
            marker = hashlib.sha256(f"{user.id}:{secret}:{step}".encode()).hexdigest()
            claim = sa.insert(UserToken).values(user_id=user.id, purpose=STEP_PURPOSE, token_hash=marker,
                                                expires_at=now + timedelta(minutes=3), used_at=now, created_at=now)
            try:
                with session.get_bind().begin() as connection:
                    connection.execute(claim)
            except sa.exc.IntegrityError:
                return False
            return True
    return False


def _totp_secret(user: User) -> str | None:
    """The account's TOTP secret in clear (stored sealed); None when not enrolled or unreadable (the
    SECRET_KEY changed: the centre resets the second factor)."""
    if not user.totp_secret:
        return None
    try:
        return sealing.unseal(current_app.secret_key, user.totp_secret)
    except sealing.Unreadable:
        return None


def remaining_recovery_codes(session: Session, user: User) -> int:
    return len(session.exec(select(UserToken).where(
        UserToken.user_id == user.id, UserToken.purpose == RECOVERY_PURPOSE, UserToken.used_at.is_(None))).all())


def check_second_factor(session: Session, *, user: User, code: str) -> bool:
    """A current TOTP code, or an unused recovery code (then used up). Failures count toward lockout."""
    code = code.strip()
    if locked(user):
        audit.record(session, action="login.locked", by=user, target=user)
        return False
    secret = _totp_secret(user)
    if secret and code.isdigit() and _fresh_totp(session, user, secret, code):
        return True
    token = session.exec(select(UserToken).where(
        UserToken.user_id == user.id, UserToken.purpose == RECOVERY_PURPOSE,
        UserToken.token_hash == _token_hash(code), UserToken.used_at.is_(None))).first()
    if token is not None:
        token.used_at = utcnow()
        audit.record(session, action="login.recovery_code", by=user, target=user)
        return True
    audit.record(session, action="login.second_factor_failed", by=user, target=user)
    register_failure(session, user)
    return False


def reset_second_factor(session: Session, *, user: User, by: User | None) -> None:
    """An admin removes a lost authenticator: the user enrols again at the next login."""
    user.totp_secret = None
    user.session_nonce = secrets.token_hex(8)  # whoever holds a session with the lost device is signed out
    for token in session.exec(select(UserToken).where(UserToken.user_id == user.id,
                                                      UserToken.purpose == RECOVERY_PURPOSE)):
        session.delete(token)
    audit.record(session, action="totp.reset", by=by, target=user, details={"username": user.username})


# --- session limits ------------------------------------------------------------------------------


def session_expired(login_at: float | None, seen_at: float | None, now: float) -> str | None:
    """"idle" or "lifetime" when a logged-in browser session must end, else None (times in epoch seconds)."""
    config = current_app.config
    idle = config.get("IDLE_TIMEOUT")
    lifetime = config.get("ABSOLUTE_SESSION_LIFETIME")
    if idle and seen_at is not None and now - seen_at > idle.total_seconds():
        return "idle"
    if lifetime and login_at is not None and now - login_at > lifetime.total_seconds():
        return "lifetime"
    return None


# --- the accounts page ---------------------------------------------------------------------------


class AccountRow:
    def __init__(self, user: User, now: datetime):
        self.user = user
        self.locked = locked(user, now)


ACCOUNTS_PAGE_SIZE = 100


def account_list(session: Session, *, text: str = "", role: Role | None = None, number: int = 1) -> paging.Page:
    """Page `number` of the accounts (AccountRow items) by role and user name; `text` matches the user
    name or the display name, `role` keeps one role."""
    query = select(User).order_by(User.role, User.username)
    if text:
        query = query.where(sa.or_(User.username.like(f"%{text}%"), User.display_name.like(f"%{text}%")))
    if role is not None:
        query = query.where(User.role == role)
    now = utcnow()
    found = paging.paginate(session, query, number=number, size=ACCOUNTS_PAGE_SIZE)
    return found.map(lambda users: [AccountRow(u, now) for u in users])
