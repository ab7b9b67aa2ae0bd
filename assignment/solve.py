"""solve(): the optimal, balanced, fair or seeded-random assignment of k experts to every application.

Stages, as in the OR-Tools samples: data (candidate pairs, pins) → load bounds (balance mode) → the
exact min-cost flow (the optimum, and the bound every mode reports against) → the mode's own choice
(random draw or fair panels) → report.
"""

from __future__ import annotations

import time

import numpy as np

from .diagnose import diagnose
from .fair import fair_assignment
from .flow import feasible, min_cost_assignment
from .prepare import Prepared, prepare
from .problem import SCALE, Options, Problem
from .result import Infeasible, Result


def _search(lo: int, hi: int, ok) -> int:
    """The smallest value in [lo, hi] for which the monotone predicate ``ok`` holds (``ok(hi)`` holds)."""
    while lo < hi:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def balanced_bounds(prep: Prepared) -> tuple[int, int]:
    """The most even loads the instance allows: the smallest max load U, then the largest min load L.

    Loads count over experts with at least one candidate; an expert with fewer candidates than L takes
    all of them. Both searches are binary searches over flow feasibility. Raises Infeasible.
    """
    pool = prep.deg > 0
    if not pool.any():
        raise Infeasible(diagnose(prep.problem, prep.options))
    slots = prep.options.k * prep.problem.n_apps
    hi = int(prep.cap[pool].max())
    lo = min(hi, max(-(-slots // int(pool.sum())), int(prep.pinned_load.max(initial=0)), prep.options.min_load))

    def cap_at(u):
        return np.minimum(prep.cap, u)

    def ok_max(u):
        return feasible(prep.flow_input(cap_at(u), prep.floors(prep.options.min_load, cap_at(u))), prep.free.score)

    if not ok_max(hi):
        raise Infeasible(diagnose(prep.problem, prep.options))
    upper = _search(lo, hi, ok_max)
    cap = cap_at(upper)

    def too_high(low):  # monotone: once a floor is infeasible, every higher floor is
        return low > upper or not feasible(prep.flow_input(cap, prep.floors(low, cap)), prep.free.score)

    lower = _search(prep.options.min_load + 1, upper + 1, too_high) - 1
    return lower, upper


def _result(prep: Prepared, chosen: np.ndarray, bound: int, mode: str, status: str, start: float,
            load_bounds=None, details=None) -> Result:
    problem = prep.problem
    app = np.concatenate([prep.free.app[chosen], prep.pinned.app]).astype(np.int64)
    expert = np.concatenate([prep.free.expert[chosen], prep.pinned.expert]).astype(np.int64)
    score = np.concatenate([prep.free.score[chosen], prep.pinned.score])
    order = np.lexsort((expert, app))
    loads = np.bincount(expert, minlength=problem.n_experts)[prep.deg > 0]
    panel = np.bincount(app, weights=score, minlength=problem.n_apps)
    pairs = tuple((problem.app_ids[a], problem.expert_ids[e]) for a, e in zip(app[order], expert[order],
                                                                               strict=True))
    return Result(status=status, mode=mode, pairs=pairs, objective=int(score.sum()) / SCALE,
                  bound=bound / SCALE, seconds=time.perf_counter() - start,
                  load_min=int(loads.min()) if len(loads) else 0, load_max=int(loads.max(initial=0)),
                  worst_panel=float(panel.min()) / SCALE if len(panel) else 0.0, seed=prep.options.seed,
                  load_bounds=load_bounds, details=details or {})


def random_draw(prep: Prepared, cap: np.ndarray, floor: np.ndarray, optimum: int,
                rng: np.random.Generator) -> np.ndarray:
    """A seeded random assignment whose total is within ``options.tolerance`` of the optimum.

    Every free pair's gain gets an independent integer noise in [-δ, δ] with
    ``δ = tolerance · optimum / (2 · slots)``; the exact optimum under noisy gains differs from the true
    optimum by at most ``2·δ·slots`` (each assignment fills the same number of slots), so the loss is at
    most ``tolerance``. Ties and near-ties are broken at random; the same seed gives the same draw.
    """
    slots = max(int(prep.demand.sum()), 1)
    delta = int(prep.options.tolerance * optimum // (2 * slots))
    if delta <= 0:
        return min_cost_assignment(prep.flow_input(cap, floor), prep.free.score)
    gain = rng.integers(-delta, delta + 1, size=len(prep.free))  # the noise, then the gain in its place
    gain += prep.free.score
    return min_cost_assignment(prep.flow_input(cap, floor), gain)


def solve(problem: Problem, options: Options, rng: np.random.Generator | None = None) -> Result:
    """Assign ``options.k`` experts to every application under the hard rules; see :class:`Options`.

    The default mode returns the exact maximum total affinity. ``balance`` first fixes the most even
    loads (see :func:`balanced_bounds`); ``seed`` draws at random within ``tolerance`` of the optimum
    (``rng`` defaults to ``np.random.default_rng(options.seed)``); ``fair`` maximises the worst panel
    (see :func:`assignment.fair.fair_assignment`). Raises :class:`Infeasible` with a diagnosis.
    """
    start = time.perf_counter()
    try:
        prep = prepare(problem, options)
        load_bounds = balanced_bounds(prep) if options.balance else None
    except Infeasible as exc:
        raise Infeasible(exc.diagnosis, time.perf_counter() - start) from None
    low, cap = options.min_load, prep.cap
    if load_bounds is not None:
        low, cap = load_bounds[0], np.minimum(prep.cap, load_bounds[1])
    floor = prep.floors(low, cap)
    best = min_cost_assignment(prep.flow_input(cap, floor), prep.free.score)
    if best is None:
        raise Infeasible(diagnose(problem, options), time.perf_counter() - start)
    optimum = int(prep.free.score[best].sum() + prep.pinned.score.sum())
    mode = "balance" if options.balance else "optimal"
    if options.seed is not None:
        rng = rng if rng is not None else np.random.default_rng(options.seed)
        chosen = random_draw(prep, cap, floor, optimum, rng)
        drawn = int(prep.free.score[chosen].sum() + prep.pinned.score.sum())
        return _result(prep, chosen, optimum, mode + "+seeded", "OPTIMAL" if drawn == optimum else "FEASIBLE",
                       start, load_bounds, {"tolerance": options.tolerance})
    if options.fair:
        chosen, status, details = fair_assignment(prep, cap, floor, best, optimum)
        return _result(prep, chosen, optimum, mode + "+fair", status, start, load_bounds, details)
    return _result(prep, best, optimum, mode, "OPTIMAL", start, load_bounds)
