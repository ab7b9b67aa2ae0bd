"""The append-only, hash-chained audit log."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from ._base import utcnow


class AuditEvent(SQLModel, table=True):
    """One state change or login. `hash` covers every field and the previous event's hash."""

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True, index=True)
    at: datetime = Field(default_factory=utcnow)
    actor_id: int | None = Field(default=None, index=True)
    actor: str = Field(default="", max_length=64)  # username at the time, kept if the user goes
    action: str = Field(max_length=64, index=True)
    target_type: str = Field(default="", max_length=32)
    target_id: str = Field(default="", max_length=64)
    round_id: int | None = Field(default=None, index=True)
    details: str = "{}"  # canonical JSON
    ip: str = Field(default="", max_length=64)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """The chain's single head row. Appending updates it first, which serialises writers and lets
    verification notice a deleted last event."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    last_hash: str = Field(default="0" * 64, max_length=64)
