"""The stored record of a ranking run: written once, when the run is made, from the `scoring` library's
result, and read by the pages, the exports and the round archive. Nothing here runs the aggregation again;
nothing changes a stored row afterwards (only the selection fields of RankingResult, see selection.py).

What a run keeps: each application's line (score, interval, flags, the composition of its score, its part
and group of the reviewer graph), each expert's leniency and spread, each sheet's total, clipped total,
adjusted score and share, and each application's criterion means."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session, select

from ...models import (
    Application,
    Expert,
    RankingCriterionMean,
    RankingExpert,
    RankingResult,
    RankingRun,
    RankingSheet,
    ScoreSheet,
)

if TYPE_CHECKING:
    import scoring

# The only columns of a stored run that may change after it is written: the selection (see selection.py).
SELECTION_COLUMNS = frozenset({"selected", "selection_reason"})


class StoredRunChanged(RuntimeError):
    """Code tried to change a figure of a stored ranking run; a run is rewritten by aggregating anew."""


def _refuse_changes(_mapper, _connection, target) -> None:
    changed = {a.key for a in sa.inspect(target).attrs if a.history.has_changes()}
    if changed - SELECTION_COLUMNS:
        raise StoredRunChanged(f"{type(target).__name__} {target.id}: {', '.join(sorted(changed))} are stored")


for _table in (RankingResult, RankingExpert, RankingSheet, RankingCriterionMean):
    sa.event.listen(_table, "before_update", _refuse_changes)


def _number(value: float) -> float | None:
    """NaN (a figure the method does not estimate) is stored as NULL."""
    return None if math.isnan(value) else float(value)


def store(
    session: Session,
    *,
    run: RankingRun,
    ranking: scoring.Ranking,
    sheets: list[ScoreSheet],
    criterion_ids: list[int],
) -> None:
    """Write everything `ranking` computed for `run` (already flushed, so it has its id), in bulk: a
    national round stores 10,000 results, 15,000 experts and 50,000 sheets per run."""
    import numpy as np

    import scoring

    table = ranking.table
    sheet_of = {(str(s.application_id), str(s.expert_id)): s.id for s in sheets}
    order = {app_id: i for i, app_id in enumerate(ranking.app_ids)}
    adjusted_means = np.bincount(table.app, weights=ranking.share * ranking.adjusted, minlength=len(ranking.app_ids))
    results = []
    for row in ranking.rows():
        i = order[row.app_id]
        results.append({
            "ranking_run_id": run.id,
            "application_id": int(row.app_id),
            "rank": row.rank,
            "score": row.score,
            "ci_low": row.ci_low,
            "ci_high": row.ci_high,
            "n_reviews": row.n_reviews,
            "flags": ";".join(row.flags),
            "raw_mean": row.raw_mean,
            "adjusted_mean": float(adjusted_means[i]),
            "shrink": float(ranking.shrink[i]),
            "target": float(ranking.target[i]),
            "graph_part": int(ranking.component[i]),
            "graph_group": int(ranking.group[i]),
        })
    experts = [
        {
            "ranking_run_id": run.id,
            "expert_id": int(expert.expert_id),
            "n_reviews": expert.n_reviews,
            "leniency": _number(expert.leniency),
            "spread": _number(expert.spread),
            "flags": ";".join(expert.flags),
        }
        for expert in ranking.experts()
    ]
    lines = []
    for r in range(table.n_reviews):
        app_id, expert_id = str(table.app_ids[table.app[r]]), str(table.expert_ids[table.expert[r]])
        lines.append({
            "ranking_run_id": run.id,
            "sheet_id": sheet_of[(app_id, expert_id)],
            "application_id": int(app_id),
            "expert_id": int(expert_id),
            "total": float(table.total[r]),
            "robust": float(ranking.robust[r]),
            "adjusted": float(ranking.adjusted[r]),
            "share": float(ranking.share[r]),
            "weight": float(ranking.weight[r]),
        })
    means = scoring.criterion_scores(table, "mean")
    criterion_rows = [
        {"ranking_run_id": run.id, "application_id": int(app_id), "criterion_id": criterion_id,
         "mean": float(means[i, k])}
        for i, app_id in enumerate(ranking.app_ids)
        for k, criterion_id in enumerate(criterion_ids)
        if not math.isnan(means[i, k])
    ]
    for model, rows in ((RankingResult, results), (RankingExpert, experts), (RankingSheet, lines),
                        (RankingCriterionMean, criterion_rows)):
        for start in range(0, len(rows), 10_000):
            session.execute(sa.insert(model), rows[start : start + 10_000])


def criterion_means(
    session: Session, *, run: RankingRun, application_id: int | None = None
) -> dict[tuple[int, int], float]:
    """The run's mean points by (application id, criterion id); a criterion nobody scored is absent."""
    query = select(RankingCriterionMean).where(RankingCriterionMean.ranking_run_id == run.id)
    if application_id is not None:
        query = query.where(RankingCriterionMean.application_id == application_id)
    return {(m.application_id, m.criterion_id): m.mean for m in session.exec(query)}


def experts(session: Session, *, run: RankingRun, expert_ids: list[int] | None = None) -> dict[int, RankingExpert]:
    """The run's experts by expert id (only those of `expert_ids` when given)."""
    query = select(RankingExpert).where(RankingExpert.ranking_run_id == run.id)
    if expert_ids is not None:
        query = query.where(RankingExpert.expert_id.in_(expert_ids))
    return {e.expert_id: e for e in session.exec(query)}


def sheets(session: Session, *, run: RankingRun, application_id: int | None = None) -> list[RankingSheet]:
    """The sheets the run counted (of one application, or all), in sheet order."""
    query = select(RankingSheet).where(RankingSheet.ranking_run_id == run.id)
    if application_id is not None:
        query = query.where(RankingSheet.application_id == application_id)
    return list(session.exec(query.order_by(RankingSheet.sheet_id)))


def is_recorded(result: RankingResult) -> bool:
    """Whether the run of `result` stored its composition (runs made before revision 0005 did not)."""
    return result.adjusted_mean is not None


COMPOSITION_HEADER = (
    "app_id",
    "expert_id",
    "total",
    "robust",
    "leniency",
    "adjusted",
    "share",
    "adjusted_mean",
    "shrink",
    "target",
    "score",
)


def composition_rows(session: Session, *, run: RankingRun) -> list[list]:
    """One row per counted sheet: how the stored run composed each application's score from it (codes of
    the application and the expert; the application's figures repeated on each of its rows). Empty for a
    run stored before its composition was."""
    results = {
        r.application_id: r for r in session.exec(select(RankingResult).where(RankingResult.ranking_run_id == run.id))
    }
    seen = experts(session, run=run)
    lines = sheets(session, run=run)
    app_ids, expert_ids = list(results), [s.expert_id for s in lines]
    app_codes = dict(session.exec(select(Application.id, Application.code).where(Application.id.in_(app_ids))).all())
    expert_codes = dict(session.exec(select(Expert.id, Expert.code).where(Expert.id.in_(expert_ids))).all())
    rows = []
    for line in lines:
        result, expert = results[line.application_id], seen.get(line.expert_id)
        leniency = expert.leniency if expert is not None else None
        rows.append(
            [
                app_codes[line.application_id],
                expert_codes[line.expert_id],
                line.total,
                line.robust,
                "" if leniency is None else leniency,
                line.adjusted,
                line.share,
                result.adjusted_mean,
                result.shrink,
                result.target,
                result.score,
            ]
        )
    return sorted(rows, key=lambda row: (row[0], row[1]))
