"""The min-cost flow solved on a working set and priced gives the optimum of the whole network.

Random bipartite instances (a few dozen applications, each with more candidates than the first working set
holds, tight caps, floors, org groups) are solved both ways: all pairs handed to OR-Tools, and the priced
way (``priced_above=0``). Totals and feasibility must agree; ties may pick different pairs.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assignment.flow import FlowInput, feasible, max_flow_cut, min_cost_assignment, network_tails, potentials

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def flows(draw):
    """A FlowInput with its gains: pairs sorted by (application, expert), demands of 1–3, caps around the
    slots' total (sometimes too few), floors on some experts, and org groups on some instances."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_apps, n_experts = draw(st.integers(1, 30)), draw(st.integers(8, 40))
    density = draw(st.floats(0.3, 1.0))
    mask = rng.random((n_apps, n_experts)) < density
    app, expert = np.nonzero(mask)
    demand = rng.integers(1, 4, n_apps)
    slack = draw(st.floats(0.8, 3.0))
    cap = rng.poisson(slack * demand.sum() / n_experts, n_experts) + rng.integers(0, 2, n_experts)
    degree = np.bincount(expert, minlength=n_experts)  # a floor never exceeds an expert's candidates
    floor = np.where(rng.random(n_experts) < draw(st.floats(0, 0.3)), np.minimum(np.minimum(cap, 1), degree), 0)
    groups = None
    if draw(st.booleans()):
        org = rng.integers(0, draw(st.integers(3, 8)), n_experts)
        groups = app.astype(np.int64) * 8 + org[expert]
    gain = rng.integers(0, draw(st.sampled_from([2, 10, 10**6])), len(app)).astype(np.int64)
    inp = FlowInput(n_apps, n_experts, app.astype(np.int32), expert.astype(np.int32), demand.astype(np.int64),
                    cap.astype(np.int64), floor.astype(np.int64), groups)
    return inp, gain


@FAST
@given(flows())
def test_the_priced_flow_finds_the_optimum_of_all_pairs(case):
    inp, gain = case
    dense = min_cost_assignment(inp, gain)
    priced = min_cost_assignment(inp, gain, priced_above=0)
    assert (dense is None) == (priced is None)
    if dense is not None:
        assert gain[priced].sum() == gain[dense].sum()
        for chosen in (priced,):  # a valid assignment: demands met, caps and floors kept, one per org group
            assert (np.bincount(inp.pair_app[chosen], minlength=inp.n_apps) == inp.demand).all()
            load = np.bincount(inp.pair_expert[chosen], minlength=inp.n_experts)
            assert (load <= inp.cap).all() and (load >= inp.floor).all()
            if inp.org_group is not None:
                assert len(np.unique(inp.org_group[chosen])) == chosen.sum()


@FAST
@given(flows(), st.booleans())
def test_the_priced_feasibility_agrees_with_the_dense_one(case, prefer):
    inp, gain = case
    assert feasible(inp, gain if prefer else None, priced_above=0) == feasible(inp)


@FAST
@given(flows())
def test_the_priced_max_flow_fills_as_many_slots_as_the_whole_network(case):
    """The diagnosis's cut: the same flow, and a source side whose needs exceed what its experts give."""
    inp, _ = case
    flow, short = max_flow_cut(inp, priced_above=0)
    assert flow == max_flow_cut(inp, priced_above=len(inp.pair_app))[0]
    if flow < inp.demand.sum():
        assert len(short)


def test_potentials_price_every_residual_arc_non_negative():
    """A two-application example: the optimum leaves no residual arc of negative reduced cost."""
    # Nodes: apps 0, 1; experts 2, 3; sink 4. App 0 prefers expert 2 (cost 0) to 3 (cost 5); app 1 can
    # only take expert 2 (cost 1). Expert 2's cap is 1: app 1 gets it and app 0 takes expert 3.
    tails = np.array([0, 0, 1, 2, 3])
    heads = np.array([2, 3, 2, 4, 4])
    costs = np.array([0, 5, 1, 0, 0])
    caps = np.array([1, 1, 1, 1, 1])
    flows = np.array([0, 1, 1, 1, 1])
    d = potentials(5, tails, heads, costs, caps, flows)
    fwd, bwd = flows < caps, flows > 0
    assert (costs[fwd] + d[tails[fwd]] - d[heads[fwd]] >= 0).all()
    assert (-costs[bwd] + d[heads[bwd]] - d[tails[bwd]] >= 0).all()


def test_org_groups_numbered_by_slices_match_one_numbering_of_all_pairs():
    """At 2.5 million pairs the middle nodes are numbered three slices at a time: the same network as
    numbering every (application, org) group at once in (application, org) order."""
    rng = np.random.default_rng(7)
    n_apps, n_experts = 12_500, 30_000
    app = np.repeat(np.arange(n_apps, dtype=np.int32), 200)
    expert = np.sort(rng.integers(0, n_experts, (n_apps, 200)), axis=1).ravel().astype(np.int32)
    org = rng.integers(0, 5_000, n_experts)
    group = app.astype(np.int64) * 5_000 + org[expert]
    inp = FlowInput(n_apps, n_experts, app, expert, np.full(n_apps, 3), np.full(n_experts, 4),
                    np.zeros(n_experts, dtype=np.int64), group)
    tails, group_tail, group_head, n_nodes = network_tails(inp)

    uniq, inverse, counts = np.unique(group, return_inverse=True, return_counts=True)
    shared = counts >= 2
    node = n_apps + n_experts + 1 + np.cumsum(shared) - 1
    assert np.array_equal(tails, np.where(shared[inverse], node[inverse], app))
    assert np.array_equal(group_head, node[shared]) and np.array_equal(group_tail, uniq[shared] // 5_000)
    assert n_nodes == n_apps + n_experts + 1 + shared.sum()
