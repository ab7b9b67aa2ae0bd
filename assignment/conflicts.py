"""Which application–expert pairs may be assigned: qualified by affinity and free of conflicts.

Affinity from field overlap (used when the instance has no affinity table): an expert lists fields in
order of expertise and an application lists its main field first. A pair whose fields meet at
application position ``i`` and expert position ``j`` scores ``max(1 - 0.2 * (i + j), 0.2)``; the best
meeting counts; a pair with no common field is unqualified. So a main-field match is 1.0, an expert's
second field 0.8, and so on.

Conflicts (回避) are hard: the expert's org is the lead or a member org of the application; a declared
conflict (conflicts.csv); a forbidden pair; and, with ``avoid_same_city``, the expert's city is the
application's city (an empty city never matches).
"""

from __future__ import annotations

import numpy as np

from .problem import SCALE, Options, Pairs, Problem, sort_pairs

#: Reason codes for a pair that may not be assigned, in the order they are checked.
UNQUALIFIED, ORG, DECLARED, FORBIDDEN, SAME_CITY = "unqualified", "org", "declared", "forbidden", "same_city"


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


def _codes(problem: Problem, app: np.ndarray, expert: np.ndarray) -> np.ndarray:
    return app.astype(np.int64) * max(problem.n_experts, 1) + expert


def _in(codes: np.ndarray, sorted_codes: np.ndarray) -> np.ndarray:
    if len(sorted_codes) == 0:
        return np.zeros(len(codes), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_codes, codes), len(sorted_codes) - 1)
    return sorted_codes[pos] == codes


def pair_codes(problem: Problem, pairs: list[tuple[str, str]] | tuple) -> np.ndarray:
    """Sorted int64 codes ``app * n_experts + expert`` of (app_id, expert_id) pairs."""
    if not pairs:
        return np.zeros(0, dtype=np.int64)
    app = np.array([problem.app_index(a) for a, _ in pairs], dtype=np.int64)
    expert = np.array([problem.expert_index(e) for _, e in pairs], dtype=np.int64)
    return np.unique(_codes(problem, app, expert))


def exclusion_reasons(problem: Problem, options: Options, app: np.ndarray, expert: np.ndarray,
                      score: np.ndarray) -> np.ndarray:
    """Why each pair may not be assigned: an object array of shape (n,), None where it may be.

    ``score`` is the pair's affinity × SCALE (0 when unqualified).
    """
    app, expert = np.asarray(app, dtype=np.int64), np.asarray(expert, dtype=np.int64)
    reasons = np.full(len(app), None, dtype=object)
    checks = [
        (UNQUALIFIED, np.asarray(score) <= 0),
        (ORG, _in(app * max(len(problem.orgs), 1) + problem.expert_org[expert], _app_org_codes(problem))),
        (DECLARED, _in(_codes(problem, app, expert), _codes(problem, problem.conflicts.app,
                                                             problem.conflicts.expert))),
        (FORBIDDEN, _in(_codes(problem, app, expert), pair_codes(problem, options.forbids))),
    ]
    if options.avoid_same_city:
        city = problem.app_city[app]
        checks.append((SAME_CITY, (city != 0) & (city == problem.expert_city[expert])))
    for code, mask in reversed(checks):  # the first reason in the list wins
        reasons[mask] = code
    return reasons


def _app_org_codes(problem: Problem) -> np.ndarray:
    counts = np.diff(problem.app_org_ptr)
    owner = np.repeat(np.arange(problem.n_apps, dtype=np.int64), counts)
    return np.unique(owner * max(len(problem.orgs), 1) + problem.app_org_idx)


def candidate_pairs(problem: Problem, options: Options) -> Pairs:
    """The pairs the solver may use: qualified, not conflicted, not forbidden, city rule applied."""
    pairs = qualified_pairs(problem)
    reasons = exclusion_reasons(problem, options, pairs.app, pairs.expert, pairs.score)
    return pairs.take(np.equal(reasons, None))


def pair_scores(problem: Problem, app: np.ndarray, expert: np.ndarray) -> np.ndarray:
    """Affinity × SCALE of arbitrary pairs, shape (n,); 0 where unqualified."""
    pairs = qualified_pairs(problem)
    table = _codes(problem, pairs.app, pairs.expert)
    codes = _codes(problem, np.asarray(app), np.asarray(expert))
    if len(table) == 0:
        return np.zeros(len(codes), dtype=np.int64)
    pos = np.minimum(np.searchsorted(table, codes), len(table) - 1)
    return np.where(table[pos] == codes, pairs.score[pos], 0)
