"""The progress and score-sheet pages of a national round, counted and cut into pages in the database: a
round of 10,000 applications has 50,000 sheets, which neither page loads. The same rules as `progress`
(counts over active seats only; an expert is overdue with open sheets past the deadline, or untouched ones
with the deadline close), computed with GROUP BY; the reminders keep using `progress.round_progress`.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from ...models import Application, Assignment, AssignmentState, Expert, Notification, Round, ScoreSheet, SheetStatus
from ...models._base import utcnow
from ..platform import paging
from .progress import DUE_SOON, RECUSED, ApplicationProgress, Counts, ExpertProgress, SheetRow
from .sheets import deadline_passed

SHEETS_PAGE_SIZE = 100
COUNTS_PAGE_SIZE = 50
STATUSES = tuple(s.value for s in SheetStatus)


def _tally():
    """untouched, draft and submitted sheets of active seats, summed per group of `column`."""
    active = Assignment.state == AssignmentState.ACTIVE
    return [sa.func.sum(sa.case((sa.and_(active, ScoreSheet.status == s), 1), else_=0)).label(s.value)
            for s in SheetStatus]


def _counts(row) -> Counts:
    return Counts(*(int(v or 0) for v in row[-3:]))


# The score-sheet page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetsPage:
    round: Round
    rows: paging.Page  # of SheetRow
    counts: dict[str, int]  # how many sheets each status filter shows ("", "recused", a SheetStatus)
    deadline_passed: bool
    status: str


def status_counts(session: Session, *, round_id: int) -> dict[str, int]:
    """How many sheets each filter of the score-sheet page shows: all, the replacement list, and the
    active seats' sheets of each status."""
    found = session.execute(
        select(Assignment.state, ScoreSheet.status, sa.func.count())
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .where(ScoreSheet.round_id == round_id)
        .group_by(Assignment.state, ScoreSheet.status)
    ).all()
    counts = {"": sum(n for _s, _st, n in found),
              RECUSED: sum(n for s, _st, n in found if s == AssignmentState.RECUSED)}
    for status in STATUSES:
        counts[status] = sum(n for s, st, n in found if s == AssignmentState.ACTIVE and st == status)
    return counts


def sheets_page(session: Session, *, review_round: Round, status: str = "", text: str = "",
                number: int = 1) -> SheetsPage:
    """Page `number` of the round's sheets that the filter `status` shows (as progress.Progress.sheets_in),
    by application then expert; `text` matches the application no. or name, or the expert's code or name."""
    query = (
        select(ScoreSheet, Application, Expert, Assignment.state)
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .join(Application, Application.id == ScoreSheet.application_id)
        .join(Expert, Expert.id == ScoreSheet.expert_id)
        .where(ScoreSheet.round_id == review_round.id)
        .order_by(Application.code, Expert.code)
    )
    if status == RECUSED:
        query = query.where(Assignment.state == AssignmentState.RECUSED)
    elif status in STATUSES:
        query = query.where(Assignment.state == AssignmentState.ACTIVE, ScoreSheet.status == status)
    if text:
        like = f"%{text}%"
        query = query.where(sa.or_(Application.code.like(like), Application.title.like(like),
                                   Expert.code.ilike(like), Expert.name.like(like)))
    rows = paging.paginate(session, query, number=number, size=SHEETS_PAGE_SIZE).map(
        lambda found: [SheetRow(*row) for row in found]
    )
    return SheetsPage(review_round, rows, status_counts(session, round_id=review_round.id),
                      deadline_passed(review_round, utcnow()), status)


# The progress page ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressPage:
    round: Round
    totals: Counts  # over every active seat
    overdue: int  # experts overdue
    experts: paging.Page  # of ExpertProgress: overdue first, then the most open sheets, then by code
    applications: paging.Page  # of ApplicationProgress, by code
    outbox: int


def progress_page(session: Session, *, review_round: Round, experts_page: int = 1,
                  applications_page: int = 1) -> ProgressPage:
    """The counts of the progress page: totals, one page of experts and one of applications."""
    now, deadline = utcnow(), review_round.scoring_deadline
    late = deadline_passed(review_round, now)
    soon = deadline is not None and now > deadline - DUE_SOON
    per_expert = (
        select(ScoreSheet.expert_id.label("expert_id"), *_tally())
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .where(ScoreSheet.round_id == review_round.id, Assignment.state == AssignmentState.ACTIVE)
        .group_by(ScoreSheet.expert_id)
        .subquery()
    )
    open_sheets = per_expert.c.untouched + per_expert.c.draft
    terms = ([open_sheets > 0] if late else []) + ([per_expert.c.untouched > 0] if soon else [])
    overdue = sa.or_(*terms) if terms else sa.false()
    experts = paging.paginate(
        session,
        select(Expert, sa.case((overdue, 1), else_=0), per_expert.c.untouched, per_expert.c.draft,
               per_expert.c.submitted)
        .join(per_expert, per_expert.c.expert_id == Expert.id)
        .order_by(sa.case((overdue, 0), else_=1), open_sheets.desc(), Expert.code),
        number=experts_page, size=COUNTS_PAGE_SIZE,
    ).map(lambda rows: [ExpertProgress(row[0], _counts(row), bool(row[1])) for row in rows])
    applications = paging.paginate(
        session,
        select(Application, *_tally())
        .join(ScoreSheet, ScoreSheet.application_id == Application.id)
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .where(ScoreSheet.round_id == review_round.id, Assignment.state == AssignmentState.ACTIVE)
        .group_by(Application.id)
        .order_by(Application.code),
        number=applications_page, size=COUNTS_PAGE_SIZE,
    ).map(lambda rows: [ApplicationProgress(row[0], _counts(row)) for row in rows])
    totals = session.execute(
        select(*_tally()).select_from(ScoreSheet).join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .where(ScoreSheet.round_id == review_round.id)
    ).one()
    overdue_count = session.execute(select(sa.func.count()).select_from(per_expert).where(overdue)).scalar_one()
    outbox = session.execute(
        select(sa.func.count()).select_from(Notification)
        .where(Notification.round_id == review_round.id, Notification.sent_at.is_(None))
    ).scalar_one()
    return ProgressPage(review_round, _counts(totals), overdue_count, experts, applications, outbox)
