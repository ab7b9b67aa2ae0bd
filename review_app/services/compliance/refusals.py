"""Refused requests as audit events (等保: the auditor sees who tried what they may not), without letting
them flood the log.

What is written: a logged-in user's request refused by the role guard (403) or by an ownership check (404:
the object is not theirs, or does not exist) is one `access.refused` event naming the method, the path,
the endpoint, the status and, when the URL names one, the object and the round.

What keeps a user from flooding the log: within one minute, a user's refusals of the same method and path
are one event (the first), and at most `PER_USER_PER_MINUTE` refusal events are written for a user; the one
that reaches that number says so (`"limit_reached": true`). What is not written returns None, for the
application log. The counting reads the log itself, so every worker process sees the same counts.
Refused logins are not recorded here: they have events of their own (`login.failed`, `login.locked`).
"""

import json
from datetime import timedelta

from sqlmodel import Session, select

from ...models import (
    Application,
    Assignment,
    AssignmentPin,
    Attachment,
    AuditEvent,
    Expert,
    Job,
    Organisation,
    ScoreSheet,
    User,
)
from ...models._base import utcnow
from . import audit

ACTION = "access.refused"
WINDOW = timedelta(minutes=1)
PER_USER_PER_MINUTE = 20

# A URL's parameter → the object it names, for the event's target.
_URL_OBJECTS = {
    "application_id": Application,
    "sheet_id": ScoreSheet,
    "expert_id": Expert,
    "user_id": User,
    "seat_id": Assignment,
    "attachment_id": Attachment,
    "pin_id": AssignmentPin,
    "job_id": Job,
    "org_id": Organisation,
}


def _target(session: Session, url_values: dict):
    for name, model in _URL_OBJECTS.items():
        value = url_values.get(name)
        if isinstance(value, int) and 0 < value < 2**63:
            found = session.get(model, value)
            if found is not None:
                return found
    return None


def record(session: Session, *, by: User, method: str, path: str, endpoint: str | None, status: int,
           url_values: dict | None = None) -> int | None:
    """Write the refusal as an event, unless the user's refusals of this minute already hold it (same method
    and path) or have reached the limit; returns the event's `seq`, or None when it was not written. The caller
    commits (and has rolled back whatever the refused request had begun)."""
    url_values = url_values or {}
    recent = session.exec(
        select(AuditEvent.details)
        .where(AuditEvent.action == ACTION, AuditEvent.actor_id == by.id, AuditEvent.at >= utcnow() - WINDOW)
        .limit(PER_USER_PER_MINUTE)
    ).all()
    if len(recent) >= PER_USER_PER_MINUTE:
        return None
    for details in recent:
        earlier = json.loads(details)
        if earlier.get("path") == path and earlier.get("method") == method:
            return None
    details = {"method": method, "path": path[:500], "endpoint": endpoint or "", "status": status,
               "role": str(by.role)}
    if len(recent) + 1 == PER_USER_PER_MINUTE:
        details["limit_reached"] = True
    round_id = url_values.get("round_id")
    return audit.record(
        session, action=ACTION, by=by, target=_target(session, url_values), details=details,
        round_id=round_id if isinstance(round_id, int) and 0 < round_id < 2**63 else None,
    )
