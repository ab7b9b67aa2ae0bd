"""Messages to users: mailed when SMTP_URL is configured, otherwise kept in the outbox (Notification
rows without `sent_at`) that the centre exports. Every message is also shown to its user in the app.

SMTP_URL reads `smtp://user:password@host:587?from=review@example.org&starttls=1` (or `smtps://` for TLS
from the start).
"""

import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, has_app_context
from sqlmodel import Session, select

from ...models import Notification, User
from ...models._base import utcnow

log = logging.getLogger(__name__)


def smtp_url() -> str | None:
    return current_app.config.get("SMTP_URL") if has_app_context() else None


def send(
    session: Session,
    *,
    user: User | None,
    email: str | None,
    kind: str,
    subject: str,
    body: str,
    round_id: int | None = None,
    stored_body: str | None = None,
) -> Notification:
    """Record the message, and mail it when SMTP is configured and an address is known.

    `stored_body` replaces the body in the database (an activation link is mailed, never stored).
    """
    address = email or None
    message = Notification(
        user_id=user.id if user else None,
        email=address,
        kind=kind,
        round_id=round_id,
        subject=subject[:200],
        body=stored_body if stored_body is not None else body,
    )
    url = smtp_url()
    if url and address:
        try:
            deliver(url, to=address, subject=subject, body=body)
        except (OSError, smtplib.SMTPException) as error:  # the message stays in the outbox
            log.warning("mail to %s failed: %s", address, error)
        else:
            message.sent_at = utcnow()
    session.add(message)
    return message


def deliver(url: str, *, to: str, subject: str, body: str) -> None:
    """Send one plain-text mail through the server that `url` names."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    sender = query.get("from", [f"noreply@{parts.hostname or 'localhost'}"])[0]
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, subject
    mail.set_content(body)
    client_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    with client_class(parts.hostname or "localhost", parts.port or (465 if parts.scheme == "smtps" else 25)) as client:
        if query.get("starttls", ["0"])[0] in {"1", "true", "yes"}:
            client.starttls()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(mail)


def recent_for(session: Session, *, user_id: int, limit: int = 5) -> list[Notification]:
    """The user's newest messages, for their dashboard."""
    return list(
        session.exec(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )
