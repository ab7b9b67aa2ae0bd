"""Fair panels: maximise the worst application's panel affinity first, then the total.

The total may drop by at most ``options.fair_tolerance`` (default 0.1 %) below the flow optimum, so that
one weak application cannot cost everyone else their good panels. The max-min panel sum is not a flow
problem (a panel is a sum of k affinities), so:

* small instances (≤ CP_SAT_PAIRS free pairs) are solved lexicographically with CP-SAT, hinted with the
  heuristic below, under the time limit; the status is OPTIMAL only when both stages are proven;
* large instances use a Lagrangian heuristic in the spirit of FairFlow: each round re-solves the exact
  flow with the affinities of applications below a rising target weighted up (the multipliers of the
  panel constraints), and keeps the best assignment seen (worst panel first, then total) that stays
  within the tolerance.

Both report ``worst_bound``: no assignment can give the worst application more than its best possible
panel (the sum of its top candidates), nor more than CP-SAT's proven bound.
"""

from __future__ import annotations

import numpy as np

from .flow import min_cost_assignment
from .prepare import Prepared
from .problem import SCALE

CP_SAT_PAIRS = 20_000
ROUNDS = 12


def _panels(prep: Prepared, chosen: np.ndarray) -> np.ndarray:
    n = prep.problem.n_apps
    return (np.bincount(prep.free.app[chosen], weights=prep.free.score[chosen], minlength=n)
            + np.bincount(prep.pinned.app, weights=prep.pinned.score, minlength=n)).astype(np.int64)


def _worst(panels: np.ndarray) -> int:
    return int(panels.min()) if len(panels) else 0


def worst_bound(prep: Prepared) -> int:
    """max over assignments of the worst panel ≤ min over applications of their best possible panel."""
    order = np.lexsort((-prep.free.score, prep.free.app))
    app, score = prep.free.app[order], prep.free.score[order]
    start = np.searchsorted(app, np.arange(prep.problem.n_apps))
    rank = np.arange(len(app)) - start[app]
    top = rank < prep.demand[app]
    best = np.bincount(app[top], weights=score[top], minlength=prep.problem.n_apps)
    best += np.bincount(prep.pinned.app, weights=prep.pinned.score, minlength=prep.problem.n_apps)
    return _worst(best)


def lagrangian(prep: Prepared, cap: np.ndarray, floor: np.ndarray, best: np.ndarray, optimum: int,
               bound: int) -> np.ndarray:
    """Raise weak panels by re-weighting their affinities; see the module docstring."""
    inp = prep.flow_input(cap, floor)
    floor_total = optimum - int(prep.options.fair_tolerance * optimum)
    pinned_total = int(prep.pinned.score.sum())
    keep, panels = best, _panels(prep, best)
    key = (_worst(panels), optimum)
    weight = np.ones(prep.problem.n_apps)
    step = 1.0
    for _ in range(ROUNDS):
        if key[0] >= bound:  # no panel can do better
            break
        target = key[0] + max(np.median(panels) - key[0], 1) * step / 4
        weight += np.clip((target - panels) / max(target, 1), 0, None) * 4
        gain = np.rint(prep.free.score * weight[prep.free.app]).astype(np.int64)
        chosen = min_cost_assignment(inp, gain)
        panels = _panels(prep, chosen)
        total = int(prep.free.score[chosen].sum()) + pinned_total
        if total < floor_total:  # too strong a push: retreat and push more gently
            weight = 1 + (weight - 1) / 2
            step /= 2
            continue
        if (_worst(panels), total) > key:
            keep, key = chosen, (_worst(panels), total)
    return keep


def cp_sat(prep: Prepared, cap: np.ndarray, floor: np.ndarray, hint: np.ndarray, optimum: int
           ) -> tuple[np.ndarray, bool, int]:
    """Lexicographic max-min then max-total with CP-SAT. Returns (chosen, proven optimal, worst bound)."""
    from ortools.sat.python import cp_model  # imported here: it costs 0.3 s on every start otherwise

    free, problem, options = prep.free, prep.problem, prep.options
    pinned_panel = np.bincount(prep.pinned.app, weights=prep.pinned.score, minlength=problem.n_apps)
    model = cp_model.CpModel()
    # Variables: x[p] = 1 when free pair p (application, expert) is on the panel.
    x = [model.new_bool_var(f"x[{problem.app_ids[a]},{problem.expert_ids[e]}]")
         for a, e in zip(free.app, free.expert, strict=True)]
    by_app = np.argsort(free.app, kind="stable")
    by_expert = np.argsort(free.expert, kind="stable")
    # Each application gets exactly the experts it still needs.
    t = model.new_int_var(0, SCALE * options.k, "worst_panel")
    for a, idx in zip(*_groups(free.app, by_app), strict=True):
        model.add(sum(x[i] for i in idx) == int(prep.demand[a]))
        model.add(t <= sum(int(free.score[i]) * x[i] for i in idx) + int(pinned_panel[a]))
    for a in np.flatnonzero((prep.demand == 0) & ~np.isin(np.arange(problem.n_apps), free.app)):
        model.add(t <= int(pinned_panel[a]))
    # Each expert stays within their floor and cap (pinned loads already taken off).
    inp = prep.flow_input(cap, floor)
    for e, idx in zip(*_groups(free.expert, by_expert), strict=True):
        model.add_linear_constraint(sum(x[i] for i in idx), int(inp.floor[e]), int(inp.cap[e]))
    # At most one expert per (application, org) when org diversity is on.
    if prep.free_group is not None:
        by_group = np.argsort(prep.free_group, kind="stable")
        for _, idx in zip(*_groups(prep.free_group, by_group), strict=True):
            if len(idx) > 1:
                model.add(sum(x[i] for i in idx) <= 1)
    # The total stays within the tolerance of the flow optimum.
    total = sum(int(s) * xi for s, xi in zip(free.score, x, strict=True))
    model.add(total + int(prep.pinned.score.sum()) >= optimum - int(options.fair_tolerance * optimum))
    for i in np.flatnonzero(hint):
        model.add_hint(x[i], 1)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = options.time_limit / 2
    solver.parameters.num_workers = 2
    solver.parameters.random_seed = 0
    model.maximize(t)
    first = solver.solve(model)
    if first not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return hint, False, worst_bound(prep)
    worst, bound = int(solver.value(t)), int(solver.best_objective_bound)
    model.add(t >= worst)
    model.maximize(total)
    model.clear_hints()
    for xi in x:
        model.add_hint(xi, solver.boolean_value(xi))
    second = solver.solve(model)
    if second not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return hint, False, bound
    chosen = np.array([solver.boolean_value(xi) for xi in x], dtype=bool)
    return chosen, first == second == cp_model.OPTIMAL, bound


def _groups(keys: np.ndarray, order: np.ndarray):
    sorted_keys = keys[order]
    cuts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    return sorted_keys[cuts], np.split(order, cuts[1:])


def fair_assignment(prep: Prepared, cap: np.ndarray, floor: np.ndarray, best: np.ndarray, optimum: int
                    ) -> tuple[np.ndarray, str, dict]:
    """The fair-panel assignment: (chosen mask over free pairs, status, details for the summary)."""
    bound = worst_bound(prep)
    if _worst(_panels(prep, best)) >= bound:  # the optimum already gives every panel its best: done
        return best, "OPTIMAL", {"method": "flow", "worst_bound": round(bound / SCALE, 6), "worst_gap": 0.0,
                                 "fair_tolerance": prep.options.fair_tolerance}
    chosen = lagrangian(prep, cap, floor, best, optimum, bound)
    proven, method = False, "lagrangian"
    if len(prep.free) <= CP_SAT_PAIRS:
        chosen, proven, cp_bound = cp_sat(prep, cap, floor, chosen, optimum)
        bound, method = min(bound, cp_bound), "cp-sat"
    worst = _worst(_panels(prep, chosen))
    details = {"method": method, "worst_bound": round(bound / SCALE, 6),
               "worst_gap": round(1 - worst / bound, 9) if bound > 0 else 0.0,
               "fair_tolerance": prep.options.fair_tolerance}
    return chosen, "OPTIMAL" if proven else "FEASIBLE", details
