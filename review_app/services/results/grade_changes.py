"""How a round's grades compare with each consortium's previous published grade: who improved, who fell,
and who is 不合格 for the second time (the notice's follow-up of weak performers)."""

from dataclasses import dataclass

from sqlmodel import Session, select

from ...models import ConsortiumGrade, Grade, GradeRule, Round
from .grades import GradeLine, GradeList

ORDER = list(Grade)  # best first


@dataclass(frozen=True)
class GradeChange:
    """One consortium's grade in the round beside its previous published grade."""

    line: GradeLine
    previous: Grade | None
    previous_year: int | None
    fails: int  # its 不合格 grades: the earlier published ones and this one

    @property
    def trend(self) -> str:
        """`improved`, `fell`, `same`, or `new` (no earlier published grade)."""
        if self.previous is None:
            return "new"
        now, before = ORDER.index(self.line.grade), ORDER.index(self.previous)
        return "improved" if now < before else "fell" if now > before else "same"

    @property
    def repeat_fail(self) -> bool:
        """不合格 now, and at least once before: to be followed up as the notice requires."""
        return self.line.grade == Grade.FAIL and self.fails >= 2


def published_history(session: Session, *, consortium_ids: list[int], before_year: int | None = None):
    """The published grades of these consortia, as (consortium id, round, grade row), oldest year first."""
    if not consortium_ids:
        return []
    query = (
        select(ConsortiumGrade, Round)
        .join(GradeRule, GradeRule.ranking_run_id == ConsortiumGrade.ranking_run_id)
        .join(Round, Round.id == ConsortiumGrade.round_id)
        .where(ConsortiumGrade.consortium_id.in_(consortium_ids), GradeRule.published_at.is_not(None))
        .order_by(Round.year, Round.id)
    )
    if before_year is not None:
        query = query.where(Round.year < before_year)
    return list(session.exec(query).all())


# Trends in the order the table lists them: the ones to act on first.
TREND_ORDER = {"fell": 0, "improved": 1, "same": 2, "new": 3}


def round_changes(session: Session, *, grade_list: GradeList) -> list[GradeChange]:
    """Each graded consortium of the round beside its latest earlier published grade; repeated 不合格
    first, then those who fell, those who improved, the rest, each in rank order."""
    ids = [line.consortium_id for line in grade_list.lines if line.consortium_id is not None]
    earlier: dict[int, list[tuple[Round, ConsortiumGrade]]] = {}
    for row, review_round in published_history(session, consortium_ids=ids, before_year=grade_list.round.year):
        earlier.setdefault(row.consortium_id, []).append((review_round, row))
    changes = []
    for line in grade_list.lines:
        past = earlier.get(line.consortium_id, [])
        last = past[-1] if past else None
        fails = sum(1 for _r, row in past if row.grade == Grade.FAIL) + (line.grade == Grade.FAIL)
        changes.append(GradeChange(line, last[1].grade if last else None, last[0].year if last else None, fails))
    return sorted(changes, key=lambda c: (not c.repeat_fail, TREND_ORDER[c.trend], c.line.rank))
