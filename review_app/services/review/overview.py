"""The expert's own sheets of a round side by side: the points of each criterion, drafts and submitted
sheets alike (a draft's total is marked as such), so that an expert keeps one scale across applications;
and the previous and next application of the round from a sheet. Only the expert's own sheets."""

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, select

from ...models import Application, Assignment, AssignmentState, Criterion, Round, ScoreItem, ScoreSheet, SheetStatus
from ..rounds import criteria_of


@dataclass(frozen=True)
class OverviewRow:
    sheet: ScoreSheet
    application: Application
    points: dict[int, Decimal]

    @property
    def is_draft(self) -> bool:
        return self.sheet.status != SheetStatus.SUBMITTED


@dataclass(frozen=True)
class RoundOverview:
    round: Round
    criteria: list[Criterion]
    rows: list[OverviewRow]

    def mean(self, criterion: Criterion) -> Decimal | None:
        """The mean of the expert's points for `criterion` over the sheets that have them."""
        values = [r.points[criterion.id] for r in self.rows if criterion.id in r.points]
        return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01")) if values else None


def _in_active_sheets(query, *, round_id: int, expert_id: int):
    """`query` over the expert's sheets of the round on applications they are still reviewing, by application
    number."""
    return (
        query.join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .join(Application, Application.id == ScoreSheet.application_id)
        .where(
            ScoreSheet.round_id == round_id,
            ScoreSheet.expert_id == expert_id,
            Assignment.state == AssignmentState.ACTIVE,
        )
        .order_by(Application.code)
    )


def _active_sheets(session: Session, *, round_id: int, expert_id: int) -> list[tuple[ScoreSheet, Application]]:
    """The expert's sheets of the round on applications they are still reviewing, by application number."""
    query = select(ScoreSheet, Application)
    return list(session.exec(_in_active_sheets(query, round_id=round_id, expert_id=expert_id)).all())


def round_overview(session: Session, *, round_id: int, expert_id: int) -> RoundOverview | None:
    """The expert's sheets of the round with their points per criterion; None when they have none there."""
    pairs = _active_sheets(session, round_id=round_id, expert_id=expert_id)
    if not pairs:
        return None
    items: dict[int, dict[int, Decimal]] = {}
    for item in session.exec(select(ScoreItem).where(ScoreItem.sheet_id.in_([s.id for s, _a in pairs]))):
        items.setdefault(item.sheet_id, {})[item.criterion_id] = item.points
    rows = [OverviewRow(sheet, application, items.get(sheet.id, {})) for sheet, application in pairs]
    return RoundOverview(session.get(Round, round_id), criteria_of(session, round_id), rows)


_NEIGHBOURS = _in_active_sheets(select(ScoreSheet.id), round_id=sa.bindparam("round_id"),
                                expert_id=sa.bindparam("expert_id"))  # built once: the sheet page's


def neighbours(session: Session, sheet: ScoreSheet) -> tuple[int | None, int | None]:
    """The ids of the expert's previous and next sheet of the same round (by application number), or None at
    either end. Reads the ids only: the sheet page asks for them on every opening."""
    ids = list(session.exec(_NEIGHBOURS, params={"round_id": sheet.round_id, "expert_id": sheet.expert_id}))
    if sheet.id not in ids:
        return None, None
    at = ids.index(sheet.id)
    return (ids[at - 1] if at > 0 else None), (ids[at + 1] if at + 1 < len(ids) else None)
