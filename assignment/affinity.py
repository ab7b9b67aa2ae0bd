"""How well an expert fits an application: the instance's affinity table, or field overlap.

Affinity is a number in [0, 1]; a pair with affinity 0 is unqualified and never assigned. Inside the
library it is held as an integer, affinity × SCALE, so the flow optimum is exact.

Field overlap (the default, used when the instance has no affinity table): an expert lists fields in
order of expertise and an application lists its main field first. A pair whose fields meet at
application position ``i`` and expert position ``j`` scores ``max(1 - 0.2 * (i + j), 0.2)``; the best
meeting counts; a pair with no common field is unqualified. So a main-field match is 1.0, an expert's
second field 0.8, and so on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .problem import SCALE, Pairs, Problem, pair_code, sort_pairs


def _field_entries(ptr: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(owner, field, position) for every listed field, as arrays of shape (len(idx),)."""
    counts = np.diff(ptr)
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    position = np.arange(len(idx), dtype=np.int64) - np.repeat(ptr[:-1], counts)
    return owner, idx.astype(np.int64), position


def field_affinity(problem: Problem) -> Pairs:
    """Qualified pairs from field overlap (see the module docstring), built field by field.

    Memory is proportional to the number of qualified pairs: each field contributes its applications ×
    its experts, never all applications × all experts.
    """
    a_own, a_field, a_pos = _field_entries(problem.app_field_ptr, problem.app_field_idx)
    e_own, e_field, e_pos = _field_entries(problem.expert_field_ptr, problem.expert_field_idx)
    a_order, e_order = np.argsort(a_field, kind="stable"), np.argsort(e_field, kind="stable")
    n_fields = len(problem.fields)
    a_start = np.searchsorted(a_field[a_order], np.arange(n_fields + 1))
    e_start = np.searchsorted(e_field[e_order], np.arange(n_fields + 1))
    apps, experts, scores = [], [], []
    for f in range(n_fields):
        ai = a_order[a_start[f] : a_start[f + 1]]
        ei = e_order[e_start[f] : e_start[f + 1]]
        if len(ai) == 0 or len(ei) == 0:
            continue
        apps.append(np.repeat(a_own[ai], len(ei)))
        experts.append(np.tile(e_own[ei], len(ai)))
        rank = np.add.outer(a_pos[ai], e_pos[ei]).ravel()
        scores.append(np.maximum(SCALE - (SCALE // 5) * rank, SCALE // 5))
    if not apps:
        empty = np.zeros(0, dtype=np.int64)
        return sort_pairs(empty, empty, empty, problem.n_experts)
    pairs = sort_pairs(np.concatenate(apps), np.concatenate(experts), np.concatenate(scores),
                       problem.n_experts)
    # An application and an expert sharing several fields: keep the best meeting.
    code = pairs.app.astype(np.int64) * problem.n_experts + pairs.expert
    first = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    best = np.maximum.reduceat(pairs.score, first)
    return Pairs(pairs.app[first], pairs.expert[first], best)


def qualified_pairs(problem: Problem) -> Pairs:
    """All pairs with positive affinity, before conflicts: the affinity table, or field overlap."""
    if problem.affinity is not None:
        return problem.affinity
    if "qualified" not in problem._index:
        problem._index["qualified"] = field_affinity(problem)
    return problem._index["qualified"]


def pair_scores(problem: Problem, app: np.ndarray, expert: np.ndarray) -> np.ndarray:
    """Affinity × SCALE of arbitrary position pairs, shape (n,); 0 where unqualified."""
    pairs = qualified_pairs(problem)
    table = pair_code(problem, pairs.app, pairs.expert)
    codes = pair_code(problem, np.asarray(app), np.asarray(expert))
    if len(table) == 0:
        return np.zeros(len(codes), dtype=np.int64)
    pos = np.minimum(np.searchsorted(table, codes), len(table) - 1)
    return np.where(table[pos] == codes, pairs.score[pos], 0)


def pair_affinities(problem: Problem, pairs: Sequence[tuple[str, str]]) -> list[float]:
    """Affinity in [0, 1] of each (app_id, expert_id) pair, in order; 0.0 where unqualified.

    Raises KeyError for an unknown id.
    """
    if not pairs:
        return []
    apps = np.array([problem.app_index(a) for a, _ in pairs], dtype=np.int64)
    experts = np.array([problem.expert_index(e) for _, e in pairs], dtype=np.int64)
    return [float(s) for s in pair_scores(problem, apps, experts) / SCALE]
