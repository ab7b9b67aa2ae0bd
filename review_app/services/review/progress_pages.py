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
    """The counts of the progress page: totals, one page of experts and one of applications. The sheets
    are counted per expert once for the totals, the overdue and the experts' total (one row); the pages
    are ordered on ids and counts alone and the page's experts and applications read afterwards, so that
    the database never sorts whole rows of 15,000 experts or 10,000 applications."""
    now, deadline = utcnow(), review_round.scoring_deadline
    late = deadline_passed(review_round, now)
    soon = deadline is not None and now > deadline - DUE_SOON
    active_sheets = (ScoreSheet.round_id == review_round.id, Assignment.state == AssignmentState.ACTIVE)
    per_expert = (
        select(ScoreSheet.expert_id.label("expert_id"), *_tally())
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .where(*active_sheets)
        .group_by(ScoreSheet.expert_id)
        .subquery()
    )
    open_sheets = per_expert.c.untouched + per_expert.c.draft
    terms = ([open_sheets > 0] if late else []) + ([per_expert.c.untouched > 0] if soon else [])
    overdue = sa.or_(*terms) if terms else sa.false()
    n_experts, overdue_count, *totals = session.execute(
        select(sa.func.count(), sa.func.sum(sa.case((overdue, 1), else_=0)), sa.func.sum(per_expert.c.untouched),
               sa.func.sum(per_expert.c.draft), sa.func.sum(per_expert.c.submitted)).select_from(per_expert)
    ).one()
    experts = paging.paginate(
        session,
        select(per_expert.c.expert_id, sa.case((overdue, 1), else_=0), per_expert.c.untouched, per_expert.c.draft,
               per_expert.c.submitted)
        .join(Expert, Expert.id == per_expert.c.expert_id)
        .order_by(sa.case((overdue, 0), else_=1), open_sheets.desc(), Expert.code),
        number=experts_page, size=COUNTS_PAGE_SIZE, total=n_experts,
    )
    by_id = _by_id(session, Expert, [row[0] for row in experts.items])
    experts = experts.map(lambda rows: [ExpertProgress(by_id[row[0]], _counts(row), bool(row[1])) for row in rows])
    with_sheets = Application.id.in_(
        select(ScoreSheet.application_id).join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .where(*active_sheets)
    )
    applications = paging.paginate(
        session,
        select(Application.id).where(Application.round_id == review_round.id, with_sheets).order_by(Application.code),
        number=applications_page, size=COUNTS_PAGE_SIZE,
    )
    on_page = list(applications.items)
    counted = {
        row[0]: _counts(row)
        for row in session.execute(
            select(ScoreSheet.application_id, *_tally())
            .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
            .where(ScoreSheet.application_id.in_(on_page), *active_sheets)
            .group_by(ScoreSheet.application_id)
        )
    } if on_page else {}
    by_id = _by_id(session, Application, on_page)
    applications = applications.map(lambda ids: [ApplicationProgress(by_id[i], counted[i]) for i in ids])
    outbox = session.execute(
        select(sa.func.count()).select_from(Notification)
        .where(Notification.round_id == review_round.id, Notification.sent_at.is_(None))
    ).scalar_one()
    return ProgressPage(review_round, Counts(*(int(v or 0) for v in totals)), int(overdue_count or 0), experts,
                        applications, outbox)


def _by_id(session: Session, model, ids: list[int]) -> dict:
    """The rows of `model` with these ids (one page's worth), by id."""
    return {row.id: row for row in session.exec(select(model).where(model.id.in_(ids)))} if ids else {}
