"""The only translator between the database and the `scoring` library: submitted sheets in, a stored
ranking out. Ranking itself (bias correction, intervals, flags) stays in `scoring/`."""

from dataclasses import dataclass

import numpy as np
from flask_babel import gettext as _
from sqlmodel import Session, select

import scoring

from ...models import (
    Application,
    Assignment,
    AssignmentState,
    Criterion,
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

COMPARISON_METHOD = "trimmed"  # the usual practice, shown beside the calibrated ranking


class RankError(ServiceError):
    """The round cannot be ranked yet; the message is shown to the user."""


def criteria_of(session: Session, round_id: int) -> list[Criterion]:
    return list(session.exec(select(Criterion).where(Criterion.round_id == round_id).order_by(Criterion.position)))


def sheet_points(session: Session, sheet_ids: list[int]) -> dict[tuple[int, int], float]:
    """Points by (sheet id, criterion id)."""
    return {
        (item.sheet_id, item.criterion_id): float(item.points)
        for item in session.exec(select(ScoreItem).where(ScoreItem.sheet_id.in_(sheet_ids)))
    }


def score_table(session: Session, review_round: Round) -> scoring.ScoreTable:
    """Every submitted sheet of the round's active panels: totals, criterion points, 推荐/不推荐.

    Application and expert ids are database ids as strings.
    """
    criteria = criteria_of(session, review_round.id)
    sheets = list(
        session.exec(
            select(ScoreSheet)
            .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
            .where(
                ScoreSheet.round_id == review_round.id,
                ScoreSheet.status == SheetStatus.SUBMITTED,
                Assignment.state == AssignmentState.ACTIVE,
            )
            .order_by(ScoreSheet.id)
        )
    )
    if not sheets:
        raise RankError(_("No score sheet of this round has been submitted yet."))
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
    session: Session, *, review_round: Round, method: str = scoring.DEFAULT_METHOD, seed: int = 0, by: User | None
) -> RankingRun:
    """Rank the round's submitted sheets with `method` and store the result as a new ranking run."""
    if method not in scoring.METHODS:
        raise RankError(_("Unknown aggregation method %(method)s.", method=method))
    ranking = scoring.rank_scores(score_table(session, review_round), method, seed=seed)
    run = RankingRun(round_id=review_round.id, method=method, seed=seed, created_by_id=by.id if by else None)
    session.add(run)
    session.flush()
    for row in ranking.rows():
        session.add(
            RankingResult(
                ranking_run_id=run.id,
                application_id=int(row.app_id),
                rank=row.rank,
                score=row.score,
                ci_low=row.ci_low,
                ci_high=row.ci_high,
                n_reviews=row.n_reviews,
                flags=";".join(row.flags),
            )
        )
    audit.record(
        session,
        action="ranking.aggregate",
        by=by,
        target=run,
        round_id=review_round.id,
        details={"method": method, "seed": seed, "applications": len(ranking.rows())},
    )
    return run


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


def set_cutoff(session: Session, *, run: RankingRun, cutoff: int, by: User | None) -> int:
    """Select the applications ranked `cutoff` or better (ties at the line all go in); returns how many."""
    if cutoff < 0:
        raise RankError(_("The cut-off must be zero or more."))
    chosen = 0
    for ranked in results(session, run=run):
        ranked.result.selected = ranked.result.rank <= cutoff
        ranked.result.selection_reason = _("Within the cut-off") if ranked.result.selected else ""
        chosen += ranked.result.selected
    run.cutoff = cutoff
    audit.record(
        session,
        action="ranking.cutoff",
        by=by,
        target=run,
        round_id=run.round_id,
        details={"cutoff": cutoff, "selected": chosen},
    )
    return chosen


def set_selected(session: Session, *, result: RankingResult, selected: bool, reason: str, by: User | None) -> None:
    """Put one application in or out of the selection by hand; a written reason is required."""
    reason = reason.strip()
    if not reason:
        raise RankError(_("A reason is required to change the selection by hand."))
    result.selected = selected
    result.selection_reason = reason
    run = session.get(RankingRun, result.ranking_run_id)
    audit.record(
        session,
        action="ranking.select",
        by=by,
        target=result,
        round_id=run.round_id,
        details={"application_id": result.application_id, "selected": selected, "reason": reason},
    )
