"""The assignment as a min-cost flow (OR-Tools SimpleMinCostFlow), exact in integer affinities.

Network: every application node supplies the number of experts it still needs; one arc of capacity 1
per candidate pair (application → expert); one arc per expert to the sink with capacity max load −
min load, the min load being a demand on the expert node (the usual lower-bound transformation). With
org diversity, candidate pairs of one (application, org) with two or more experts go through a middle
node whose in-arc has capacity 1, so a panel holds at most one expert per org and it stays a flow.
Gains are integers (affinity × SCALE); costs are ``max gain − gain`` ≥ 0, the same shift on every unit
of flow, so minimum cost is maximum gain.
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

    def arcs(self, cost: np.ndarray | None = None, floors: bool = True):
        """Chunks of arcs (tails, heads, capacities, unit costs) in arc order; ``cost`` (n_pairs,) is the
        pair arcs' cost (0 when None); with ``floors`` False the expert arcs carry the whole cap."""
        inp = self.inp
        n_pairs = len(inp.pair_app)
        for lo in range(0, n_pairs, ARC_CHUNK):
            hi = min(lo + ARC_CHUNK, n_pairs)
            heads = inp.pair_expert[lo:hi].astype(np.int32) + np.int32(inp.n_apps)
            costs = np.zeros(hi - lo, dtype=np.int64) if cost is None else cost(lo, hi)
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
    seeded draw's two, a balance search's many); at ten million pairs it costs two sorts."""
    sink = inp.n_apps + inp.n_experts
    tails = inp.pair_app
    empty = np.zeros(0, dtype=np.int32)
    if inp.org_group is None or not len(inp.org_group):
        return tails, empty, empty, sink + 1
    uniq, inverse, counts = np.unique(inp.org_group, return_inverse=True, return_counts=True)
    shared = counts[inverse] >= 2  # a lone expert of an org needs no middle node
    group_node = sink + 1 + np.cumsum(counts >= 2) - 1
    tails = np.where(shared, group_node[inverse], tails)
    first = np.flatnonzero(counts >= 2)
    some_pair = np.empty(len(uniq), dtype=np.int64)
    some_pair[inverse] = np.arange(len(inverse))  # any pair of the group names its application
    return (tails.astype(np.int32), inp.pair_app[some_pair[first]].astype(np.int32),
            group_node[first].astype(np.int32), sink + 1 + len(first))


def _supplies(inp: FlowInput, n_nodes: int) -> np.ndarray:
    supply = np.zeros(n_nodes, dtype=np.int64)
    supply[: inp.n_apps] = inp.demand
    supply[inp.n_apps : inp.n_apps + inp.n_experts] = -inp.floor
    supply[inp.n_apps + inp.n_experts] = -(int(inp.demand.sum()) - int(inp.floor.sum()))
    return supply


def _unit_costs(gain: np.ndarray):
    """Pair costs ``(max gain − gain) / g`` by chunk, g the costs' greatest common divisor.

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
    return lambda lo, hi: (top - gain[lo:hi].astype(np.int64)) // divisor


def min_cost_assignment(inp: FlowInput, gain: np.ndarray) -> np.ndarray | None:
    """Maximise the total ``gain`` (int64, shape (n_pairs,)) over assignments meeting every demand,
    cap and floor exactly. Returns a bool mask of chosen pairs, or None when no such assignment exists."""
    if (inp.floor > inp.cap).any() or (inp.demand < 0).any():
        return None
    network = _Network.of(inp)
    smcf = min_cost_flow.SimpleMinCostFlow()
    for tails, heads, caps, costs in network.arcs(_unit_costs(gain)):
        smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supply = _supplies(inp, network.n_nodes)
    smcf.set_nodes_supplies(np.arange(network.n_nodes, dtype=np.int32), supply)
    status = smcf.solve()
    if status == smcf.INFEASIBLE:
        return None
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    n_pairs = len(inp.pair_app)
    chosen = np.zeros(n_pairs, dtype=bool)
    for lo in range(0, n_pairs, ARC_CHUNK):
        hi = min(lo + ARC_CHUNK, n_pairs)
        chosen[lo:hi] = smcf.flows(np.arange(lo, hi, dtype=np.int32)) > 0
    return chosen


def feasible(inp: FlowInput) -> bool:
    """Whether some assignment meets every demand, cap and floor (a zero-cost flow)."""
    return min_cost_assignment(inp, np.zeros(len(inp.pair_app), dtype=np.int64)) is not None


def max_flow_cut(inp: FlowInput) -> tuple[int, np.ndarray]:
    """Max number of expert slots that can be filled (floors ignored) and the applications on the source
    side of a minimum cut: a set S whose needs exceed what its experts can give (Hall's condition)."""
    network = _Network.of(inp)
    source = network.n_nodes
    smf = max_flow.SimpleMaxFlow()
    for tails, heads, caps, _ in network.arcs(floors=False):
        smf.add_arcs_with_capacity(tails, heads, caps)
    smf.add_arcs_with_capacity(np.full(inp.n_apps, source, dtype=np.int32), np.arange(inp.n_apps, dtype=np.int32),
                               np.maximum(inp.demand, 0).astype(np.int64))
    status = smf.solve(source, inp.n_apps + inp.n_experts)
    if status != smf.OPTIMAL:
        raise RuntimeError(f"max flow failed with status {status}")
    side = np.asarray(smf.get_source_side_min_cut(), dtype=np.int64)
    return int(smf.optimal_flow()), np.sort(side[side < inp.n_apps])
