"""The tamper-evident audit log: every state change and every login appends a hash-chained event."""

import hashlib
import json
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC

import sqlalchemy as sa
from sqlmodel import Session, select

from ..models import AuditEvent, AuditHead, User

GENESIS_HASH = "0" * 64

# Where the acting request came from; set by the web layer per request and by the CLI ("cli").
client_address: ContextVar[str] = ContextVar("client_address", default="")


def record(
    session: Session,
    *,
    action: str,
    by: User | None = None,
    actor: str | None = None,
    target: object | None = None,
    round_id: int | None = None,
    details: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction (the caller commits).

    The head row is updated first: that takes the write lock (SQLite) or the row lock
    (PostgreSQL), so concurrent writers append one after another and the chain never forks.
    """
    session.execute(sa.update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1))
    head = session.execute(select(AuditHead.seq, AuditHead.last_hash).where(AuditHead.id == 1)).one()
    event = AuditEvent(
        seq=head.seq,
        actor_id=by.id if by else None,
        actor=actor if actor is not None else (by.username if by else ""),
        action=action,
        target_type=type(target).__name__ if target is not None else "",
        target_id=str(getattr(target, "id", "") or "") if target is not None else "",
        round_id=round_id,
        details=json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str),
        ip=client_address.get(),
        prev_hash=head.last_hash,
        hash="",
    )
    event.hash = event_hash(event)
    session.add(event)
    session.execute(sa.update(AuditHead).where(AuditHead.id == 1).values(last_hash=event.hash))
    return event


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over every field of the event and the previous event's hash."""
    payload = [
        event.seq,
        event.at.astimezone(UTC).isoformat(),
        event.actor_id,
        event.actor,
        event.action,
        event.target_type,
        event.target_id,
        event.round_id,
        event.details,
        event.ip,
        event.prev_hash,
    ]
    canonical = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


CHAIN_PROBLEMS = {
    "missing": "events before it are missing",
    "unlinked": "does not link to the event before it",
    "changed": "was changed after it was written",
    "truncated": "the newest events were removed",
}


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    kind: str  # a key of CHAIN_PROBLEMS

    def __str__(self) -> str:
        return f"event {self.seq}: {CHAIN_PROBLEMS[self.kind]}"


def verify(session: Session) -> list[ChainProblem]:
    """Walk the chain and report every break: an edited event, a missing one, a cut-off tail."""
    problems: list[ChainProblem] = []
    expected_seq, previous = 1, GENESIS_HASH
    for event in session.exec(select(AuditEvent).order_by(AuditEvent.seq)):
        if event.seq != expected_seq:
            problems.append(ChainProblem(event.seq, "missing"))
        if event.prev_hash != previous:
            problems.append(ChainProblem(event.seq, "unlinked"))
        if event_hash(event) != event.hash:
            problems.append(ChainProblem(event.seq, "changed"))
        expected_seq, previous = event.seq + 1, event.hash
    head = session.get(AuditHead, 1)
    if head is None or head.seq != expected_seq - 1 or head.last_hash != previous:
        problems.append(ChainProblem(expected_seq, "truncated"))
    return problems


def list_events(session: Session, *, action: str = "", before: int | None = None, limit: int = 50) -> list[AuditEvent]:
    """The newest events first, optionally those whose action starts with `action`, below seq `before`."""
    query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if before:
        query = query.where(AuditEvent.seq < before)
    return list(session.exec(query))
