"""The public entry point: ``rank_scores(table, method=...) -> Ranking``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .aggregate import MeanScorer, MedianScorer, TrimmedScorer, ZScoreScorer
from .calibrate import AffineModel, BiasModel, CalibratedModel
from .composition import Composition, compose
from .data import Reviews, ScoreTable
from .flags import FlagOptions, app_flags, expert_flags, peer_z
from .intervals import rank_intervals
from .linkage import GroupRow, Linkage, linkage
from .rows import AppRow, ExpertRow, Explanation, ReviewLine

METHODS = {
    "calibrated": CalibratedModel,
    "mean": MeanScorer,
    "trimmed": TrimmedScorer,
    "median": MedianScorer,
    "zscore": ZScoreScorer,
    "bias": BiasModel,
    "affine": AffineModel,
}
DEFAULT_METHOD = "calibrated"
TIES = ("min", "max", "dense", "ordinal", "average")
# Scores equal to this many decimals are ties (guards against float noise).
TIE_DECIMALS = 9


def default_draws(n_reviews: int) -> int:
    """Number of draws for the rank intervals: 400, or 200 above 10,000 reviews."""
    return 400 if n_reviews <= 10_000 else 200


def make_scorer(method: str = DEFAULT_METHOD, **options):
    """A fresh scorer for ``method`` (one of :data:`METHODS`) with its options."""
    try:
        cls = METHODS[method]
    except KeyError:
        raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}") from None
    return cls(**options)


def rank(values, ties: str = "min") -> np.ndarray:
    """Rank values from the highest (rank 1) down.

    Parameters
    ----------
    values : array-like of shape (n,)
        Scores; values equal to ``TIE_DECIMALS`` decimals are ties.
    ties : {"min", "max", "dense", "ordinal", "average"}
        ``min``: ties share the best rank of the group (1, 1, 3);
        ``max``: the worst (2, 2, 3); ``dense``: (1, 1, 2); ``ordinal``: ties are
        broken by position in ``values`` (in a :class:`Ranking`, by app_id);
        ``average``: the mean rank of the group (floats).

    Examples
    --------
    >>> rank([3.0, 5.0, 5.0], ties="min").tolist()
    [3, 1, 1]
    >>> rank([3.0, 5.0, 5.0], ties="ordinal").tolist()
    [3, 1, 2]
    >>> rank([3.0, 5.0, 5.0], ties="average").tolist()
    [3.0, 1.5, 1.5]
    """
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}")
    v = np.round(np.asarray(values, dtype=float), TIE_DECIMALS)
    n = v.shape[0]
    order = np.lexsort((np.arange(n), -v))
    ordinal = np.empty(n, dtype=np.int64)
    ordinal[order] = np.arange(1, n + 1)
    if ties == "ordinal":
        return ordinal
    sv = v[order]
    new_group = np.r_[True, sv[1:] != sv[:-1]] if n else np.zeros(0, bool)
    group = np.cumsum(new_group) - 1
    first = np.flatnonzero(new_group) + 1
    last = np.r_[first[1:] - 1, n]
    out = {
        "min": first[group],
        "max": last[group],
        "dense": group + 1,
        "average": (first[group] + last[group]) / 2.0,
    }[ties]
    res = np.empty(n, dtype=out.dtype)
    res[order] = out
    return res


@dataclass(frozen=True, eq=False)
class Ranking:
    """Result of :func:`rank_scores`. Arrays are read-only and indexed like
    ``table.app_ids`` (sorted ids), not in rank order; use :meth:`rows` for that.

    Attributes
    ----------
    score, raw_mean : ndarray of shape (n_apps,)
    rank, ci_low, ci_high, n_reviews, component, group : ndarray of int, shape (n_apps,)
        ``component`` labels the connected parts of the expert–application graph
        (applications of different parts share no expert, even along a chain, so
        nothing compares them but their raw level); ``group`` labels the weakly
        linked groups within the parts (:mod:`scoring.linkage`). Both are numbered
        0.. by their first application; see :meth:`groups` and :meth:`parts`.
    group_offset_sd : ndarray of shape (n_groups,)
        Posterior SD in points of each group's common level against the round
        (:mod:`scoring.offsets`); the intervals include it. Groups of fewer than 4
        applications share one level. 0 when there is nothing to offset (one
        group), NaN for methods that do not model group levels.
    group_experts, group_bridges : ndarray of int, shape (n_groups,)
        Experts belonging to each group (most of their reviews are in it), and the
        experts it shares with the rest of its part.
    flag : ndarray of bool, shape (n_apps,)
        Strong disagreement (``spread`` or ``split``).
    app_flags : tuple of tuple of str, length n_apps
    criterion_scores : ndarray of shape (n_apps, n_criteria)
        Each criterion aggregated by the same method; NaN where not scored.
    leniency, spread : ndarray of shape (n_experts,)
        NaN when the method does not estimate them.
    expert_flags : tuple of tuple of str, length n_experts
    adjusted, weight, peer_z : ndarray of shape (n_reviews,)
        Per review, in ``table`` order.
    robust, share : ndarray of shape (n_reviews,)
    shrink, target : ndarray of shape (n_apps,)
        How each score is composed (:mod:`scoring.composition`, :meth:`compose`).
    """

    method: str
    seed: int | None
    level: float
    ties: str
    table: ScoreTable
    score: np.ndarray
    rank: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    n_reviews: np.ndarray
    raw_mean: np.ndarray
    component: np.ndarray
    group: np.ndarray
    group_offset_sd: np.ndarray
    group_experts: np.ndarray
    group_bridges: np.ndarray
    flag: np.ndarray
    app_flags: tuple[tuple[str, ...], ...]
    criterion_scores: np.ndarray
    leniency: np.ndarray
    spread: np.ndarray
    expert_n_reviews: np.ndarray
    expert_flags: tuple[tuple[str, ...], ...]
    adjusted: np.ndarray
    weight: np.ndarray
    peer_z: np.ndarray
    robust: np.ndarray
    share: np.ndarray
    shrink: np.ndarray
    target: np.ndarray

    @property
    def app_ids(self) -> np.ndarray:
        return self.table.app_ids

    @property
    def expert_ids(self) -> np.ndarray:
        return self.table.expert_ids

    def order(self) -> np.ndarray:
        """Application indices in ranking order: by rank, then app_id."""
        return np.lexsort((np.arange(self.score.shape[0]), self.rank))

    def rows(self) -> tuple[AppRow, ...]:
        names = self.table.criterion_names
        return tuple(
            AppRow(
                rank=int(self.rank[i]),
                app_id=str(self.app_ids[i]),
                score=float(self.score[i]),
                ci_low=int(self.ci_low[i]),
                ci_high=int(self.ci_high[i]),
                n_reviews=int(self.n_reviews[i]),
                flag=bool(self.flag[i]),
                flags=self.app_flags[i],
                raw_mean=float(self.raw_mean[i]),
                criteria=tuple((c, float(self.criterion_scores[i, k])) for k, c in enumerate(names)),
            )
            for i in self.order()
        )

    def groups(self) -> tuple[GroupRow, ...]:
        """The weakly linked groups, with their applications (sorted ids), by label."""
        return tuple(
            GroupRow(
                group=g,
                part=int(self.component[np.flatnonzero(self.group == g)[0]]),
                app_ids=tuple(str(a) for a in self.app_ids[self.group == g]),
                n_experts=int(self.group_experts[g]),
                bridges=int(self.group_bridges[g]),
                offset_sd=float(self.group_offset_sd[g]),
            )
            for g in range(int(self.group.max()) + 1)
        )

    def parts(self) -> tuple[tuple[str, ...], ...]:
        """Application ids of each connected part; more than one part means some
        applications cannot be compared through shared experts at all."""
        return tuple(
            tuple(str(a) for a in self.app_ids[self.component == c]) for c in range(int(self.component.max()) + 1)
        )

    def experts(self) -> tuple[ExpertRow, ...]:
        return tuple(
            ExpertRow(
                expert_id=str(e),
                n_reviews=int(self.expert_n_reviews[j]),
                leniency=float(self.leniency[j]),
                spread=float(self.spread[j]),
                flags=self.expert_flags[j],
            )
            for j, e in enumerate(self.expert_ids)
        )

    def compose(self, app_id: str) -> Composition:
        """The figures that add up to one application's score (:mod:`scoring.composition`)."""
        return compose(self, app_id)

    def explain(self, app_id: str) -> Explanation:
        """Raw scores, each expert's leniency and the adjusted score of one application."""
        i = int(np.searchsorted(self.app_ids, app_id))
        if i >= self.app_ids.shape[0] or self.app_ids[i] != app_id:
            raise KeyError(app_id)
        t = self.table
        lines = []
        for r in np.flatnonzero(t.app == i):
            j = int(t.expert[r])
            rec = t.recommend[r]
            lines.append(
                ReviewLine(
                    expert_id=str(t.expert_ids[j]),
                    total=float(t.total[r]),
                    leniency=float(self.leniency[j]),
                    spread=float(self.spread[j]),
                    adjusted=float(self.adjusted[r]),
                    weight=float(self.weight[r]),
                    peer_z=float(self.peer_z[r]),
                    recommend=None if np.isnan(rec) else bool(rec),
                    expert_flags=self.expert_flags[j],
                )
            )
        return Explanation(
            app_id=app_id,
            method=self.method,
            rank=int(self.rank[i]),
            score=float(self.score[i]),
            ci_low=int(self.ci_low[i]),
            ci_high=int(self.ci_high[i]),
            raw_mean=float(self.raw_mean[i]),
            flags=self.app_flags[i],
            reviews=tuple(lines),
        )


def _ro(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def criterion_scores(table: ScoreTable, method: str = DEFAULT_METHOD, **options) -> np.ndarray:
    """Aggregate each criterion column with ``method``.

    Returns
    -------
    ndarray of shape (n_apps, n_criteria)
        NaN where no expert scored that criterion of that application.
    """
    out = np.full((table.n_apps, len(table.criterion_names)), np.nan)
    rv = Reviews.of(table)
    for c in range(out.shape[1]):
        mask = ~np.isnan(table.criteria[:, c])
        if not mask.any():
            continue
        sub, apps, _ = rv.subset(mask)
        out[apps, c] = make_scorer(method, **options).fit(sub, table.criteria[mask, c]).score_
    return out


def rank_scores(
    table: ScoreTable,
    method: str = DEFAULT_METHOD,
    *,
    seed: int | None = 0,
    level: float = 0.9,
    n_draws: int | None = None,
    ties: str = "min",
    flag_options: FlagOptions | None = None,
    method_options: dict | None = None,
) -> Ranking:
    """Rank applications from their reviews.

    Parameters
    ----------
    table : ScoreTable
    method : str, default "calibrated"
        One of :data:`METHODS`.
    seed : int or None, default 0
        Seed of the draws behind the rank intervals; the same table and seed give
        the same result. Point scores and ranks do not depend on it.
    level : float, default 0.9
        Coverage of the rank intervals.
    n_draws : int, optional
        Draws behind the intervals; default :func:`default_draws` (400, or 200 above
        10,000 reviews to keep 10,000 applications within a few seconds).
    ties : str, default "min"
        Tie rule of :func:`rank`: applications whose scores are equal to 9
        decimals share the best rank of their group and are listed by app_id.
    flag_options : FlagOptions, optional
    method_options : dict, optional
        Keyword options of the method's scorer (e.g. ``{"alpha": 5.0}`` for bias).

    Returns
    -------
    Ranking
    """
    if ties not in TIES or ties == "average":
        raise ValueError("ties must be one of min, max, dense, ordinal")
    opts = flag_options or FlagOptions()
    rv = Reviews.of(table)
    y = np.asarray(table.total, dtype=float)
    scorer = make_scorer(method, **(method_options or {})).fit(rv, y)
    score = scorer.score_
    point = rank(score, ties=ties)
    rng = np.random.default_rng(seed)
    draws = scorer.draw(rng, n_draws or default_draws(table.n_reviews))
    lo, hi = rank_intervals(draws, rank(score, ties="ordinal"), level)
    lo, hi = np.minimum(lo, point), np.maximum(hi, point)
    z = peer_z(rv, y, opts.min_scale)
    flag, codes = app_flags(rv, z, np.asarray(table.recommend), opts)
    n = rv.app_count()
    link: Linkage = getattr(scorer, "linkage_", None) or linkage(rv)
    offsets = getattr(scorer, "offsets_", None)
    n_groups = link.n_groups
    if offsets is not None:
        offset_sd = offsets.offset_sd_[scorer.group_map_]
    else:  # nothing to offset (one group); a method without group levels: unknown
        models_groups = getattr(scorer, "group_offsets", False) and scorer.group_map_ is None
        offset_sd = np.full(n_groups, 0.0 if models_groups else np.nan)
    crit = criterion_scores(table, method, **(method_options or {}))
    return Ranking(
        method=method,
        seed=seed,
        level=level,
        ties=ties,
        table=table,
        score=_ro(score),
        rank=_ro(point),
        ci_low=_ro(lo),
        ci_high=_ro(hi),
        n_reviews=_ro(n),
        raw_mean=_ro(rv.app_sum(y) / n),
        component=_ro(link.app_part),
        group=_ro(link.app_group),
        group_offset_sd=_ro(offset_sd),
        group_experts=_ro(np.bincount(link.expert_group, minlength=n_groups)),
        group_bridges=_ro(link.bridges),
        flag=_ro(flag),
        app_flags=codes,
        criterion_scores=_ro(crit),
        leniency=_ro(scorer.leniency_),
        spread=_ro(scorer.spread_),
        expert_n_reviews=_ro(rv.expert_count()),
        expert_flags=expert_flags(rv, z, opts),
        adjusted=_ro(scorer.adjusted_),
        weight=_ro(scorer.weight_),
        peer_z=_ro(z),
        robust=_ro(scorer.robust_),
        share=_ro(scorer.share_),
        shrink=_ro(scorer.shrink_),
        target=_ro(scorer.target_),
    )
