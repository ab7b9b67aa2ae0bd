"""The one notification service. A message goes to one recipient on every channel it has an address for:
the in-app notification centre (a user account), e-mail (`SMTP_URL`; without a server the mail waits in
the outbox the centre exports) and SMS (the HTTP gateway `SMS_GATEWAY_URL`). Each channel's delivery
keeps its status, attempts and last error; the message's status is the worst of its channels.

The same message (recipient, kind, round, subject and text) is not sent again within
NOTIFY_DEDUP_MINUTES (an hour): pressing "remind" twice reminds once. A message that must go once ever
(a deadline reminder) carries a `once_key`, unique in the table.
"""

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, has_app_context
from sqlmodel import Session, select

from ...models import Channel, DeliveryStatus, Expert, Notification, NotificationDelivery, Role, User
from ...models._base import utcnow
from . import channels

log = logging.getLogger(__name__)

DEFAULT_DEDUP_MINUTES = 60
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MOBILE_PATTERN = re.compile(r"(?:\+?86)?1[3-9]\d{9}")
PHONE_PATTERN = re.compile(r"[0-9+\-() ]{5,32}")  # any number a person gives, landlines included


@dataclass(frozen=True)
class Recipient:
    """Who a message goes to, and where: the account (in-app), an e-mail address, a mobile number."""

    user: User | None = None
    email: str | None = None
    phone: str | None = None
    name: str = ""


@dataclass(frozen=True)
class Sent:
    """A message the service recorded; `duplicate` when the same one went out within the window and the
    earlier message is returned instead of sending again."""

    message: Notification
    duplicate: bool = False


def recipient(session: Session, *, user: User | None = None, email: str | None = None,
              phone: str | None = None) -> Recipient:
    """The recipient `user` is, its addresses filled from the account or, for an expert, the pool."""
    expert = session.get(Expert, user.expert_id) if user is not None and user.expert_id else None
    email = email or (user.email if user else None) or (expert.email if expert else None)
    phone = phone or (user.phone if user else None) or (expert.phone if expert else None)
    name = (user.display_name or user.username) if user else ""
    return Recipient(user, email or None, phone or None, name)


def expert_recipient(session: Session, expert: Expert) -> Recipient:
    """An expert: their account (None before it is created) and the pool's e-mail and mobile."""
    account = session.exec(select(User).where(User.expert_id == expert.id)).first()
    return Recipient(account, expert.email or None, expert.phone or None, expert.name)


def expert_recipients(session: Session, experts: list[Expert]) -> dict[int, Recipient]:
    """`expert_recipient` of many experts, by expert id, their accounts read in a few queries."""
    ids = [e.id for e in experts]
    accounts: dict[int, User] = {}
    for start in range(0, len(ids), 1000):
        for user in session.exec(select(User).where(User.expert_id.in_(ids[start : start + 1000]))):
            accounts[user.expert_id] = user
    return {e.id: Recipient(accounts.get(e.id), e.email or None, e.phone or None, e.name) for e in experts}


def city_recipients(session: Session, city_id: int) -> list[Recipient]:
    """Every active account of a city bureau."""
    accounts = session.exec(
        select(User).where(User.role == Role.CITY, User.city_id == city_id, User.is_active).order_by(User.id)
    )
    return [recipient(session, user=account) for account in accounts]


def centre_recipients(session: Session) -> list[Recipient]:
    """Every active account of the provincial centre."""
    accounts = session.exec(select(User).where(User.role == Role.ADMIN, User.is_active).order_by(User.id))
    return [recipient(session, user=account) for account in accounts]


def contact_recipient(contact: str, *, name: str = "") -> Recipient:
    """Someone without an account known by a contact line: its e-mail address and mobile number, if any."""
    email = EMAIL_PATTERN.search(contact or "")
    mobile = MOBILE_PATTERN.search(re.sub(r"[\s-]", "", contact or ""))
    return Recipient(None, email.group(0) if email else None, mobile.group(0)[-11:] if mobile else None, name)


def dedup_window() -> timedelta:
    minutes = current_app.config.get("NOTIFY_DEDUP_MINUTES", DEFAULT_DEDUP_MINUTES) if has_app_context() else None
    return timedelta(minutes=DEFAULT_DEDUP_MINUTES if minutes is None else minutes)


def _dedup_key(to: Recipient, kind: str, round_id: int | None, subject: str, body: str) -> str:
    parts = (to.user.id if to.user else "", to.email, to.phone, kind, round_id, subject, body)
    text = "\x1f".join(str(v) for v in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Outgoing:
    """One message for `post_many`: `post`'s arguments."""

    to: Recipient
    kind: str
    subject: str
    body: str
    round_id: int | None = None
    stored_body: str | None = None
    once_key: str | None = None


def post(
    session: Session,
    *,
    to: Recipient,
    kind: str,
    subject: str,
    body: str,
    round_id: int | None = None,
    stored_body: str | None = None,
    once_key: str | None = None,
) -> Sent:
    """Record the message and deliver it on each of the recipient's channels, unless the same message went
    to them within the de-duplication window (or, with `once_key`, ever). `stored_body` replaces the body
    in the database (an activation link is sent, never stored)."""
    return post_many(session, [Outgoing(to, kind, subject, body, round_id, stored_body, once_key)])[0]


def post_many(session: Session, outgoing: list[Outgoing]) -> list[Sent]:
    """`post` for many messages at once, in order, with one look for earlier ones and one flush (thousands
    of activation links): each goes unless the same message went within the window (or its once-only key
    was used), in the database or earlier in the list."""
    keys = [_dedup_key(o.to, o.kind, o.round_id, o.subject, o.body) for o in outgoing]
    earlier = _earlier(session, keys, [o.once_key for o in outgoing if o.once_key])
    results: list[Sent] = []
    created: list[tuple[Notification, Outgoing]] = []
    for message, key in zip(outgoing, keys, strict=True):
        found = earlier.get(("once", message.once_key) if message.once_key else ("key", key))
        if found is not None:
            results.append(Sent(found, duplicate=True))
            continue
        row = Notification(
            user_id=message.to.user.id if message.to.user else None,
            email=message.to.email,
            phone=message.to.phone,
            kind=message.kind,
            round_id=message.round_id,
            subject=message.subject[:200],
            body=message.stored_body if message.stored_body is not None else message.body,
            dedup_key=key,
            once_key=message.once_key,
        )
        earlier[("once", message.once_key) if message.once_key else ("key", key)] = row
        created.append((row, message))
        results.append(Sent(row))
    session.add_all(row for row, _message in created)
    session.flush()  # a concurrent twin with the same once_key fails here, before anything is sent
    for row, message in created:
        deliveries = _deliveries(row, message.to)
        for delivery in deliveries:
            _deliver(delivery, subject=message.subject, body=message.body, name=message.to.name)
            if delivery.channel == Channel.EMAIL and delivery.status == DeliveryStatus.SENT:
                row.sent_at = delivery.sent_at
        session.add_all(deliveries)
        row.status = overall_status(deliveries)
    return results


def _earlier(session: Session, keys: list[str], once_keys: list[str]) -> dict[tuple[str, str], Notification]:
    """The newest earlier message for each de-duplication key (within the window) and once-only key."""
    found: dict[tuple[str, str], Notification] = {}
    since = utcnow() - dedup_window()
    for kind, column, values, window in (("key", Notification.dedup_key, keys, True),
                                         ("once", Notification.once_key, once_keys, False)):
        for start in range(0, len(values), 500):
            query = select(Notification).where(column.in_(values[start : start + 500]))
            if window:
                query = query.where(Notification.created_at >= since)
            for row in session.exec(query.order_by(Notification.id)):  # the newest last, so it wins
                found[(kind, getattr(row, column.key))] = row
    return found


def _deliveries(message: Notification, to: Recipient) -> list[NotificationDelivery]:
    """One delivery per channel the recipient has an address for (SMS only with a gateway)."""
    deliveries = []
    if to.user is not None:
        deliveries.append(NotificationDelivery(notification_id=message.id, channel=Channel.IN_APP,
                                               address=to.user.username, status=DeliveryStatus.SENT,
                                               attempts=1, sent_at=utcnow()))
    if to.email:
        deliveries.append(NotificationDelivery(notification_id=message.id, channel=Channel.EMAIL, address=to.email))
    if to.phone and channels.setting("SMS_GATEWAY_URL"):
        deliveries.append(NotificationDelivery(notification_id=message.id, channel=Channel.SMS, address=to.phone))
    return deliveries


def _deliver(delivery: NotificationDelivery, *, subject: str, body: str, name: str) -> None:
    """Try one channel: e-mail waits in the outbox (pending) when no server is configured."""
    if delivery.channel == Channel.EMAIL and not channels.setting("SMTP_URL"):
        return
    delivery.attempts += 1
    try:
        if delivery.channel == Channel.EMAIL:
            channels.mail(to=delivery.address, subject=subject, body=body)
        elif delivery.channel == Channel.SMS:
            channels.text_message(to=delivery.address, subject=subject, body=body, name=name)
    except channels.DeliveryError as error:
        log.warning("%s to %s failed: %s", delivery.channel, delivery.address, error)
        delivery.status, delivery.error = DeliveryStatus.FAILED, str(error)[:500]
    else:
        delivery.status, delivery.sent_at, delivery.error = DeliveryStatus.SENT, utcnow(), ""


def overall_status(deliveries: Iterable[NotificationDelivery]) -> DeliveryStatus:
    """Failed if a channel failed, pending if one waits (or there is none), else sent."""
    statuses = {d.status for d in deliveries}
    if DeliveryStatus.FAILED in statuses:
        return DeliveryStatus.FAILED
    if not statuses or DeliveryStatus.PENDING in statuses:
        return DeliveryStatus.PENDING
    return DeliveryStatus.SENT


def tell(session: Session, recipients: Iterable[Recipient], **message) -> int:
    """Send the same message to each recipient; returns how many were sent (not duplicates)."""
    return sum(not post(session, to=to, **message).duplicate for to in recipients)


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
    phone: str | None = None,
) -> Notification:
    """One message to a user (or an address without an account): `post` to the recipient they make."""
    to = recipient(session, user=user, email=email, phone=phone)
    return post(session, to=to, kind=kind, subject=subject, body=body, round_id=round_id,
                stored_body=stored_body).message


def deliveries_of(session: Session, messages: list[Notification]) -> dict[int, list[NotificationDelivery]]:
    """Each message's deliveries by channel order, by message id."""
    found: dict[int, list[NotificationDelivery]] = {m.id: [] for m in messages}
    if found:
        for delivery in session.exec(
            select(NotificationDelivery)
            .where(NotificationDelivery.notification_id.in_(list(found)))
            .order_by(NotificationDelivery.id)
        ):
            found[delivery.notification_id].append(delivery)
    return found


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
