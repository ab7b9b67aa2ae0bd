"""Which application–expert pairs may be assigned: qualified by affinity and free of conflicts.

A pair is qualified when its affinity is positive (see :mod:`assignment.affinity`).

Conflicts (回避) are hard: the expert's org is the lead or a member org of the application; a declared
conflict (conflicts.csv); a forbidden pair; and, with ``avoid_same_city``, the expert's city is the
application's city (an empty city never matches).
"""

from __future__ import annotations

import numpy as np

from .affinity import qualified_pairs
from .problem import Options, Pairs, Problem, pair_code

#: Reason codes for a pair that may not be assigned, in the order they are checked.
UNQUALIFIED, ORG, DECLARED, FORBIDDEN, SAME_CITY = "unqualified", "org", "declared", "forbidden", "same_city"


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
    return np.unique(pair_code(problem, app, expert))


def _exclusions(problem: Problem, options: Options, app: np.ndarray, expert: np.ndarray,
                score: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Each rule's code and its mask over the pairs (True: the rule excludes the pair), in checking order."""
    app, expert = np.asarray(app, dtype=np.int64), np.asarray(expert, dtype=np.int64)
    checks = [
        (UNQUALIFIED, np.asarray(score) <= 0),
        (ORG, _in(app * max(len(problem.orgs), 1) + problem.expert_org[expert], _app_org_codes(problem))),
        (DECLARED, _in(pair_code(problem, app, expert),
                       pair_code(problem, problem.conflicts.app, problem.conflicts.expert))),
    ]
    if options.forbids:
        checks.append((FORBIDDEN, _in(pair_code(problem, app, expert), pair_codes(problem, options.forbids))))
    if options.avoid_same_city:
        city = problem.app_city[app]
        checks.append((SAME_CITY, (city != 0) & (city == problem.expert_city[expert])))
    return checks


def exclusion_reasons(problem: Problem, options: Options, app: np.ndarray, expert: np.ndarray,
                      score: np.ndarray) -> np.ndarray:
    """Why each pair may not be assigned: an object array of shape (n,), None where it may be.

    ``score`` is the pair's affinity × SCALE (0 when unqualified).
    """
    reasons = np.full(len(app), None, dtype=object)
    for code, mask in reversed(_exclusions(problem, options, app, expert, score)):  # the first reason wins
        reasons[mask] = code
    return reasons


def _app_org_codes(problem: Problem) -> np.ndarray:
    counts = np.diff(problem.app_org_ptr)
    owner = np.repeat(np.arange(problem.n_apps, dtype=np.int64), counts)
    return np.unique(owner * max(len(problem.orgs), 1) + problem.app_org_idx)


def candidate_pairs(problem: Problem, options: Options) -> Pairs:
    """The pairs the solver may use: qualified, not conflicted, not forbidden, city rule applied."""
    pairs = qualified_pairs(problem)
    excluded = np.zeros(len(pairs), dtype=bool)
    for _, mask in _exclusions(problem, options, pairs.app, pairs.expert, pairs.score):
        excluded |= mask
    return pairs.take(~excluded) if excluded.any() else pairs
