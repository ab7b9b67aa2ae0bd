"""Property tests on random tiny instances, judged by an independent brute force."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assignment import Infeasible, check, diagnose, replace, solve

from ._assignment_cases import all_assignments, cases, eligible, options

FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _solve_or_none(problem, opts):
    try:
        return solve(problem, opts)
    except Infeasible as exc:
        assert exc.diagnosis.reasons, "an infeasible run must say why"
        assert not exc.diagnosis.feasible
        return None


@FAST
@given(cases(), st.data())
def test_optimal_matches_brute_force_and_keeps_every_rule(case, data):
    opts = data.draw(options())
    problem = case.problem()
    result = _solve_or_none(problem, opts)
    best = max((t for t, *_ in all_assignments(case, opts)), default=None)
    if best is None:
        assert result is None
        assert diagnose(problem, opts).feasible is False
        return
    assert result is not None and result.status == "OPTIMAL"
    assert check(problem, result.pairs, opts) == []
    assert round(result.objective * 1_000_000) == best == round(result.bound * 1_000_000)
    assert diagnose(problem, opts).feasible


@FAST
@given(cases(), st.data())
def test_balance_finds_the_most_even_loads(case, data):
    opts = data.draw(options(balance=True, min_load=0))
    problem = case.problem()
    result = _solve_or_none(problem, opts)
    everything = list(all_assignments(case, opts))
    if not everything:
        assert result is None
        return
    assert check(problem, result.pairs, opts) == []
    pool = [e.id for e in case.experts if any(eligible(case, opts, a, e) for a in case.apps)]
    upper = min(max(loads[e] for e in pool) for _, loads, *_ in everything)
    assert result.load_bounds[1] == upper == result.load_max
    at_upper = list(all_assignments(case, opts, load_cap=upper))
    lower = result.load_bounds[0]
    assert list(all_assignments(case, opts, load_cap=upper, floor_low=lower))
    assert not list(all_assignments(case, opts, load_cap=upper, floor_low=lower + 1)) or lower == upper
    best = max(t for t, *_ in all_assignments(case, opts, load_cap=upper, floor_low=lower))
    assert round(result.objective * 1_000_000) == best
    assert at_upper


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.data())
def test_fair_maximises_the_worst_panel_within_tolerance(case, data):
    opts = data.draw(options(fair=True))
    problem = case.problem()
    result = _solve_or_none(problem, opts)
    everything = list(all_assignments(case, opts))
    if not everything:
        assert result is None
        return
    assert check(problem, result.pairs, opts) == []
    optimum = max(t for t, *_ in everything)
    allowed = [x for x in everything if x[0] >= optimum - int(opts.fair_tolerance * optimum)]
    best_worst = max(min(panels) for _, _, panels, _ in allowed)
    assert result.status == "OPTIMAL"  # CP-SAT proves tiny instances
    assert round(result.worst_panel * 1_000_000) == best_worst
    assert round(result.objective * 1_000_000) == max(t for t, _, p, _ in allowed if min(p) == best_worst)


@FAST
@given(cases(max_apps=3, max_experts=6), st.data())
def test_seeded_draw_is_reproducible_and_within_tolerance(case, data):
    opts = data.draw(options(seed=data.draw(st.integers(0, 10**6)), tolerance=0.3))
    problem = case.problem()
    first = _solve_or_none(problem, opts)
    if first is None:
        return
    again = solve(problem, opts)
    assert first.pairs == again.pairs
    assert check(problem, first.pairs, opts) == []
    assert first.objective >= (1 - opts.tolerance) * first.bound - 1e-9


@FAST
@given(cases(), st.data())
def test_pins_and_forbids_hold(case, data):
    opts = data.draw(options())
    problem = case.problem()
    pairs = [(a.id, e.id) for a in case.apps for e in case.experts]
    pins = tuple(data.draw(st.lists(st.sampled_from(pairs), max_size=2, unique=True)))
    forbids = tuple(p for p in data.draw(st.lists(st.sampled_from(pairs), max_size=3, unique=True)) if p not in pins)
    opts = dataclasses.replace(opts, pins=pins, forbids=forbids)
    result = _solve_or_none(problem, opts)
    best = max((t for t, *_ in all_assignments(case, opts)), default=None)
    if best is None:
        assert result is None
        return
    assert set(pins) <= set(result.pairs)
    assert not set(forbids) & set(result.pairs)
    assert check(problem, result.pairs, opts) == []
    assert round(result.objective * 1_000_000) == best


@FAST
@given(cases(), st.data())
def test_replace_moves_nothing_else(case, data):
    opts = data.draw(options(min_load=0))
    problem = case.problem()
    result = _solve_or_none(problem, opts)
    if result is None:
        return
    app, expert = data.draw(st.sampled_from(result.pairs))
    rng = np.random.default_rng(data.draw(st.integers(0, 99)))
    try:
        new = replace(problem, result.pairs, app, expert, opts, rng)
    except Infeasible as exc:
        assert exc.diagnosis.reasons[0].subjects == (app,)
        panel = {e for a, e in result.pairs if a == app}
        load = {e.id: sum(1 for _, x in result.pairs if x == e.id) for e in case.experts}
        cap = {e.id: opts.max_load if e.max_load is None else e.max_load for e in case.experts}
        free = [
            e
            for e in case.experts
            if e.id not in panel
            and load[e.id] < cap[e.id]
            and eligible(case, opts, case.apps[problem.app_index(app)], e)
            and not (opts.org_diverse and e.org in {x.org for x in case.experts if x.id in panel - {expert}})
        ]
        assert free == []
        return
    changed = [(old, now) for old, now in zip(result.pairs, new.pairs, strict=True) if old != now]
    assert changed == [((app, expert), (app, new.added))]
    assert new.added != expert
    assert check(problem, new.pairs, dataclasses.replace(opts, forbids=((app, expert),))) == []


@FAST
@given(cases(), st.data())
def test_the_network_kept_across_flows_gives_the_flow_built_afresh(case, data):
    """Every flow over all free pairs (a seeded draw's two, a balance search's many) shares one network's
    tails, built once: the same chosen pairs as a network built for the flow alone."""
    from assignment.flow import min_cost_assignment
    from assignment.prepare import prepare

    opts = data.draw(options())
    try:
        prep = prepare(case.problem(), opts)
    except Infeasible:
        return
    floor = prep.floors(opts.min_load, prep.cap)
    kept, again = prep.flow_input(prep.cap, floor), prep.flow_input(prep.cap, floor)
    assert kept.tails is again.tails is not None
    gain = np.asarray(data.draw(st.lists(st.integers(0, 10**6), min_size=len(prep.free), max_size=len(prep.free))),
                      dtype=np.int64)
    chosen = min_cost_assignment(kept, gain)
    afresh = min_cost_assignment(dataclasses.replace(kept, tails=None), gain)
    assert (chosen is None and afresh is None) or np.array_equal(chosen, afresh)
