"""Scoring progress, the one read-model of a round's score sheets: every sheet with its application,
expert and panel state, and from these the counts per application and per expert (untouched, drafted,
submitted), the overdue experts, and the outbox of messages that were not mailed.

The centre's score-sheet page shows the sheets (filtered by status, or the replacement list); the
progress page shows the counts. Both read the same `Progress`.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Application, Assignment, AssignmentState, Expert, Notification, Round, ScoreSheet, SheetStatus
from ...models._base import utcnow
from ..platform.csvfiles import csv_bytes
from ..platform.localtime import local_time
from .sheets import deadline_passed

DUE_SOON = timedelta(days=2)
RECUSED = "recused"  # the status filter of the replacement list


@dataclass(frozen=True)
class SheetRow:
    """A score sheet with its application, expert and the state of the expert's panel seat."""

    sheet: ScoreSheet
    application: Application
    expert: Expert
    state: AssignmentState

    @property
    def active(self) -> bool:
        return self.state == AssignmentState.ACTIVE


def sheet_rows(session: Session, *conditions, order_by=(Application.code, Expert.code)) -> list[SheetRow]:
    """The sheets meeting `conditions` (on ScoreSheet, Assignment, Application or Expert), in `order_by`."""
    return [
        SheetRow(*row)
        for row in session.exec(
            select(ScoreSheet, Application, Expert, Assignment.state)
            .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
            .join(Application, Application.id == ScoreSheet.application_id)
            .join(Expert, Expert.id == ScoreSheet.expert_id)
            .where(*conditions)
            .order_by(*order_by)
        ).all()
    ]


def sheet_for_admin(session: Session, *, sheet_id: int) -> SheetRow | None:
    rows = sheet_rows(session, ScoreSheet.id == sheet_id)
    return rows[0] if rows else None


@dataclass(frozen=True)
class Counts:
    untouched: int = 0
    draft: int = 0
    submitted: int = 0

    @property
    def open(self) -> int:
        return self.untouched + self.draft


@dataclass(frozen=True)
class ApplicationProgress:
    application: Application
    counts: Counts


@dataclass(frozen=True)
class ExpertProgress:
    expert: Expert
    counts: Counts
    overdue: bool  # open sheets past the deadline, or untouched ones with the deadline close


@dataclass(frozen=True)
class Progress:
    """A round's sheets and how far their scoring is. Counts cover the active panel seats only."""

    round: Round
    sheets: list[SheetRow]  # every sheet, by application then expert
    applications: list[ApplicationProgress]  # by application code
    experts: list[ExpertProgress]  # overdue first, then the most open sheets, then by code
    outbox: int  # messages not mailed (no SMTP, or mailing failed)
    deadline_passed: bool
    status: str = ""  # the page's filter: "", a SheetStatus value, or RECUSED

    @property
    def counts(self) -> dict[str, int]:
        """How many sheets each status filter shows."""
        return {f: len(self.sheets_in(f)) for f in ("", RECUSED, *(s.value for s in SheetStatus))}

    @property
    def rows(self) -> list[SheetRow]:
        return self.sheets_in(self.status)

    def sheets_in(self, status: str) -> list[SheetRow]:
        """The sheets a status filter shows: all, the replacement list (RECUSED), or the active seats'
        sheets of one SheetStatus."""
        if status == RECUSED:
            return [r for r in self.sheets if r.state == AssignmentState.RECUSED]
        if status in {s.value for s in SheetStatus}:
            return [r for r in self.sheets if r.active and r.sheet.status == status]
        return self.sheets


def round_progress(session: Session, *, review_round: Round, status: str = "") -> Progress:
    """The round's sheets, and how many of each application's and each expert's active sheets are
    untouched, drafted or submitted; `status` is the filter the score-sheet page shows."""
    sheets = sheet_rows(session, ScoreSheet.round_id == review_round.id)
    active = [r for r in sheets if r.active]
    applications = {r.application.id: r.application for r in active}  # in the rows' order: by code
    experts = {r.expert.id: r.expert for r in active}
    by_app = _counts(active, key=lambda r: r.application.id)
    by_expert = _counts(active, key=lambda r: r.expert.id)
    now, deadline = utcnow(), review_round.scoring_deadline
    late = deadline_passed(review_round, now)
    soon = deadline is not None and now > deadline - DUE_SOON

    def overdue(counts: Counts) -> bool:
        return (late and counts.open > 0) or (soon and counts.untouched > 0)

    outbox = session.exec(
        select(sa.func.count())
        .select_from(Notification)
        .where(Notification.round_id == review_round.id, Notification.sent_at.is_(None))
    ).one()
    return Progress(
        round=review_round,
        sheets=sheets,
        applications=[ApplicationProgress(a, by_app[a.id]) for a in applications.values()],
        experts=sorted(
            (ExpertProgress(e, by_expert[e.id], overdue(by_expert[e.id])) for e in experts.values()),
            key=lambda p: (not p.overdue, -p.counts.open, p.expert.code),
        ),
        outbox=outbox,
        deadline_passed=late,
        status=status,
    )


def _counts(rows: list[SheetRow], key) -> dict[int, Counts]:
    tally = Counter((key(r), r.sheet.status.value) for r in rows)
    grouped: dict[int, dict[str, int]] = {}
    for (k, status), n in tally.items():
        grouped.setdefault(k, {})[status] = n
    return {k: Counts(**values) for k, values in grouped.items()}


def outbox_csv(session: Session, *, round_id: int) -> bytes:
    """The messages of the round that were not mailed, for the office to send: UTF-8 with a BOM, times in
    Beijing time."""
    messages = session.exec(
        select(Notification)
        .where(Notification.round_id == round_id, Notification.sent_at.is_(None))
        .order_by(Notification.id)
    )
    return csv_bytes(
        [_("Time"), _("E-mail"), _("Subject"), _("Message")],
        [(local_time(m.created_at), m.email or "", m.subject, m.body) for m in messages],
    )
