"""What the results screens show, read from the stored ranking run (record.py) and never recomputed: the
ranking beside the trimmed mean, the parts of the round that shared experts do not link, the charts (binned
here), and per application how its score is composed from its sheets."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from ...models import (
    Application,
    Criterion,
    Expert,
    RankingExpert,
    RankingResult,
    RankingRun,
    RankingSheet,
    Round,
    ScoreSheet,
)
from ..platform import paging
from ..rounds import criteria_of
from . import rank, record, selection

BIN_WIDTH = 10  # points; the last bin, 90–100, also holds 100
PAGE_SIZE = 50  # applications per page of the ranking
MAX_BARS = 320  # the leniency chart is 320 units wide: one bar per unit at most


@dataclass(frozen=True)
class ResultRow:
    ranked: rank.RankedApplication
    comparison: RankingResult | None  # the same application in the trimmed-mean ranking


@dataclass(frozen=True)
class Bin:
    low: int
    high: int  # inclusive for the last bin, exclusive otherwise
    count: int


PART_CODES = 5  # the codes a part names on the results page; its whole list is the ranking filtered by it


@dataclass(frozen=True)
class Part:
    """Applications of one connected part of the reviewer graph: no expert links them to another part.
    `number` is the part's number in the stored run (the ranking's `part` filter), `codes` its first
    applications by code (at most PART_CODES), `size` how many it has."""

    number: int
    size: int
    codes: tuple[str, ...]
    fields: tuple[str, ...]
    position: int = 1  # its place in the list of parts, from 1 (what the page calls it: 第 n 组)

    @property
    def more(self) -> int:
        """How many of its applications `codes` leaves out."""
        return self.size - len(self.codes)


@dataclass(frozen=True)
class Tally:
    """Counts over the whole run (the table shows one page of it)."""

    ranked: int = 0
    flagged: int = 0
    selected: int = 0


@dataclass(frozen=True)
class ResultsPage:
    round: Round
    run: RankingRun | None
    comparison: RankingRun | None
    rows: paging.Page  # of ResultRow: the page of the ranking the filters keep
    tally: Tally
    unranked: list[Application]  # submitted for review but without any submitted sheet yet (the first 100)
    unranked_count: int
    total_bins: list[Bin]  # the totals of the sheets the run counted
    leniencies: list[tuple[str, float]]  # (expert code, points) for the leniency chart, at most MAX_BARS
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


@dataclass(frozen=True)
class Filters:
    """What the ranking table keeps: `text` in the application no. or name, only the selected, only the
    flagged, only one part of the reviewer graph (`part`, its stored number)."""

    text: str = ""
    selected: bool = False
    flagged: bool = False
    part: int | None = None


def _ranked_rows(session: Session, run: RankingRun, comparison: RankingRun | None, filters: Filters,
                 number: int) -> paging.Page:
    query = (
        select(RankingResult, Application)
        .join(Application, Application.id == RankingResult.application_id)
        .where(RankingResult.ranking_run_id == run.id)
        .order_by(RankingResult.rank, Application.code)
    )
    if filters.text:
        like = f"%{filters.text}%"
        query = query.where(sa.or_(Application.code.like(like), Application.title.like(like)))
    if filters.selected:
        query = query.where(RankingResult.selected)
    if filters.flagged:
        query = query.where(RankingResult.flags != "")
    if filters.part is not None:
        query = query.where(RankingResult.graph_part == filters.part)
    found = paging.paginate(session, query, number=number, size=PAGE_SIZE)
    beside = {}
    if comparison is not None and found.items:
        beside = {
            r.application_id: r
            for r in session.exec(select(RankingResult).where(
                RankingResult.ranking_run_id == comparison.id,
                RankingResult.application_id.in_([a.id for _r, a in found.items]),
            ))
        }
    return found.map(lambda rows: [ResultRow(rank.RankedApplication(r, a), beside.get(a.id)) for r, a in rows])


def _tally(session: Session, run: RankingRun) -> Tally:
    ranked, flagged, selected = session.execute(
        select(
            sa.func.count(),
            sa.func.sum(sa.case((RankingResult.flags != "", 1), else_=0)),
            sa.func.sum(sa.case((RankingResult.selected, 1), else_=0)),
        ).where(RankingResult.ranking_run_id == run.id)
    ).one()
    return Tally(ranked, int(flagged or 0), int(selected or 0))


def page(session: Session, *, review_round: Round, filters: Filters = Filters(), number: int = 1) -> ResultsPage:
    """The newest ranking of the round (not the comparison), page `number` of it with the comparison
    beside it, and the counts, charts and parts of the whole run."""
    main, comparison = _runs(session, review_round)
    rows, tally = paging.Page([], 1, PAGE_SIZE, 0), Tally()
    if main is not None:
        rows, tally = _ranked_rows(session, main, comparison, filters, number), _tally(session, main)
    ranked = select(RankingResult.application_id).where(RankingResult.ranking_run_id == (main.id if main else -1))
    unranked = (
        select(Application)
        .where(
            Application.id.in_(select(ScoreSheet.application_id).where(ScoreSheet.round_id == review_round.id)),
            Application.id.not_in(ranked),
        )
        .order_by(Application.code)
    )
    unranked_count = session.execute(
        select(sa.func.count()).select_from(unranked.order_by(None).subquery())
    ).scalar_one()
    return ResultsPage(
        review_round,
        main,
        comparison,
        rows,
        tally,
        list(session.exec(unranked.limit(100))),
        unranked_count,
        _total_bins(session, main),
        _leniencies(session, main),
        parts(session, main) if main else [],
    )


def _total_bins(session: Session, run: RankingRun | None) -> list[Bin]:
    """The totals of the sheets the run counted, in bins of BIN_WIDTH points (as `bin_totals`), counted by
    the database: one row, whatever the number of sheets."""
    n_bins = 100 // BIN_WIDTH
    if run is None:
        return bin_totals([])
    total = RankingSheet.total

    def within(i: int):  # the first bin also holds anything below 0, the last anything from 90 up
        low, high = (total >= i * BIN_WIDTH if i else None), (total < (i + 1) * BIN_WIDTH if i < n_bins - 1 else None)
        return sa.and_(*[c for c in (low, high) if c is not None])

    counts = session.execute(
        select(*[sa.func.count().filter(within(i)) for i in range(n_bins)])
        .where(RankingSheet.ranking_run_id == run.id)
    ).one()
    return [Bin(i * BIN_WIDTH, (i + 1) * BIN_WIDTH, int(c or 0)) for i, c in enumerate(counts)]


def parts(session: Session, run: RankingRun) -> list[Part]:
    """The connected parts of the stored run, each with its size, its fields and its first codes (one part,
    or a run stored before parts were, gives one element or none). Counted by the database: a national
    round splits by field into parts of thousands of applications."""
    in_run = sa.and_(RankingResult.ranking_run_id == run.id, RankingResult.graph_part.is_not(None))
    sizes = dict(session.execute(
        select(RankingResult.graph_part, sa.func.count()).where(in_run).group_by(RankingResult.graph_part)
    ).all())
    if len(sizes) <= 1:
        return [Part(number, size, (), ()) for number, size in sizes.items()]
    # One pass: each part's first PART_CODES codes, and one row per field of the part (its first code).
    part, code, field = RankingResult.graph_part, Application.code, Application.field
    numbered = (
        select(part.label("part"), code.label("code"), field.label("field"),
               sa.func.row_number().over(partition_by=part, order_by=code).label("in_part"),
               sa.func.row_number().over(partition_by=(part, field), order_by=code).label("in_field"))
        .join(Application, Application.id == RankingResult.application_id).where(in_run).subquery()
    )
    codes: dict[int, list[str]] = {}
    fields: dict[int, set[str]] = {}
    for number, first, field_name, in_part in session.execute(
        select(numbered.c.part, numbered.c.code, numbered.c.field, numbered.c.in_part)
        .where(sa.or_(numbered.c.in_part <= PART_CODES, numbered.c.in_field == 1))
        .order_by(numbered.c.part, numbered.c.code)
    ):
        if in_part <= PART_CODES:
            codes.setdefault(number, []).append(first)
        fields.setdefault(number, set()).add(field_name)
    return [Part(number, size, tuple(codes.get(number, ())), tuple(sorted(fields.get(number, ()))), position)
            for position, (number, size) in enumerate(sorted(sizes.items()), start=1)]


def _leniencies(session: Session, run: RankingRun | None) -> list[tuple[str, float]]:
    """The experts' leniencies in order, for the chart: every expert, or MAX_BARS of them evenly spaced
    along the order (the lowest and the highest always) when there are more bars than the chart can draw."""
    if run is None:
        return []
    scored = sa.and_(RankingExpert.ranking_run_id == run.id, RankingExpert.leniency.is_not(None))
    n = session.execute(select(sa.func.count()).select_from(RankingExpert).where(scored)).scalar_one()
    place = sa.func.row_number().over(order_by=(RankingExpert.leniency, Expert.code)) - 1
    ordered = (
        select(Expert.code.label("code"), RankingExpert.leniency.label("leniency"), place.label("place"))
        .join(Expert, Expert.id == RankingExpert.expert_id).where(scored).subquery()
    )
    query = select(ordered.c.code, ordered.c.leniency).order_by(ordered.c.place)
    if n > MAX_BARS:  # the database numbers the experts in order and hands over only the bars drawn
        query = query.where(ordered.c.place.in_(sorted({round(i * (n - 1) / (MAX_BARS - 1)) for i in range(MAX_BARS)})))
    return [(code, value) for code, value in session.execute(query)]


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
    experts = record.experts(session, run=run, expert_ids=[s.expert_id for s in stored])
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
