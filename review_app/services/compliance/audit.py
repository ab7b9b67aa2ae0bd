"""The tamper-evident audit log: every state change and every login appends a hash-chained event."""

import getpass
import hashlib
import json
import os
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from ...models import AuditEvent, AuditHead, User
from ...models._base import utcnow

GENESIS_HASH = "0" * 64

# Where the acting request came from; set by the web layer per request and by the CLI ("cli").
client_address: ContextVar[str] = ContextVar("client_address", default="")
CLI = "cli"


def os_user() -> str:
    """The operating-system account running this process (its effective uid), for events of the command line."""
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):  # no passwd entry (a container's bare uid) or not POSIX
        return getpass.getuser()


def _cli_marks(actor: str, details: dict) -> tuple[str, dict]:
    """A command's event names the OS account that ran it (and the one behind sudo): the actor, when no
    application user acted, is "cli:<account>"."""
    account = os_user()
    marks = {"os_user": account}
    if os.environ.get("SUDO_USER"):
        marks["sudo_user"] = os.environ["SUDO_USER"]
    return (actor if actor not in ("", CLI) else f"{CLI}:{account}"), {**details, **marks}


def record(
    session: Session,
    *,
    action: str,
    by: User | None = None,
    actor: str | None = None,
    target: object | None = None,
    round_id: int | None = None,
    details: dict | None = None,
) -> int:
    """Append one event to the chain, in the caller's transaction (the caller commits); returns its `seq`.

    The head row is updated first: that takes the write lock (SQLite) or the row lock
    (PostgreSQL), so concurrent writers append one after another and the chain never forks.
    """
    entry = {"action": action, "by": by, "actor": actor, "target": target, "round_id": round_id, "details": details}
    return record_many(session, [entry])[0]


# Core statements on the head and the events, built once. No AuditHead or AuditEvent object goes through the
# session: an event is written once and never changed, so the ORM's bookkeeping (an object per event, its
# unit of work at the flush) would cost a busy request more than all of its own reads (issue 20).
# Taking the sequence numbers updates the head first, which takes the write lock (SQLite) or the row lock
# (PostgreSQL), and reads it back in the same statement.
_HEAD = AuditHead.__table__
_TAKE_SEQS = (
    _HEAD.update().where(_HEAD.c.id == 1).values(seq=_HEAD.c.seq + sa.bindparam("taken"))
    .returning(_HEAD.c.seq, _HEAD.c.last_hash)
)
_SET_LAST_HASH = _HEAD.update().where(_HEAD.c.id == 1).values(last_hash=sa.bindparam("hash"))
_INSERT_EVENTS = AuditEvent.__table__.insert()


def record_many(session: Session, entries: list[dict]) -> list[int]:
    """Append several events, in order, each as `record` would (an entry holds `record`'s keyword arguments),
    with one update of the head: for the changes that touch thousands of objects at once. Returns their
    `seq` numbers."""
    if not entries:
        return []
    address = client_address.get()
    head = session.execute(_TAKE_SEQS, {"taken": len(entries)}).one()
    seq, previous = head.seq - len(entries) + 1, head.last_hash
    rows = []
    for entry in entries:
        row = _event_row(seq, previous, address, **entry)
        rows.append(row)
        seq, previous = seq + 1, row["hash"]
    session.execute(_INSERT_EVENTS, rows if len(rows) > 1 else rows[0])
    session.execute(_SET_LAST_HASH, {"hash": previous})
    return [row["seq"] for row in rows]


def _event_row(seq: int, previous: str, address: str, *, action: str, by: User | None = None,
               actor: str | None = None, target: object | None = None, round_id: int | None = None,
               details: dict | None = None) -> dict:
    """The columns of one event, its hash included."""
    actor = actor if actor is not None else (by.username if by else "")
    details = details or {}
    if address == CLI:
        actor, details = _cli_marks(actor, details)
    row = {
        "seq": seq,
        "at": utcnow(),
        "actor_id": by.id if by else None,
        "actor": actor[:64],
        "action": action,
        "target_type": type(target).__name__ if target is not None else "",
        "target_id": str(getattr(target, "id", "") or "") if target is not None else "",
        "round_id": round_id,
        "details": json.dumps(details, ensure_ascii=False, sort_keys=True, default=str),
        "ip": address,
        "prev_hash": previous,
    }
    row["hash"] = fields_hash(**row)
    return row


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over every field of the stored event and the previous event's hash."""
    return fields_hash(**{name: getattr(event, name) for name in HASHED_FIELDS})


HASHED_FIELDS = ("seq", "at", "actor_id", "actor", "action", "target_type", "target_id", "round_id", "details",
                 "ip", "prev_hash")


def fields_hash(*, seq: int, at: datetime, actor_id: int | None, actor: str, action: str, target_type: str,
                target_id: str, round_id: int | None, details: str, ip: str, prev_hash: str) -> str:
    """SHA-256 over an event's fields (HASHED_FIELDS, in that order) and the previous event's hash."""
    payload = [seq, at.astimezone(UTC).isoformat(), actor_id, actor, action, target_type, target_id, round_id,
               details, ip, prev_hash]
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
    """One break of the chain, with the stored events either side of it (its neighbours), so that a report
    can show where it is: `seq` is the event concerned; for "missing" the first event after the gap, for
    "truncated" the first of the removed newest events. `gone` is the range of removed sequence numbers."""

    seq: int
    kind: str  # a key of CHAIN_PROBLEMS
    previous: int | None = None  # the stored event before (None: none before)
    next: int | None = None  # the stored event after
    gone: tuple[int, int] | None = None  # first and last seq of the events that are missing

    def __str__(self) -> str:
        where = f"event {self.seq}: {CHAIN_PROBLEMS[self.kind]}"
        if self.gone:
            first, last = self.gone
            where += f" (events {first}–{last})" if first != last else f" (event {first})"
        return where

    @property
    def stored(self) -> bool:
        """Whether the event `seq` itself is in the log (not for a cut-off tail)."""
        return self.kind != "truncated"


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
    """Walk the chain and report every break: an edited event, a missing one, a cut-off tail, each with its
    neighbours. After a retention prune the walk starts from the checkpoint event that carries the last
    pruned hash."""
    found: list[dict] = []
    waiting: list[dict] = []  # problems of the previous event, waiting for the seq of the event after it
    expected_seq, previous = _checkpoint(session)
    previous_seq: int | None = None
    # Read from the database, never from objects the session already holds: they may predate an edit.
    for event in session.exec(select(AuditEvent).order_by(AuditEvent.seq).execution_options(populate_existing=True)):
        for problem in waiting:
            problem["next"] = event.seq
        waiting = []
        if event.seq != expected_seq:
            waiting.append({"seq": event.seq, "kind": "missing", "gone": (expected_seq, event.seq - 1)})
        if event.prev_hash != previous:
            waiting.append({"seq": event.seq, "kind": "unlinked"})
        if event_hash(event) != event.hash:
            waiting.append({"seq": event.seq, "kind": "changed"})
        for problem in waiting:
            problem["previous"] = previous_seq
        found += waiting
        expected_seq, previous, previous_seq = event.seq + 1, event.hash, event.seq
    problems = [ChainProblem(**problem) for problem in found]
    head = session.get(AuditHead, 1, populate_existing=True)
    if head is None or head.seq != expected_seq - 1 or head.last_hash != previous:
        gone = (expected_seq, head.seq) if head is not None and head.seq >= expected_seq else None
        problems.append(ChainProblem(expected_seq, "truncated", previous_seq, None, gone))
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
