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


class Notification(SQLModel, table=True):
    """A message to a user: sent by e-mail when SMTP is configured, otherwise kept in the outbox that
    the centre can export. Also shown to the user in the app."""

    __tablename__ = "notifications"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    email: str | None = Field(default=None, max_length=128)
    kind: str = Field(max_length=32)  # activation, reminder, reopened, ...
    round_id: int | None = Field(default=None, foreign_key="rounds.id")
    subject: str = Field(max_length=200)
    body: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    read_at: datetime | None = None


class RateCounter(SQLModel, table=True):
    """One rate-limit counter (Flask-Limiter's fixed window), kept in the database so that every worker
    process counts the same attempts (services/platform/counters.py)."""

    __tablename__ = "rate_counters"

    key: str = Field(primary_key=True, max_length=255)
    count: int = 0
    expires_at: float = Field(index=True)  # epoch seconds: the window's end
