"""What the expert sees: their dashboard (counts, rounds with their own sheets, messages), and the score
sheet page with the application's materials. Only the expert's own sheets: another expert's sheet, or
an application not assigned to them, is None here and a 404 in the view."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, select

from ...models import (
    Application,
    Assignment,
    AssignmentState,
    Attachment,
    City,
    ConflictDeclaration,
    Criterion,
    Expert,
    PledgeAcceptance,
    Round,
    RoundStage,
    ScoreSheet,
    SheetStatus,
    User,
)
from ..intake import dossier
from ..intake.dossier import Dossier, Member, Unit
from ..platform import notify
from ..platform.memo import hold
from .progress import SheetRow, sheet_rows
from .sheets import (
    criteria_and_scores,
    deadline_passed,
    edit_blocker,
    missing_for,
    pledge_of,
    remember_pledge,
)

# The dashboard ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundWork:
    """One round of the expert's work: the pledge, the sheets, the deadline."""

    round: Round
    pledge_accepted_at: datetime | None
    rows: list[SheetRow]
    deadline_passed: bool

    @property
    def active(self) -> list[SheetRow]:
        return [r for r in self.rows if r.active]

    @property
    def submitted(self) -> int:
        return sum(r.sheet.status == SheetStatus.SUBMITTED for r in self.active)


@dataclass(frozen=True)
class ExpertSummary:
    """How many of the expert's active sheets are untouched, drafted or submitted, and the next deadline
    of a round still scoring where a sheet of theirs is not submitted."""

    expert: Expert
    by_status: dict[SheetStatus, int] = field(default_factory=dict)
    next_deadline: datetime | None = None


@dataclass(frozen=True)
class Dashboard:
    summary: ExpertSummary
    rounds: list[RoundWork]
    messages: list


def workspace(session: Session, *, expert_id: int) -> list[RoundWork]:
    """The expert's rounds with their own sheets only, newest round first."""
    rows = sheet_rows(
        session, ScoreSheet.expert_id == expert_id, order_by=(ScoreSheet.round_id.desc(), Application.code)
    )
    by_round: dict[int, list[SheetRow]] = {}
    for row in rows:
        by_round.setdefault(row.sheet.round_id, []).append(row)
    work = []
    for round_id, round_rows in by_round.items():
        review_round = session.get(Round, round_id)
        pledge = pledge_of(session, round_id=round_id, expert_id=expert_id)
        work.append(
            RoundWork(
                round=review_round,
                pledge_accepted_at=pledge.accepted_at if pledge else None,
                rows=round_rows,
                deadline_passed=deadline_passed(review_round),
            )
        )
    return work


def dashboard(session: Session, *, user: User) -> Dashboard:
    """The expert's landing page: counts, rounds with their sheets, and the newest messages."""
    rounds = workspace(session, expert_id=user.expert_id)
    deadlines = [
        w.round.scoring_deadline
        for w in rounds
        if w.round.stage == RoundStage.SCORING
        and w.round.scoring_deadline is not None
        and any(r.sheet.status != SheetStatus.SUBMITTED for r in w.rows)
    ]
    return Dashboard(
        summary=ExpertSummary(
            expert=session.get(Expert, user.expert_id),
            by_status=dict(Counter(r.sheet.status for w in rounds for r in w.active)),
            next_deadline=min(deadlines, default=None),
        ),
        rounds=rounds,
        messages=notify.recent_for(session, user_id=user.id),
    )


def expert_round(session: Session, *, round_id: int, expert_id: int) -> Round | None:
    """The round when the expert has work in it, else None (the view answers 404)."""
    has_sheet = session.exec(
        select(ScoreSheet.id).where(ScoreSheet.round_id == round_id, ScoreSheet.expert_id == expert_id).limit(1)
    ).first()
    return session.get(Round, round_id) if has_sheet else None


# The score sheet page -----------------------------------------------------------------------------


_SEAT = (  # built once: every request of the sheet's pages starts with it
    select(ScoreSheet, Assignment, Round, PledgeAcceptance)
    .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
    .join(Round, Round.id == ScoreSheet.round_id)
    .outerjoin(PledgeAcceptance, sa.and_(PledgeAcceptance.round_id == ScoreSheet.round_id,
                                         PledgeAcceptance.expert_id == ScoreSheet.expert_id))
    .where(ScoreSheet.id == sa.bindparam("sheet_id"))
)


def sheet_for_expert(session: Session, *, sheet_id: int, expert_id: int | None) -> ScoreSheet | None:
    """The sheet when it is this expert's own and they are still on the application's panel, else None (the
    view answers 404): an expert who declared a conflict (or was replaced) no longer opens the application.

    One query reads the sheet with its seat, round and the expert's pledge; the request holds them (the
    session's memo), so that the checks of saving, submitting and the page read them without a query."""
    found = session.exec(_SEAT, params={"sheet_id": sheet_id}).first()
    if found is None or expert_id is None or found[0].expert_id != expert_id:
        return None
    sheet, assignment, review_round, pledge = found
    if assignment.state != AssignmentState.ACTIVE:
        return None
    hold(session, assignment, review_round, pledge)
    remember_pledge(session, round_id=sheet.round_id, expert_id=sheet.expert_id, pledge=pledge)
    return sheet


@dataclass(frozen=True)
class SheetContext:
    """Everything the sheet page shows: the application, its materials, the criteria and the scores."""

    sheet: ScoreSheet
    assignment: Assignment
    round: Round
    dossier: Dossier  # the application as every other page reads it
    criteria: list[Criterion]
    points: dict[int, Decimal]
    pledge_accepted: bool
    blocked: str | None  # why the sheet cannot be edited now, or None

    @property
    def needs_pledge(self) -> bool:
        return not self.pledge_accepted

    @property
    def needs_declaration(self) -> bool:
        return self.sheet.declaration is None

    @property
    def withdrawn(self) -> bool:
        return self.assignment.state != AssignmentState.ACTIVE

    @property
    def application(self) -> Application:
        return self.dossier.application

    @property
    def city(self) -> City:
        return self.dossier.city

    @property
    def lead(self) -> Unit:
        return self.dossier.lead

    @property
    def members(self) -> list[Member]:
        return self.dossier.members

    @property
    def attachments(self) -> list[Attachment]:
        return list(self.dossier.attachments.values())

    @property
    def agreement_clauses(self) -> list[str]:
        return self.dossier.agreement_clauses

    @property
    def max_total(self) -> int:
        return sum(c.max_points for c in self.criteria)

    @property
    def missing(self) -> list[str]:
        """What the sheet, as saved, still needs before it can be submitted."""
        return missing_for(self.criteria, self.points, self.sheet)


def sheet_context(session: Session, sheet: ScoreSheet) -> SheetContext:
    """What the sheet page shows (the page every expert opens most): the seat and round (held by
    `sheet_for_expert`: no query), the application through its dossier."""
    criteria, stored = criteria_and_scores(session, sheet)
    return SheetContext(
        sheet=sheet,
        assignment=session.get(Assignment, sheet.assignment_id),
        round=session.get(Round, sheet.round_id),
        dossier=dossier.load_id(session, sheet.application_id),
        criteria=criteria,
        points={criterion_id: item.points for criterion_id, item in stored.items()},
        pledge_accepted=pledge_of(session, round_id=sheet.round_id, expert_id=sheet.expert_id) is not None,
        blocked=edit_blocker(session, sheet),
    )


def attachment_for_expert(session: Session, *, sheet: ScoreSheet, attachment_id: int) -> Attachment | None:
    """An attachment of the sheet's application, while the expert is still on its panel."""
    attachment = session.get(Attachment, attachment_id)
    assignment = session.get(Assignment, sheet.assignment_id)
    if attachment is None or attachment.application_id != sheet.application_id:
        return None
    if assignment.state != AssignmentState.ACTIVE or sheet.declaration != ConflictDeclaration.NONE_DECLARED:
        return None
    return attachment
