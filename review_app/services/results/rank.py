"""The only translator between the database and the `scoring` library: submitted sheets in, a stored
ranking run out (record.py writes and reads everything the run computed, criterion means included).
Ranking itself (bias correction, intervals, flags, the composition of a score) stays in `scoring/`.

A sheet counts once it is submitted and its seat on the panel is still active (a replaced expert's sheet
does not)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import (
    Application,
    Assignment,
    AssignmentState,
    RankingResult,
    RankingRun,
    Round,
    ScoreItem,
    ScoreSheet,
    SheetStatus,
    User,
)
from ..compliance import audit
from ..errors import ServiceError
from ..rounds import criteria_of
from . import approval, record

if TYPE_CHECKING:
    import scoring

COMPARISON_METHOD = "trimmed"  # the usual practice, shown beside the calibrated ranking


class RankError(ServiceError):
    """The round cannot be ranked yet; the message is shown to the user."""


def sheet_points(session: Session, sheet_ids: list[int]) -> dict[tuple[int, int], float]:
    """Points by (sheet id, criterion id), read 5,000 sheets a query."""
    points = {}
    for start in range(0, len(sheet_ids), 5000):
        for sheet_id, criterion_id, value in session.execute(
            select(ScoreItem.sheet_id, ScoreItem.criterion_id, ScoreItem.points)
            .where(ScoreItem.sheet_id.in_(sheet_ids[start : start + 5000]))
        ):
            points[(sheet_id, criterion_id)] = float(value)
    return points


def _counted(query, round_id: int):
    """`query` narrowed to the sheets that count in the round's ranking."""
    return query.join(Assignment, Assignment.id == ScoreSheet.assignment_id).where(
        ScoreSheet.round_id == round_id,
        ScoreSheet.status == SheetStatus.SUBMITTED,
        Assignment.state == AssignmentState.ACTIVE,
    )


def _counted_sheets(session: Session, review_round: Round) -> list[ScoreSheet]:
    sheets = list(session.exec(_counted(select(ScoreSheet), review_round.id).order_by(ScoreSheet.id)))
    if not sheets:
        raise RankError(_("No score sheet of this round has been submitted yet."))
    return sheets


def score_table(session: Session, review_round: Round, sheets: list[ScoreSheet] | None = None) -> scoring.ScoreTable:
    """Every submitted sheet of the round's active panels (or `sheets`): totals, criterion points,
    推荐/不推荐. Application and expert ids are database ids as strings."""
    import numpy as np

    import scoring
    criteria = criteria_of(session, review_round.id)
    sheets = _counted_sheets(session, review_round) if sheets is None else sheets
    position = {c.id: i for i, c in enumerate(criteria)}
    points = np.full((len(sheets), len(criteria)), np.nan)
    row_of = {s.id: r for r, s in enumerate(sheets)}
    for (sheet_id, criterion_id), value in sheet_points(session, list(row_of)).items():
        points[row_of[sheet_id], position[criterion_id]] = value
    return scoring.ScoreTable.from_records(
        [str(s.application_id) for s in sheets],
        [str(s.expert_id) for s in sheets],
        [float(s.total) for s in sheets],
        criteria=points,
        criterion_names=[c.title for c in criteria],
        recommend=[np.nan if s.recommend is None else float(s.recommend) for s in sheets],
        labels=[f"sheet {s.id}" for s in sheets],
    )


def aggregate(
    session: Session, *, review_round: Round, method: str | None = None, seed: int = 0, by: User | None
) -> RankingRun:
    """Rank the round's submitted sheets with `method` (None: the library's default) and store the result
    as a new ranking run (refused once the round's ranking is approved)."""
    import scoring
    approval.ensure_open(session, review_round=review_round)
    method = method or scoring.DEFAULT_METHOD
    if method not in scoring.METHODS:
        raise RankError(_("Unknown aggregation method %(method)s.", method=method))
    sheets = _counted_sheets(session, review_round)
    ranking = scoring.rank_scores(score_table(session, review_round, sheets), method, seed=seed)
    run = RankingRun(round_id=review_round.id, method=method, seed=seed, created_by_id=by.id if by else None)
    session.add(run)
    session.flush()
    criterion_ids = [c.id for c in criteria_of(session, review_round.id)]
    record.store(session, run=run, ranking=ranking, sheets=sheets, criterion_ids=criterion_ids)
    audit.record(
        session,
        action="ranking.aggregate",
        by=by,
        target=run,
        round_id=review_round.id,
        details={"method": method, "seed": seed, "applications": len(ranking.rows())},
    )
    return run


def aggregate_round(
    session: Session, *, review_round: Round, method: str, seed: int, by: User | None
) -> tuple[RankingRun, RankingRun | None]:
    """Rank with `method`, and with the trimmed mean beside it unless that is the method."""
    main = aggregate(session, review_round=review_round, method=method, seed=seed, by=by)
    comparison = None
    if method != COMPARISON_METHOD:
        comparison = aggregate(session, review_round=review_round, method=COMPARISON_METHOD, seed=seed, by=by)
    return main, comparison


@dataclass(frozen=True)
class RankedApplication:
    result: RankingResult
    application: Application


def results(session: Session, *, run: RankingRun) -> list[RankedApplication]:
    """A stored ranking in rank order (ties by application code)."""
    rows = session.exec(
        select(RankingResult, Application)
        .join(Application, Application.id == RankingResult.application_id)
        .where(RankingResult.ranking_run_id == run.id)
        .order_by(RankingResult.rank, Application.code)
    ).all()
    return [RankedApplication(result, application) for result, application in rows]


def latest_run(session: Session, *, round_id: int, method: str | None = None) -> RankingRun | None:
    query = select(RankingRun).where(RankingRun.round_id == round_id)
    if method:
        query = query.where(RankingRun.method == method)
    return session.exec(query.order_by(RankingRun.id.desc())).first()
