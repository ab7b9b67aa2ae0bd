"""What the results screens show: the ranking beside the trimmed mean, per-application explanations
with the per-criterion means, and the distributions for the charts."""

import math
from dataclasses import dataclass

from sqlmodel import Session, select

import scoring

from ...models import (
    Application,
    Criterion,
    Expert,
    RankingResult,
    RankingRun,
    Round,
    ScoreSheet,
    SheetStatus,
)
from ..rounds import criteria_of
from . import rank


@dataclass(frozen=True)
class ResultRow:
    ranked: rank.RankedApplication
    comparison: RankingResult | None  # the same application in the trimmed-mean ranking


@dataclass(frozen=True)
class ResultsPage:
    round: Round
    run: RankingRun | None
    comparison: RankingRun | None
    rows: list[ResultRow]
    unranked: list[Application]  # submitted for review but without any submitted sheet yet
    total_bins: list[int]  # submitted totals counted in bins 0–9, 10–19, …, 90–100
    leniencies: list[tuple[str, float]]  # (expert code, points) for the leniency chart


def page(session: Session, *, review_round: Round) -> ResultsPage:
    """The newest ranking of the round (not the comparison), with the comparison beside it."""
    runs = list(
        session.exec(select(RankingRun).where(RankingRun.round_id == review_round.id).order_by(RankingRun.id.desc()))
    )
    final = next((r for r in runs if r.is_final), None)
    main = final or next((r for r in runs if r.method != rank.COMPARISON_METHOD), runs[0] if runs else None)
    comparison = (
        next(
            (
                r
                for r in runs
                if r.method == rank.COMPARISON_METHOD
                and r.id != getattr(main, "id", None)
                and r.created_at >= main.created_at
            ),
            None,
        )
        if main
        else None
    )
    rows: list[ResultRow] = []
    if main is not None:
        beside = {}
        if comparison is not None:
            beside = {
                r.application_id: r
                for r in session.exec(select(RankingResult).where(RankingResult.ranking_run_id == comparison.id))
            }
        rows = [ResultRow(r, beside.get(r.application.id)) for r in rank.results(session, run=main)]
    ranked_ids = {row.ranked.application.id for row in rows}
    reviewed = session.exec(
        select(Application)
        .where(Application.id.in_(select(ScoreSheet.application_id).where(ScoreSheet.round_id == review_round.id)))
        .order_by(Application.code)
    ).all()
    totals = [
        float(t)
        for t in session.exec(
            select(ScoreSheet.total).where(
                ScoreSheet.round_id == review_round.id, ScoreSheet.status == SheetStatus.SUBMITTED
            )
        )
    ]
    return ResultsPage(
        review_round,
        main,
        comparison,
        rows,
        [a for a in reviewed if a.id not in ranked_ids],
        totals,
        _leniencies(session, review_round, main),
    )


def _ranking(session: Session, review_round: Round, run: RankingRun) -> scoring.Ranking:
    # Explanations need no intervals: few draws keep the page fast at any size.
    return scoring.rank_scores(rank.score_table(session, review_round), run.method, seed=run.seed, n_draws=20)


def _leniencies(session: Session, review_round: Round, run: RankingRun | None) -> list[tuple[str, float]]:
    if run is None:
        return []
    ranking = _ranking(session, review_round, run)
    codes = dict(session.exec(select(Expert.id, Expert.code)).all())
    return sorted(
        ((codes[int(e.expert_id)], e.leniency) for e in ranking.experts() if not math.isnan(e.leniency)),
        key=lambda pair: pair[1],
    )


@dataclass(frozen=True)
class ReviewView:
    expert_code: str
    expert_name: str | None  # only for the centre's own staff
    total: float
    leniency: float
    adjusted: float
    weight: float
    recommend: bool | None
    comment: str
    points: list[float | None]


@dataclass(frozen=True)
class ApplicationResult:
    application: Application
    result: RankingResult
    run: RankingRun
    criteria: list[Criterion]
    criterion_means: list[float | None]
    reviews: list[ReviewView]
    raw_mean: float


def application_result(
    session: Session, *, run: RankingRun, application_id: int, show_names: bool
) -> ApplicationResult | None:
    """Why the application has its place: every submitted sheet, each expert's estimated leniency, the
    adjusted scores and the per-criterion means."""
    result = session.exec(
        select(RankingResult).where(
            RankingResult.ranking_run_id == run.id, RankingResult.application_id == application_id
        )
    ).first()
    if result is None:
        return None
    review_round = session.get(Round, run.round_id)
    explanation = _ranking(session, review_round, run).explain(str(application_id))
    criteria = criteria_of(session, run.round_id)
    sheets = {
        str(s.expert_id): s
        for s in session.exec(
            select(ScoreSheet).where(
                ScoreSheet.application_id == application_id, ScoreSheet.status == SheetStatus.SUBMITTED
            )
        )
    }
    points = rank.sheet_points(session, [s.id for s in sheets.values()])
    reviews = []
    for line in explanation.reviews:
        sheet, expert = sheets[line.expert_id], session.get(Expert, int(line.expert_id))
        reviews.append(
            ReviewView(
                expert_code=expert.code,
                expert_name=expert.name if show_names else None,
                total=line.total,
                leniency=line.leniency,
                adjusted=line.adjusted,
                weight=line.weight,
                recommend=line.recommend,
                comment=sheet.comment,
                points=[points.get((sheet.id, c.id)) for c in criteria],
            )
        )
    reviews.sort(key=lambda r: r.expert_code)
    means = rank.criterion_means(session, round_id=run.round_id, application_id=application_id)
    return ApplicationResult(
        session.get(Application, application_id),
        result,
        run,
        criteria,
        [means.get((application_id, c.id)) for c in criteria],
        reviews,
        explanation.raw_mean,
    )
