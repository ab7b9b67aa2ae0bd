"""Long work done outside the request that started it, and messages to users (mail or outbox)."""

import json
from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from ._base import enum_type, utcnow


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(SQLModel, table=True):
    """A long task (a national-scale assignment, a large import, an export) and its progress, kept in
    the database so any process can show it and a restart does not lose it."""

    __tablename__ = "jobs"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, index=True)
    round_id: int | None = Field(default=None, foreign_key="rounds.id", index=True)
    status: JobStatus = Field(default=JobStatus.QUEUED, sa_type=enum_type(JobStatus))
    progress: int = 0  # percent
    message: str = ""
    params_json: str = "{}"
    result_json: str = "{}"
    created_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None

    def result(self) -> dict:
        return json.loads(self.result_json or "{}")


class DeliveryStatus(StrEnum):
    """Where a message stands, on one channel or (the worst of its channels) as a whole."""

    PENDING = "pending"  # not sent yet: no server configured (the outbox), or not tried
    SENT = "sent"  # handed to the mail server / SMS gateway, or put in the in-app centre
    FAILED = "failed"  # the server or gateway refused or could not be reached


class Channel(StrEnum):
    IN_APP = "in_app"  # the notification centre of the user's account
    EMAIL = "email"  # through SMTP_URL
    SMS = "sms"  # through the HTTP gateway SMS_GATEWAY_URL


class Notification(SQLModel, table=True):
    """A message to one recipient (a user, or an address without an account), sent on every channel it
    has an address for (services/platform/notify.py): one `NotificationDelivery` per channel. Mail that
    no server took stays in the outbox the centre exports."""

    __tablename__ = "notifications"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    email: str | None = Field(default=None, max_length=128)
    phone: str | None = Field(default=None, max_length=32)
    kind: str = Field(max_length=32)  # activation, reminder, reopened, ...
    round_id: int | None = Field(default=None, foreign_key="rounds.id")
    subject: str = Field(max_length=200)
    body: str = ""
    status: DeliveryStatus = Field(default=DeliveryStatus.PENDING, sa_type=enum_type(DeliveryStatus))
    # The same message to the same recipient within the de-duplication window is not sent again.
    dedup_key: str = Field(default="", max_length=64, index=True)
    # A message that goes once ever (a deadline reminder): a second insert fails on this unique key.
    once_key: str | None = Field(default=None, max_length=160, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None  # mailed (the e-mail channel)
    read_at: datetime | None = None  # read in the in-app centre


class NotificationDelivery(SQLModel, table=True):
    """One channel of one message: its address, status, attempts and the last error."""

    __tablename__ = "notification_deliveries"

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notifications.id", index=True)
    channel: Channel = Field(sa_type=enum_type(Channel))
    address: str = Field(default="", max_length=128)
    status: DeliveryStatus = Field(default=DeliveryStatus.PENDING, sa_type=enum_type(DeliveryStatus))
    attempts: int = 0
    error: str = Field(default="", max_length=500)
    sent_at: datetime | None = None


class RateCounter(SQLModel, table=True):
    """One rate-limit counter (Flask-Limiter's fixed window), kept in the database so that every worker
    process counts the same attempts (services/platform/counters.py)."""

    __tablename__ = "rate_counters"

    key: str = Field(primary_key=True, max_length=255)
    count: int = 0
    expires_at: float = Field(index=True)  # epoch seconds: the window's end
