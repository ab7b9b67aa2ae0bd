"""What the results screens show, read from the stored ranking run (record.py) and never recomputed: the
ranking beside the trimmed mean, the parts of the round that shared experts do not link, the charts (binned
here), and per application how its score is composed from its sheets."""

from dataclasses import dataclass

from sqlmodel import Session, select

from ...models import (
    Application,
    Criterion,
    Expert,
    RankingResult,
    RankingRun,
    Round,
    ScoreSheet,
)
from ..rounds import criteria_of
from . import rank, record, selection

BIN_WIDTH = 10  # points; the last bin, 90–100, also holds 100


@dataclass(frozen=True)
class ResultRow:
    ranked: rank.RankedApplication
    comparison: RankingResult | None  # the same application in the trimmed-mean ranking


@dataclass(frozen=True)
class Bin:
    low: int
    high: int  # inclusive for the last bin, exclusive otherwise
    count: int


@dataclass(frozen=True)
class Part:
    """Applications of one connected part of the reviewer graph: no expert links them to another part."""

    codes: tuple[str, ...]
    fields: tuple[str, ...]


@dataclass(frozen=True)
class ResultsPage:
    round: Round
    run: RankingRun | None
    comparison: RankingRun | None
    rows: list[ResultRow]
    unranked: list[Application]  # submitted for review but without any submitted sheet yet
    total_bins: list[Bin]  # the totals of the sheets the run counted
    leniencies: list[tuple[str, float]]  # (expert code, points) for the leniency chart
    parts: list[Part]  # more than one: some applications cannot be compared through shared experts


def bin_totals(totals: list[float]) -> list[Bin]:
    """Count the totals in bins 0–9.99, 10–19.99, …, 90–100."""
    n_bins = 100 // BIN_WIDTH
    counts = [0] * n_bins
    for total in totals:
        counts[min(int(total // BIN_WIDTH), n_bins - 1)] += 1
    return [Bin(i * BIN_WIDTH, (i + 1) * BIN_WIDTH, c) for i, c in enumerate(counts)]


def _runs(session: Session, review_round: Round) -> tuple[RankingRun | None, RankingRun | None]:
    """The run the centre works on (see selection.working_run); the trimmed mean made with it."""
    main = selection.working_run(session, round_id=review_round.id)
    if main is None:
        return None, None
    comparison = session.exec(
        select(RankingRun)
        .where(
            RankingRun.round_id == review_round.id,
            RankingRun.method == rank.COMPARISON_METHOD,
            RankingRun.id != main.id,
            RankingRun.created_at >= main.created_at,
        )
        .order_by(RankingRun.id.desc())
    ).first()
    return main, comparison


def page(session: Session, *, review_round: Round) -> ResultsPage:
    """The newest ranking of the round (not the comparison), with the comparison beside it."""
    main, comparison = _runs(session, review_round)
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
    totals = [s.total for s in record.sheets(session, run=main)] if main else []
    return ResultsPage(
        review_round,
        main,
        comparison,
        rows,
        [a for a in reviewed if a.id not in ranked_ids],
        bin_totals(totals),
        _leniencies(session, main),
        parts([row.ranked for row in rows]),
    )


def parts(ranked: list[rank.RankedApplication]) -> list[Part]:
    """The connected parts of the stored run, each with its applications' codes and fields (one part, or a
    run stored before parts were, gives one element or none)."""
    by_part: dict[int, list[Application]] = {}
    for r in ranked:
        if r.result.graph_part is not None:
            by_part.setdefault(r.result.graph_part, []).append(r.application)
    return [
        Part(
            tuple(sorted(a.code for a in apps)),
            tuple(sorted({a.field for a in apps})),
        )
        for _, apps in sorted(by_part.items())
    ]


def _leniencies(session: Session, run: RankingRun | None) -> list[tuple[str, float]]:
    if run is None:
        return []
    stored = record.experts(session, run=run)
    if not stored:
        return []
    codes = dict(session.exec(select(Expert.id, Expert.code).where(Expert.id.in_(list(stored)))).all())
    return sorted(
        ((codes[e.expert_id], e.leniency) for e in stored.values() if e.leniency is not None),
        key=lambda pair: pair[1],
    )


@dataclass(frozen=True)
class ReviewView:
    """One sheet's line on the application's page, with its stored part in the score."""

    expert_code: str
    expert_name: str | None  # only for the centre's own staff
    total: float
    robust: float  # after clipping a careless extreme (= total when not clipped)
    leniency: float | None
    spread: float | None
    adjusted: float
    share: float  # in the adjusted mean
    recommend: bool | None
    comment: str
    points: list[float | None]

    @property
    def clipped(self) -> float:
        return self.robust - self.total


@dataclass(frozen=True)
class ApplicationResult:
    application: Application
    result: RankingResult
    run: RankingRun
    criteria: list[Criterion]
    criterion_means: list[float | None]
    reviews: list[ReviewView]
    recorded: bool  # False for a run stored before its composition was (nothing to show but the result)
    correction: str  # how the method makes a sheet's adjusted score (scoring.composition.CORRECTION)


def application_result(
    session: Session, *, run: RankingRun, application_id: int, show_names: bool
) -> ApplicationResult | None:
    """Why the application has its place, as the run stored it: every sheet it counted, each expert's
    leniency, the adjusted scores and their shares, the shrinkage, and the per-criterion means."""
    from scoring.composition import CORRECTION
    result = session.exec(
        select(RankingResult).where(
            RankingResult.ranking_run_id == run.id, RankingResult.application_id == application_id
        )
    ).first()
    if result is None:
        return None
    criteria = criteria_of(session, run.round_id)
    stored = record.sheets(session, run=run, application_id=application_id)
    experts = record.experts(session, run=run)
    sheets = {s.id: s for s in session.exec(select(ScoreSheet).where(ScoreSheet.id.in_([s.sheet_id for s in stored])))}
    points = rank.sheet_points(session, list(sheets))
    reviews = []
    for line in stored:
        sheet, expert, seen = sheets[line.sheet_id], session.get(Expert, line.expert_id), experts.get(line.expert_id)
        reviews.append(
            ReviewView(
                expert_code=expert.code,
                expert_name=expert.name if show_names else None,
                total=line.total,
                robust=line.robust,
                leniency=seen.leniency if seen else None,
                spread=seen.spread if seen else None,
                adjusted=line.adjusted,
                share=line.share,
                recommend=sheet.recommend,
                comment=sheet.comment,
                points=[points.get((sheet.id, c.id)) for c in criteria],
            )
        )
    reviews.sort(key=lambda r: r.expert_code)
    means = record.criterion_means(session, run=run, application_id=application_id)
    return ApplicationResult(
        session.get(Application, application_id),
        result,
        run,
        criteria,
        [means.get((application_id, c.id)) for c in criteria],
        reviews,
        record.is_recorded(result),
        CORRECTION.get(run.method, "none"),
    )
