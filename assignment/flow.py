"""The assignment as a min-cost flow (OR-Tools SimpleMinCostFlow), exact in integer affinities.

Network: every application node supplies the number of experts it still needs; one arc of capacity 1
per candidate pair (application → expert); one arc per expert to the sink with capacity max load −
min load, the min load being a demand on the expert node (the usual lower-bound transformation). With
org diversity, candidate pairs of one (application, org) with two or more experts go through a middle
node whose in-arc has capacity 1, so a panel holds at most one expert per org and it stays a flow.
Gains are integers (affinity × SCALE); costs are ``max gain − gain`` ≥ 0, the same shift on every unit
of flow, so minimum cost is maximum gain.

Above ``PRICED_ABOVE`` pairs the flow is solved on a working set (column generation): each application's
best pairs, then every pair whose reduced cost under the working optimum's node potentials is negative,
until none is. No pair left out could lower the cost, so the result is the exact optimum of the whole
network, while the solver holds a tenth of the arcs (at ten million pairs, 780 MB of OR-Tools' arrays).
Feasibility and the diagnosis's cut are a max flow grown the same way: pairs crossing its minimum cut are
added until none does, so the cut, and the flow's value, are the whole network's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow


@dataclass(frozen=True, eq=False)
class FlowInput:
    """A flow instance in positions. Arrays: pair_* of shape (n_pairs,), demand (n_apps,),
    cap and floor (n_experts,), org_group (n_pairs,) or None (a group id per (app, org))."""

    n_apps: int
    n_experts: int
    pair_app: np.ndarray
    pair_expert: np.ndarray
    demand: np.ndarray
    cap: np.ndarray
    floor: np.ndarray
    org_group: np.ndarray | None = None
    tails: tuple | None = None  # network_tails() of these pairs, when the caller keeps them for several flows


#: Flows over more pairs than this are solved on a working set of them and priced (exact, less memory).
PRICED_ABOVE = 1_500_000
#: The first working set: each application's best pairs, this many per expert it still needs.
WORKING_PER_SLOT = 4

#: Pair arcs are handed to OR-Tools this many at a time, so that the arrays describing them never exist
#: whole beside the solver's own copy (at ten million pairs, 1 GB of temporaries less at the peak).
ARC_CHUNK = 1 << 20


@dataclass(frozen=True, eq=False)
class _Network:
    """The flow network of a FlowInput, arcs in this order: one per pair (the pair's index is its arc's),
    one per expert to the sink, one per org-group middle node.

    Node numbering: apps 0..n_apps-1, experts next, then the sink, then org-group nodes. ``pair_tail``
    (n_pairs,) is each pair arc's tail: its application, or its (application, org) middle node.
    """

    inp: FlowInput
    pair_tail: np.ndarray
    group_tail: np.ndarray
    group_head: np.ndarray
    n_nodes: int

    @classmethod
    def of(cls, inp: FlowInput) -> _Network:
        return cls(inp, *(inp.tails if inp.tails is not None else network_tails(inp)))

    def arcs(self, cost=None, floors: bool = True):
        """Chunks of arcs (tails, heads, capacities, unit costs) in arc order; ``cost`` maps pair positions
        (a slice) to the pair arcs' costs (0 when None); with ``floors`` False the expert arcs carry the
        whole cap."""
        inp = self.inp
        n_pairs = len(inp.pair_app)
        for lo in range(0, n_pairs, ARC_CHUNK):
            hi = min(lo + ARC_CHUNK, n_pairs)
            heads = inp.pair_expert[lo:hi].astype(np.int32) + np.int32(inp.n_apps)
            costs = np.zeros(hi - lo, dtype=np.int64) if cost is None else cost(slice(lo, hi))
            yield self.pair_tail[lo:hi].astype(np.int32), heads, np.ones(hi - lo, dtype=np.int64), costs
        sink = inp.n_apps + inp.n_experts
        expert_cap = inp.cap - inp.floor if floors else inp.cap
        yield (np.arange(inp.n_apps, sink, dtype=np.int32), np.full(inp.n_experts, sink, dtype=np.int32),
               expert_cap.astype(np.int64), np.zeros(inp.n_experts, dtype=np.int64))
        yield (self.group_tail, self.group_head, np.ones(len(self.group_tail), dtype=np.int64),
               np.zeros(len(self.group_tail), dtype=np.int64))


def network_tails(inp: FlowInput) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(pair_tail, group_tail, group_head, n_nodes) of the network (see :class:`_Network`): they depend on
    the pairs and their org groups only, so one computation serves every flow over the same pairs (a
    seeded draw's two, a balance search's many). Groups are numbered a slice of applications at a time,
    in (application, org) order, so that ten million pairs need no sort of ten million."""
    sink = inp.n_apps + inp.n_experts
    empty = np.zeros(0, dtype=np.int32)
    if inp.org_group is None or not len(inp.org_group):
        return inp.pair_app, empty, empty, sink + 1
    tails = np.empty(len(inp.pair_app), dtype=np.int32)
    group_tails, group_heads, next_node = [], [], sink + 1
    for lo, hi in _app_slices(inp.pair_app):
        _, first, inverse, counts = np.unique(inp.org_group[lo:hi], return_index=True, return_inverse=True,
                                              return_counts=True)
        shared = counts >= 2  # a lone expert of an org needs no middle node
        node = next_node + np.cumsum(shared) - 1
        tails[lo:hi] = np.where(shared[inverse], node[inverse], inp.pair_app[lo:hi])
        group_tails.append(inp.pair_app[lo:hi][first[shared]])
        group_heads.append(node[shared])
        next_node += int(shared.sum())
    return (tails, np.concatenate(group_tails).astype(np.int32), np.concatenate(group_heads).astype(np.int32),
            next_node)


def _app_slices(pair_app: np.ndarray):
    """(lo, hi) slices of about ARC_CHUNK pairs that never split an application's pairs (pairs come sorted
    by application; when they are not, one slice of them all)."""
    n_pairs = len(pair_app)
    if n_pairs > 1 and not (pair_app[1:] >= pair_app[:-1]).all():
        yield 0, n_pairs
        return
    lo = 0
    while lo < n_pairs:
        hi = min(lo + ARC_CHUNK, n_pairs)
        if hi < n_pairs:  # end the slice where an application ends
            hi = int(np.searchsorted(pair_app, pair_app[hi - 1], side="right"))
        yield lo, hi
        lo = hi


def _supplies(inp: FlowInput, n_nodes: int) -> np.ndarray:
    supply = np.zeros(n_nodes, dtype=np.int64)
    supply[: inp.n_apps] = inp.demand
    supply[inp.n_apps : inp.n_apps + inp.n_experts] = -inp.floor
    supply[inp.n_apps + inp.n_experts] = -(int(inp.demand.sum()) - int(inp.floor.sum()))
    return supply


def _unit_costs(gain: np.ndarray):
    """Pair costs ``(max gain − gain) / g`` of the pairs at given positions (a slice or an index array), g
    the costs' greatest common divisor.

    Dividing by the common factor changes no optimum but shrinks the cost range the solver scales
    through (scores with 3 decimals: costs up to 1,000 instead of 10^6), about 25 % faster.
    """
    if not len(gain):
        return None
    top = int(gain.max())
    divisor = 0
    for lo in range(0, len(gain), ARC_CHUNK):
        divisor = int(np.gcd.reduce(top - gain[lo : lo + ARC_CHUNK], initial=divisor))
    divisor = max(divisor, 1)
    return lambda positions: (top - gain[positions].astype(np.int64)) // divisor


def _solve(n_nodes: int, supply: np.ndarray, chunks):
    """SimpleMinCostFlow solved over arcs given in chunks of (tails, heads, capacities, unit costs), or
    None when no flow meets the supplies."""
    smcf = min_cost_flow.SimpleMinCostFlow()
    for tails, heads, caps, costs in chunks:
        smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    smcf.set_nodes_supplies(np.arange(n_nodes, dtype=np.int32), supply)
    status = smcf.solve()
    if status == smcf.INFEASIBLE:
        return None
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    return smcf


def _dense(network: _Network, cost) -> np.ndarray | None:
    """The min-cost flow with every pair arc handed to the solver: the chosen pairs' mask, or None."""
    smcf = _solve(network.n_nodes, _supplies(network.inp, network.n_nodes), network.arcs(cost))
    if smcf is None:
        return None
    n_pairs = len(network.inp.pair_app)
    chosen = np.zeros(n_pairs, dtype=bool)
    for lo in range(0, n_pairs, ARC_CHUNK):
        hi = min(lo + ARC_CHUNK, n_pairs)
        chosen[lo:hi] = smcf.flows(np.arange(lo, hi, dtype=np.int32)) > 0
    return chosen


def potentials(n_nodes: int, tails: np.ndarray, heads: np.ndarray, costs: np.ndarray, caps: np.ndarray,
               flows: np.ndarray) -> np.ndarray:
    """Node potentials proving a flow optimal: shortest distances in its residual graph from a root joined
    to every node at zero cost (Bellman–Ford, one vectorised pass per hop, from the nodes that moved).

    Every residual arc then has ``cost + d[tail] − d[head] ≥ 0``. Raises RuntimeError when the residual
    graph has a negative cycle, which an optimal flow never has.
    """
    fwd, bwd = flows < caps, flows > 0
    tail = np.concatenate([tails[fwd], heads[bwd]]).astype(np.int64)
    head = np.concatenate([heads[fwd], tails[bwd]]).astype(np.int64)
    cost = np.concatenate([costs[fwd], -costs[bwd]]).astype(np.int64)
    d = np.zeros(n_nodes, dtype=np.int64)
    moved = np.ones(n_nodes, dtype=bool)
    for _ in range(n_nodes + 1):
        live = np.flatnonzero(moved[tail])
        if not len(live):
            return d
        before = d.copy()
        np.minimum.at(d, head[live], before[tail[live]] + cost[live])
        moved = d < before
    raise RuntimeError("negative cycle in a residual graph: the flow was not optimal")


def _best_per_app(pair_app: np.ndarray, cost, quota: np.ndarray) -> np.ndarray:
    """Mask of each application's ``quota[app]`` pairs of lowest ``cost`` (a function of a slice of pair
    positions, non-negative), a slice of applications at a time."""
    keep = np.zeros(len(pair_app), dtype=bool)
    for lo, hi in _app_slices(pair_app):
        app = pair_app[lo:hi].astype(np.int64)
        # By application, then cost (clipped to 32 bits: the order among huge costs hardly matters).
        order = np.argsort((app << 32) | np.minimum(cost(slice(lo, hi)), 0xFFFFFFFF))
        ranked = app[order]
        first = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
        rank = np.arange(hi - lo) - np.repeat(first, np.diff(np.r_[first, hi - lo]))
        keep[lo + order[rank < quota[ranked]]] = True
    return keep


def _spread(inp: FlowInput):
    """Costs that order each application's pairs in no pattern (experts of low index are not favoured)."""
    def cost(positions):
        mix = (inp.pair_app[positions].astype(np.int64) * 0x9E3779B1
               + inp.pair_expert[positions].astype(np.int64) * 0x85EBCA6B)
        return (mix ^ (mix >> 15)) & 0x7FFFFFFF
    return cost


def _working_arcs(network: _Network, idx: np.ndarray, cost) -> tuple[list, np.ndarray]:
    """Arcs of the working network, pair arcs first (``idx``, the working pairs' positions, in order),
    then the org-group arcs those pairs use; and the used groups' indices."""
    inp = network.inp
    sink = inp.n_apps + inp.n_experts
    tail = network.pair_tail[idx]
    groups = np.unique(tail[tail > sink]) - sink - 1
    return [(tail.astype(np.int32), (inp.pair_expert[idx] + inp.n_apps).astype(np.int32),
             np.ones(len(idx), dtype=np.int64), np.zeros(len(idx), dtype=np.int64) if cost is None else cost(idx)),
            (network.group_tail[groups], network.group_head[groups], np.ones(len(groups), dtype=np.int64),
             np.zeros(len(groups), dtype=np.int64))], groups


def _outside_groups(network: _Network, groups: np.ndarray, value: np.ndarray) -> None:
    """A middle node outside the working network is reached from its application alone, at no cost:
    it takes its application's ``value`` (potential, or side of the cut)."""
    unused = np.ones(len(network.group_tail), dtype=bool)
    unused[groups] = False
    value[network.group_head[unused]] = value[network.group_tail[unused]]


def _expert_arcs(inp: FlowInput, floors: bool) -> tuple:
    sink = inp.n_apps + inp.n_experts
    return (np.arange(inp.n_apps, sink, dtype=np.int32), np.full(inp.n_experts, sink, dtype=np.int32),
            (inp.cap - inp.floor if floors else inp.cap).astype(np.int64), np.zeros(inp.n_experts, dtype=np.int64))


def _priced(network: _Network, cost, working: np.ndarray) -> np.ndarray | None:
    """The min-cost flow of the whole network, solved on the pairs of ``working`` (a mask over pairs,
    grown in place) and priced: the chosen pairs' mask, or None when the working set holds no flow
    meeting every demand (which says nothing of the whole network)."""
    inp = network.inp
    supply = _supplies(inp, network.n_nodes)
    n_pairs = len(inp.pair_app)
    while True:
        idx = np.flatnonzero(working)
        arcs, groups = _working_arcs(network, idx, cost)
        arcs.append(_expert_arcs(inp, floors=True))
        tails, heads, caps, costs = (np.concatenate(column) for column in zip(*arcs, strict=True))
        smcf = _solve(network.n_nodes, supply, [(tails, heads, caps, costs)])
        if smcf is None:
            return None
        flows = smcf.flows(np.arange(len(tails), dtype=np.int32))
        del smcf  # the solver's arrays go before the pricing's
        d = potentials(network.n_nodes, tails, heads, costs, caps, flows)
        _outside_groups(network, groups, d)
        added = 0
        for lo in range(0, n_pairs, ARC_CHUNK):
            hi = min(lo + ARC_CHUNK, n_pairs)
            reduced = cost(slice(lo, hi)) + d[network.pair_tail[lo:hi]] - d[inp.pair_expert[lo:hi] + inp.n_apps]
            better = (reduced < 0) & ~working[lo:hi]
            working[lo:hi] |= better
            added += int(better.sum())
        if not added:
            chosen = np.zeros(n_pairs, dtype=bool)
            chosen[idx] = flows[: len(idx)] > 0
            return chosen


def _max_flow(network: _Network, working: np.ndarray, floors: bool) -> tuple[int, np.ndarray, np.ndarray]:
    """The max flow of the whole network from the applications' demands, solved on the pairs of
    ``working`` (grown in place) until no pair left out crosses its minimum cut, so the cut and the flow
    are the whole network's. Returns (flow, chosen pairs' mask, source side of the cut as a node mask).

    With ``floors`` the experts' min loads are lower bounds (the usual transformation: expert → target
    for the floor, sink → target for the rest), so the flow meets every demand exactly when an
    assignment exists; without, the experts' arcs carry their whole cap into the target, the sink.
    """
    inp = network.inp
    sink = inp.n_apps + inp.n_experts
    source = network.n_nodes
    target = source + 1 if floors else sink
    apps = np.arange(inp.n_apps, dtype=np.int32)
    fixed = [(np.full(inp.n_apps, source, dtype=np.int32), apps, np.maximum(inp.demand, 0).astype(np.int64)),
             _expert_arcs(inp, floors)[:3]]
    if floors:
        floored = np.flatnonzero(inp.floor > 0)
        fixed.append((np.r_[floored + inp.n_apps, sink].astype(np.int32), np.full(len(floored) + 1, target, np.int32),
                      np.r_[inp.floor[floored], max(int(inp.demand.sum() - inp.floor.sum()), 0)].astype(np.int64)))
    n_pairs = len(inp.pair_app)
    while True:
        idx = np.flatnonzero(working)
        arcs, groups = _working_arcs(network, idx, None)
        smf = max_flow.SimpleMaxFlow()
        for tails, heads, caps, *_ in arcs + fixed:
            smf.add_arcs_with_capacity(tails, heads, caps)
        if smf.solve(source, target) != smf.OPTIMAL:
            raise RuntimeError("max flow failed")
        side = np.zeros(source + 2, dtype=bool)
        side[np.asarray(smf.get_source_side_min_cut(), dtype=np.int64)] = True
        _outside_groups(network, groups, side)
        added = 0
        for lo in range(0, n_pairs, ARC_CHUNK):
            hi = min(lo + ARC_CHUNK, n_pairs)
            crossing = side[network.pair_tail[lo:hi]] & ~side[inp.pair_expert[lo:hi] + inp.n_apps] & ~working[lo:hi]
            working[lo:hi] |= crossing
            added += int(crossing.sum())
        if not added:
            chosen = np.zeros(n_pairs, dtype=bool)
            chosen[idx] = smf.flows(np.arange(len(idx), dtype=np.int32)) > 0
            return int(smf.optimal_flow()), chosen, side


def _first_working(inp: FlowInput, rank, priced_above: int) -> np.ndarray:
    """Every pair when the flow is small; else each application's best pairs by ``rank`` (costs of a
    slice of pairs; None: in no pattern), WORKING_PER_SLOT per expert it needs."""
    if len(inp.pair_app) <= priced_above:
        return np.ones(len(inp.pair_app), dtype=bool)
    return _best_per_app(inp.pair_app, rank or _spread(inp), inp.demand * WORKING_PER_SLOT)


def _impossible(inp: FlowInput) -> bool:
    """Whether the numbers alone rule out every assignment: a floor above its cap, a negative demand, or
    floors asking for more reviews than the applications need in all."""
    return bool((inp.floor > inp.cap).any() or (inp.demand < 0).any() or inp.floor.sum() > inp.demand.sum())


def min_cost_assignment(inp: FlowInput, gain: np.ndarray, priced_above: int = PRICED_ABOVE) -> np.ndarray | None:
    """Maximise the total ``gain`` (int64, shape (n_pairs,)) over assignments meeting every demand,
    cap and floor exactly. Returns a bool mask of chosen pairs, or None when no such assignment exists.
    Over ``priced_above`` pairs the flow is solved on a working set and priced (the same optimum)."""
    if _impossible(inp):
        return None
    network = _Network.of(inp)
    cost = _unit_costs(gain)
    if len(inp.pair_app) <= priced_above:
        return _dense(network, cost)
    working = _first_working(inp, cost, priced_above)
    found = _priced(network, cost, working)
    if found is None:  # the best pairs hold no assignment: add one that does, if any exists
        flow, support, _ = _max_flow(network, working, floors=True)
        if flow < inp.demand.sum():
            return None
        working |= support
        found = _priced(network, cost, working)
    return found


def feasible(inp: FlowInput, prefer: np.ndarray | None = None, priced_above: int = PRICED_ABOVE) -> bool:
    """Whether some assignment meets every demand, cap and floor. ``prefer`` (n_pairs,) ranks each
    application's pairs for a large flow's first working set (the gains the caller will optimise)."""
    if _impossible(inp):
        return False
    working = _first_working(inp, None if prefer is None else _unit_costs(prefer), priced_above)
    return _max_flow(_Network.of(inp), working, floors=True)[0] == inp.demand.sum()


def max_flow_cut(inp: FlowInput, priced_above: int = PRICED_ABOVE) -> tuple[int, np.ndarray]:
    """Max number of expert slots that can be filled (floors ignored) and the applications on the source
    side of a minimum cut: a set S whose needs exceed what its experts can give (Hall's condition)."""
    flow, _, side = _max_flow(_Network.of(inp), _first_working(inp, None, priced_above), floors=False)
    return flow, np.flatnonzero(side[: inp.n_apps])
