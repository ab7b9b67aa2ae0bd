"""The tamper-evident audit log: every state change and every login appends a hash-chained event."""

import hashlib
import json
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from ...models import AuditEvent, AuditHead, User
from ..platform.csvfiles import csv_bytes

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


PRUNE_ACTION = "audit.prune"


def _checkpoint(session: Session) -> tuple[int, str]:
    """Where the chain starts: after the events removed by the newest retention prune, or at the genesis."""
    checkpoint = session.exec(
        select(AuditEvent).where(AuditEvent.action == PRUNE_ACTION).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    if checkpoint is None:
        return 1, GENESIS_HASH
    details = json.loads(checkpoint.details)
    return int(details["through_seq"]) + 1, str(details["last_hash"])


def verify(session: Session) -> list[ChainProblem]:
    """Walk the chain and report every break: an edited event, a missing one, a cut-off tail. After a
    retention prune the walk starts from the checkpoint event that carries the last pruned hash."""
    problems: list[ChainProblem] = []
    expected_seq, previous = _checkpoint(session)
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


@dataclass(frozen=True)
class PruneResult:
    removed: int
    through_seq: int
    cutoff: datetime


def prune(session: Session, *, retention_days: int, minimum_days: int = 183, now: datetime | None = None,
          dry_run: bool = False) -> PruneResult:
    """Remove the oldest events, those older than `retention_days` (never fewer than `minimum_days`: 6 months),
    as a prefix of the chain, and append a checkpoint event carrying the hash of the last removed event so
    that `verify` still checks the rest. The caller commits."""
    days = max(int(retention_days), int(minimum_days))
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    cutoff_utc = cutoff.astimezone(UTC)
    first_young = session.exec(select(sa.func.min(AuditEvent.seq)).where(AuditEvent.at >= cutoff_utc)).one()
    last_old = session.exec(
        select(AuditEvent).where(AuditEvent.at < cutoff_utc, *([AuditEvent.seq < first_young] if first_young else []))
        .order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    if last_old is None:
        return PruneResult(0, 0, cutoff)
    count = session.exec(select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.seq <= last_old.seq)).one()
    if dry_run:
        return PruneResult(count, last_old.seq, cutoff)
    record(session, action=PRUNE_ACTION, actor="retention",
           details={"through_seq": last_old.seq, "last_hash": last_old.hash, "removed": count,
                    "cutoff": cutoff.isoformat(), "retention_days": days})
    session.flush()
    session.execute(sa.delete(AuditEvent).where(AuditEvent.seq <= last_old.seq))
    return PruneResult(count, last_old.seq, cutoff)


@dataclass(frozen=True)
class EventQuery:
    """The auditor's search: every field optional, combined with AND."""

    action: str = ""  # prefix
    actor: str = ""  # username, exact
    target: str = ""  # "Type" or "Type:id"
    round_id: int | None = None
    since: date | None = None
    until: date | None = None  # inclusive
    text: str = ""  # inside the details or the address


def _filtered(query, q: EventQuery):
    if q.action:
        query = query.where(AuditEvent.action.startswith(q.action))
    if q.actor:
        query = query.where(AuditEvent.actor == q.actor)
    if q.target:
        kind, _, ident = q.target.partition(":")
        query = query.where(AuditEvent.target_type == kind)
        if ident:
            query = query.where(AuditEvent.target_id == ident)
    if q.round_id is not None:
        query = query.where(AuditEvent.round_id == q.round_id)
    if q.since:
        query = query.where(AuditEvent.at >= datetime.combine(q.since, time.min, tzinfo=UTC))
    if q.until:
        query = query.where(AuditEvent.at < datetime.combine(q.until + timedelta(days=1), time.min, tzinfo=UTC))
    if q.text:
        needle = f"%{q.text}%"
        query = query.where(sa.or_(AuditEvent.details.like(needle), AuditEvent.ip.like(needle)))
    return query


def search(session: Session, q: EventQuery, *, before: int | None = None, limit: int = 50) -> list[AuditEvent]:
    query = _filtered(select(AuditEvent), q).order_by(AuditEvent.seq.desc()).limit(limit)
    if before:
        query = query.where(AuditEvent.seq < before)
    return list(session.exec(query))


CSV_HEADER = ("seq", "at", "actor", "action", "target_type", "target_id", "round_id", "details", "ip",
              "prev_hash", "hash")


def events_csv(session: Session, q: EventQuery, *, by: User | None) -> bytes:
    """Every matching event, oldest first, with its hashes (UTF-8 with BOM); the export itself is audited."""
    rows = [
        (e.seq, e.at.astimezone(UTC).isoformat() if e.at.tzinfo else e.at.isoformat(), e.actor, e.action,
         e.target_type, e.target_id, e.round_id if e.round_id is not None else "", e.details, e.ip, e.prev_hash,
         e.hash)
        for e in session.exec(_filtered(select(AuditEvent), q).order_by(AuditEvent.seq))
    ]
    record(session, action="audit.export", by=by,
           details={"rows": len(rows), **{k: str(v) for k, v in q.__dict__.items() if v not in ("", None)}})
    return csv_bytes(CSV_HEADER, rows)


def list_events(session: Session, *, action: str = "", before: int | None = None, limit: int = 50) -> list[AuditEvent]:
    """The newest events first, optionally those whose action starts with `action`, below seq `before`."""
    query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if before:
        query = query.where(AuditEvent.seq < before)
    return list(session.exec(query))
