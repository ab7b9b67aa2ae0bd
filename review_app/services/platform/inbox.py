"""The in-app notification centre: a user's messages, how many are unread (the top bar's count), marking
them read (audited); and, for the centre and the auditor, every message with its status per channel."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from ...models import Notification, NotificationDelivery, User
from ...models._base import utcnow
from ..compliance import audit
from . import notify

PAGE_SIZE = 50


@dataclass(frozen=True)
class Message:
    """A message as a page shows it, with its deliveries."""

    notification: Notification
    deliveries: list[NotificationDelivery]


_UNREAD = (  # built once: every page's top bar counts
    select(sa.func.count())
    .select_from(Notification)
    .where(Notification.user_id == sa.bindparam("user_id"), Notification.read_at.is_(None))
)


def unread_count(session: Session, *, user_id: int) -> int:
    return session.execute(_UNREAD, {"user_id": user_id}).scalar_one()


def _messages(session: Session, query) -> list[Message]:
    rows = list(session.exec(query.order_by(Notification.created_at.desc(), Notification.id.desc())))
    found = notify.deliveries_of(session, rows)
    return [Message(row, found[row.id]) for row in rows]


def inbox(session: Session, *, user_id: int, limit: int = PAGE_SIZE) -> list[Message]:
    """The user's newest messages."""
    return _messages(session, select(Notification).where(Notification.user_id == user_id).limit(limit))


def mark_read(session: Session, *, user: User) -> int:
    """Mark every unread message of the user read; returns how many (audited when there were any)."""
    unread = list(session.exec(select(Notification).where(Notification.user_id == user.id,
                                                          Notification.read_at.is_(None))))
    now = utcnow()
    for message in unread:
        message.read_at = now
    if unread:
        audit.record(session, action="notifications.read", by=user, target=user, details={"count": len(unread)})
    return len(unread)


def all_messages(session: Session, *, round_id: int | None = None, status: str = "",
                 limit: int = 500) -> list[Message]:
    """Every message (of a round, of a status), newest first: what went to whom, on which channel."""
    query = select(Notification)
    if round_id is not None:
        query = query.where(Notification.round_id == round_id)
    if status:
        query = query.where(Notification.status == status)
    return _messages(session, query.limit(limit))
