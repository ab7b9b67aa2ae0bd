"""Expert accounts with one-time activation links: the centre issues a link (only its hash is stored,
valid for ACTIVATION_LINK_DAYS), mailed when SMTP is set; the expert chooses a password with it once."""

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Expert, Role, User, UserToken
from ...models._base import utcnow
from ..accounts.users import AccountError, password_problem
from ..compliance import audit
from ..errors import ServiceError
from ..platform import notify, passwords
from ..platform.localtime import local_time

ACTIVATION = "activation"  # the purpose of the links' UserToken rows
ACTIVATION_DAYS = 7


class ActivationError(ServiceError):
    """A link that cannot be issued; the message says why, in the user's language."""


@dataclass(frozen=True)
class Activation:
    expert: Expert
    user: User
    link: str
    expires_at: datetime
    mailed: bool


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def activation_days() -> int:
    return (
        int(current_app.config.get("ACTIVATION_LINK_DAYS", ACTIVATION_DAYS)) if has_app_context() else ACTIVATION_DAYS
    )


def issue_activation(session: Session, *, expert: Expert, by: User, link_for: Callable[[str], str]) -> Activation:
    """Create the expert's account if needed and a new one-time link with which they set their
    password; earlier unused links stop working. Only the token's hash is stored; the link is
    returned (to show or export) and mailed when SMTP is configured."""
    if not expert.is_active:
        raise ActivationError(_("%(code)s is inactive; activate the expert first.", code=expert.code))
    user = session.exec(select(User).where(User.expert_id == expert.id)).first()
    if user is not None and user.password_hash is not None:
        raise ActivationError(
            _("%(code)s has already activated the account; a link would reset its password and is not issued.",
              code=expert.code)
        )
    return _issue(session, [(expert, user)], by=by, link_for=link_for)[0]


def _issue(
    session: Session, pairs: list[tuple[Expert, User | None]], *, by: User, link_for: Callable[[str], str]
) -> list[Activation]:
    """New links for experts whose account (None: not created yet) has no password, a few statements for
    all of them: the missing accounts, the earlier links ended, the new ones, their messages, the audit."""
    missing = [expert for expert, user in pairs if user is None]
    for chunk in _chunks([expert.code.lower() for expert in missing]):
        taken = session.exec(select(User.username).where(User.username.in_(chunk))).first()
        if taken:
            raise ActivationError(_("The username %(name)s is taken by another account.", name=taken))
    created = {
        expert.id: User(username=expert.code.lower(), role=Role.EXPERT, display_name=expert.name, expert_id=expert.id)
        for expert in missing
    }
    session.add_all(created.values())
    session.flush()
    audit.record_many(session, [
        {"action": "user.create", "by": by, "target": user,
         "details": {"username": user.username, "role": Role.EXPERT, "expert": expert.code}}
        for expert, user in ((e, created[e.id]) for e in missing)
    ])
    pairs = [(expert, user or created[expert.id]) for expert, user in pairs]
    now = utcnow()
    for chunk in _chunks([user.id for _expert, user in pairs]):
        session.execute(
            sa.update(UserToken)
            .where(UserToken.user_id.in_(chunk), UserToken.purpose == ACTIVATION, UserToken.used_at.is_(None),
                   UserToken.expires_at > now)
            .values(expires_at=now)
            .execution_options(synchronize_session="fetch")
        )
    expires_at = now + timedelta(days=activation_days())
    tokens = [secrets.token_urlsafe(32) for _pair in pairs]
    session.add_all(UserToken(user_id=user.id, purpose=ACTIVATION, token_hash=_hash(token), expires_at=expires_at)
                    for (_expert, user), token in zip(pairs, tokens, strict=True))
    links = [link_for(token) for token in tokens]
    subject = _("Your account for the Jiangsu innovation consortium review")
    sent = notify.post_many(session, [
        notify.Outgoing(
            notify.recipient(session, user=user, email=expert.email),
            kind=ACTIVATION,
            subject=subject,
            body=_activation_body(expert, user, link, expires_at),
            stored_body=_activation_body(expert, user, _("(the link is not stored)"), expires_at),
        )
        for (expert, user), link in zip(pairs, links, strict=True)
    ])
    audit.record_many(session, [
        {"action": "user.activation_link", "by": by, "target": user,
         "details": {"expert": expert.code, "expires_at": expires_at.isoformat(), "mailed": bool(s.message.sent_at)}}
        for (expert, user), s in zip(pairs, sent, strict=True)
    ])
    return [
        Activation(expert, user, link, expires_at, mailed=s.message.sent_at is not None)
        for (expert, user), link, s in zip(pairs, links, sent, strict=True)
    ]


def _chunks(values: list, size: int = 500) -> list[list]:
    """`values` in lists of `size`: an IN list stays well within the databases' parameter limits."""
    return [values[start : start + size] for start in range(0, len(values), size)]


def _activation_body(expert: Expert, user: User, link: str, expires_at: datetime) -> str:
    return _(
        "Dear %(name)s, an account has been prepared for you in the review system (username %(username)s). "
        "Open this link to set your password: %(link)s . The link works once and expires at %(when)s.",
        name=expert.name,
        username=user.username,
        link=link,
        when=local_time(expires_at),
    )


def issue_missing_activations(session: Session, *, by: User, link_for: Callable[[str], str]) -> list[Activation]:
    """A new link for every active expert whose account is not activated yet (to export as a table), in
    one pass for all of them (3,000 experts: a few seconds, not a minute)."""
    pairs = session.execute(
        select(Expert, User)
        .join(User, User.expert_id == Expert.id, isouter=True)
        .where(Expert.is_active, User.password_hash.is_(None))
        .order_by(Expert.code)
    ).all()
    return _issue(session, [(expert, user) for expert, user in pairs], by=by, link_for=link_for)


def _valid_token(session: Session, token: str) -> UserToken | None:
    if not token or len(token) > 128:
        return None
    row = session.exec(
        select(UserToken).where(UserToken.token_hash == _hash(token), UserToken.purpose == ACTIVATION)
    ).first()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return row


def activation_user(session: Session, *, token: str) -> User | None:
    """The account a still valid link is for, else None (also once the account has a password: a link
    activates an account, it never resets an active one's password)."""
    row = _valid_token(session, token)
    user = session.get(User, row.user_id) if row else None
    return user if user is not None and user.is_active and user.password_hash is None else None


def activate(session: Session, *, token: str, password: str) -> User:
    """Set the password with a one-time link: the link is used up, other sessions end."""
    user = activation_user(session, token=token)
    if user is None:
        raise AccountError(_("This link is invalid, used or expired. Please ask the provincial centre for a new one."))
    row = _valid_token(session, token)
    problem = password_problem(password, username=user.username)
    if problem:
        raise AccountError(problem)
    # Use the link up with a conditional UPDATE, so that two clicks cannot both succeed.
    claimed = session.execute(
        sa.update(UserToken)
        .where(UserToken.id == row.id, UserToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise AccountError(_("This link is invalid, used or expired. Please ask the provincial centre for a new one."))
    user.password_hash = passwords.hash_password(password)
    user.must_change_password = False
    user.session_nonce = secrets.token_hex(8)
    user.failed_logins = 0
    audit.record(session, action="user.activate", by=user, target=user, details={"username": user.username})
    return user
