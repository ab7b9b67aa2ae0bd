"""Reading the audit log (监督处): the search and its CSV export (itself audited), each event's object named
as a person reads it ("申报 2026320101", not "Application 874"), an event with its neighbours, and the
tamper report that places every break of the chain among the events around it.

The words (action names, object kinds, detail keys) are the web layer's; this module gives it keys and
values: an `ObjectName` is a kind key ("application"), its own text (the code) and context parts.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from ...models import (
    Application,
    Assignment,
    AssignmentPin,
    AssignmentRun,
    Attachment,
    AuditEvent,
    CheckResult,
    Conflict,
    Expert,
    Job,
    Objection,
    Organisation,
    PledgeAcceptance,
    RankingResult,
    RankingRun,
    Round,
    ScoreSheet,
    User,
)
from ..platform import paging
from ..platform.csvfiles import csv_bytes
from . import audit


@dataclass(frozen=True)
class EventQuery:
    """The auditor's search: every field optional, combined with AND."""

    action: str = ""  # one action
    actions: tuple[str, ...] = ()  # any of these (an area of the search form)
    actor: str = ""  # username, exact
    target: str = ""  # "Type" or "Type:id" (the links of the pages), or a code or name as the pages show it
    round_id: int | None = None
    since: date | None = None
    until: date | None = None  # inclusive
    text: str = ""  # inside the details or the address


# The object types a typed code or name may mean, with the column it is looked up by.
_TYPED_OBJECTS = ((Application, Application.code), (Expert, Expert.code), (User, User.username), (Round, Round.name),
                  (Organisation, Organisation.credit_code))


def _object_condition(session: Session, value: str):
    """Events about the object a person typed: a type, a type:id, an application or expert code, a user
    name, a round's name, a unit's credit code; or any event whose details name it."""
    kind, colon, ident = value.partition(":")
    if colon:
        return sa.and_(AuditEvent.target_type == kind, AuditEvent.target_id == ident)
    if kind in NAMED_TYPES:
        return AuditEvent.target_type == kind
    conditions = [AuditEvent.details.like(f'%{json.dumps(value, ensure_ascii=False)}%')]
    for model, column in _TYPED_OBJECTS:
        ids = [str(i) for i in session.exec(select(model.id).where(column == value).limit(20))]
        if ids:
            conditions.append(sa.and_(AuditEvent.target_type == model.__name__, AuditEvent.target_id.in_(ids)))
    return sa.or_(*conditions)


def _filtered(session: Session, query, q: EventQuery):
    if q.action:
        query = query.where(AuditEvent.action == q.action)
    if q.actions:
        query = query.where(AuditEvent.action.in_(q.actions))
    if q.actor:
        query = query.where(AuditEvent.actor == q.actor)
    if q.target:
        query = query.where(_object_condition(session, q.target))
    if q.round_id is not None:
        query = query.where(AuditEvent.round_id == q.round_id)
    if q.since:
        query = query.where(AuditEvent.at >= datetime.combine(q.since, time.min, tzinfo=UTC))
    if q.until:
        query = query.where(AuditEvent.at < datetime.combine(q.until + timedelta(days=1), time.min, tzinfo=UTC))
    if q.text:
        needle = f"%{q.text}%"
        query = query.where(sa.or_(AuditEvent.details.like(needle), AuditEvent.ip.like(needle),
                                   AuditEvent.actor.like(needle)))
    return query


def search(session: Session, q: EventQuery, *, number: int = 1, size: int = paging.PAGE_SIZE) -> paging.Page:
    """Page `number` of the matching events, newest first, with how many match in all."""
    return paging.paginate(session, _filtered(session, select(AuditEvent), q).order_by(AuditEvent.seq.desc()),
                           number=number, size=size)


def round_choices(session: Session) -> list[tuple[int, str]]:
    """The rounds by name, newest first, for the search form."""
    return [(r.id, r.name) for r in session.exec(select(Round).order_by(Round.id.desc()))]


CSV_HEADER = ("seq", "at", "actor", "action", "target_type", "target_id", "round_id", "details", "ip",
              "prev_hash", "hash")


def csv_rows(events: Iterable[AuditEvent]) -> list[list]:
    """Events as the CSV rows of the export and of the round archive, times in UTC."""
    return [
        [e.seq, e.at.astimezone(UTC).isoformat() if e.at.tzinfo else e.at.isoformat() + "+00:00", e.actor, e.action,
         e.target_type, e.target_id, e.round_id if e.round_id is not None else "", e.details, e.ip, e.prev_hash,
         e.hash]
        for e in events
    ]


def events_csv(session: Session, q: EventQuery, *, by: User | None) -> bytes:
    """Every matching event, oldest first, with its hashes (UTF-8 with BOM); the export itself is audited."""
    rows = csv_rows(session.exec(_filtered(session, select(AuditEvent), q).order_by(AuditEvent.seq)))
    audit.record(session, action="audit.export", by=by,
                 details={"rows": len(rows), **{k: str(v) for k, v in q.__dict__.items() if v not in ("", None, ())}})
    return csv_bytes(CSV_HEADER, rows)


# ---- naming the objects -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectName:
    """How an event's object reads: `kind` (a key the web layer translates: "application" → 申报), its own
    `text` (a code, a name, "#12"), and `parts`: (kind, text) pairs placing it ("申报 …", "专家 …")."""

    kind: str
    text: str = ""
    parts: tuple[tuple[str, str], ...] = ()


# Stored type name → (kind key, model, the column naming the object itself or None for "#id").
NAMED_TYPES = {
    "Application": ("application", Application, "code"),
    "Round": ("round", Round, "name"),
    "Expert": ("expert", Expert, "code"),
    "User": ("user", User, "username"),
    "Organisation": ("organisation", Organisation, "name"),
    "Attachment": ("attachment", Attachment, "filename"),
    "CheckResult": ("check_result", CheckResult, "rule"),
    "ScoreSheet": ("sheet", ScoreSheet, None),
    "Assignment": ("seat", Assignment, None),
    "AssignmentPin": ("pin", AssignmentPin, None),
    "AssignmentRun": ("assignment_run", AssignmentRun, None),
    "PledgeAcceptance": ("pledge", PledgeAcceptance, None),
    "RankingRun": ("ranking_run", RankingRun, None),
    "RankingResult": ("ranking_result", RankingResult, None),
    "Conflict": ("conflict", Conflict, None),
    "Job": ("job", Job, None),
    "Objection": ("objection", Objection, None),
}
# Details that name a deleted object: the event keeps its code when the row is gone.
_DETAIL_NAMES = {"Application": ("code",), "Expert": ("code", "expert"), "User": ("username",),
                 "Round": ("name",)}


def _codes(session: Session, model, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.exec(select(model.id, model.code).where(model.id.in_(ids))).all())


def name_objects(session: Session, events: Iterable[AuditEvent]) -> dict[tuple[str, str], ObjectName]:
    """The name of every object the events are about, and of their rounds, keyed by (type, id)."""
    wanted: dict[str, set[int]] = defaultdict(set)
    events = list(events)
    for event in events:
        if event.target_type in NAMED_TYPES and event.target_id.isdigit():
            wanted[event.target_type].add(int(event.target_id))
        if event.round_id is not None:
            wanted["Round"].add(event.round_id)
    rows = {
        type_name: {row.id: row for row in session.exec(select(NAMED_TYPES[type_name][1])
                                                         .where(NAMED_TYPES[type_name][1].id.in_(ids)))}
        for type_name, ids in wanted.items()
    }
    linked = [row for found in rows.values() for row in found.values()]
    applications = _codes(session, Application, {getattr(r, "application_id", None) for r in linked} - {None})
    experts = _codes(session, Expert, {getattr(r, "expert_id", None) for r in linked} - {None})
    names: dict[tuple[str, str], ObjectName] = {}
    for type_name, found in rows.items():
        kind, _model, column = NAMED_TYPES[type_name]
        for ident, row in found.items():
            parts = []
            if getattr(row, "application_id", None) in applications and type_name != "Application":
                parts.append(("application", applications[row.application_id]))
            if getattr(row, "expert_id", None) in experts and type_name != "Expert":
                parts.append(("expert", experts[row.expert_id]))
            text = str(getattr(row, column)) if column else f"#{ident}"
            names[(type_name, str(ident))] = ObjectName(kind, text, tuple(parts))
    for event in events:  # objects deleted since: named from the event's own details
        key = (event.target_type, event.target_id)
        if event.target_type in NAMED_TYPES and key not in names:
            details = details_of(event)
            text = next((str(details[k]) for k in _DETAIL_NAMES.get(event.target_type, ()) if details.get(k)),
                        f"#{event.target_id}")
            names[key] = ObjectName(NAMED_TYPES[event.target_type][0], text)
    return names


def details_of(event: AuditEvent) -> dict:
    """The event's details as a dict (an edited, unreadable value shows as it is)."""
    try:
        value = json.loads(event.details or "{}")
    except ValueError:
        return {"": event.details}
    return value if isinstance(value, dict) else {"": value}


@dataclass(frozen=True)
class EventView:
    """One event as the auditor reads it."""

    event: AuditEvent
    object: ObjectName | None
    round: ObjectName | None
    details: dict = field(default_factory=dict)
    problems: tuple[str, ...] = ()  # CHAIN_PROBLEMS keys, on the tamper report


def describe(session: Session, events: Iterable[AuditEvent]) -> list[EventView]:
    """The events with their objects and rounds named and their details read."""
    events = list(events)
    names = name_objects(session, events)
    return [
        EventView(
            event=e,
            object=names.get((e.target_type, e.target_id)) or (ObjectName(e.target_type, e.target_id)
                                                               if e.target_type else None),
            round=names.get(("Round", str(e.round_id))) if e.round_id is not None else None,
            details=details_of(e),
        )
        for e in events
    ]


# ---- an event among its neighbours, and the tamper report -------------------------------------------


@dataclass(frozen=True)
class Neighbourhood:
    """The event `seq` (None when it is not in the log) between the stored events before and after it."""

    seq: int
    event: EventView | None
    before: list[EventView]
    after: list[EventView]


def neighbourhood(session: Session, seq: int, *, around: int = 2) -> Neighbourhood:
    """The event `seq` and `around` stored events either side of it (whether or not `seq` itself is stored)."""
    before = list(session.exec(select(AuditEvent).where(AuditEvent.seq < seq)
                               .order_by(AuditEvent.seq.desc()).limit(around)))[::-1]
    after = list(session.exec(select(AuditEvent).where(AuditEvent.seq > seq).order_by(AuditEvent.seq).limit(around)))
    itself = session.exec(select(AuditEvent).where(AuditEvent.seq == seq)).first()
    views = describe(session, [*before, *([itself] if itself else []), *after])
    middle = views[len(before)] if itself else None
    return Neighbourhood(seq, middle, views[:len(before)], views[len(views) - len(after):])


@dataclass(frozen=True)
class TamperFinding:
    """One break of the chain with the stored events around it, for the report."""

    problem: audit.ChainProblem
    around: list[EventView]  # the neighbours and (when stored) the event itself, oldest first


def tamper_report(session: Session, problems: list[audit.ChainProblem] | None = None) -> list[TamperFinding]:
    """Each break of the chain (`audit.verify`) with the event concerned and its neighbours."""
    problems = audit.verify(session) if problems is None else problems
    findings = []
    for problem in problems:
        seqs = {s for s in (problem.previous, problem.seq if problem.stored else None, problem.next) if s is not None}
        events = list(session.exec(select(AuditEvent).where(AuditEvent.seq.in_(seqs)).order_by(AuditEvent.seq)))
        findings.append(TamperFinding(problem, describe(session, events)))
    return findings


def tamper_lines(findings: list[TamperFinding]) -> list[str]:
    """The tamper report as plain lines for the command line: each break, then its neighbours and the
    event itself (marked ">"), and the page that shows it."""
    lines = []
    for finding in findings:
        problem = finding.problem
        lines.append(f"{problem}; page /audit/events/{problem.gone[0] if problem.gone else problem.seq}")
        for view in finding.around:
            e = view.event
            mark = ">" if e.seq == problem.seq else " "
            target = f"{e.target_type}:{e.target_id}" if e.target_type else "-"
            lines.append(f"  {mark} #{e.seq} {csv_rows([e])[0][1]} {e.actor or '-'} {e.action} {target}")
    return lines
