"""replace(): a recusal — one expert leaves one panel, the best eligible expert takes the seat, and every
other pair stays exactly as it was."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace as with_changes

import numpy as np

from .conflicts import candidate_pairs
from .problem import SCALE, Options, Problem, capacities
from .result import Diagnosis, Infeasible, Reason


@dataclass(frozen=True)
class Replacement:
    """The new assignment (same order, the recused pair swapped in place), who came in, their affinity."""

    pairs: tuple[tuple[str, str], ...]
    app_id: str
    removed: str
    added: str
    score: float


def replace(problem: Problem, pairs: Sequence[tuple[str, str]], app_id: str, expert_id: str,
            options: Options, rng: np.random.Generator | None = None) -> Replacement:
    """Replace ``expert_id`` on ``app_id`` by the eligible expert of highest affinity.

    Eligible: a candidate pair under ``options`` (qualified, no conflict, not forbidden, city rule),
    the recused expert excluded, not already on the panel, below their max load, and with
    ``org_diverse`` of an org not yet on the panel. Ties go to ``rng`` (seeded) or else to the first
    expert in pool order. Raises KeyError when the pair is not in ``pairs``, Infeasible when nobody is
    eligible.
    """
    pairs = [tuple(p) for p in pairs]
    if (app_id, expert_id) not in pairs:
        raise KeyError(f"pair ({app_id}, {expert_id}) is not in the assignment")
    options = with_changes(options, forbids=(*options.forbids, (app_id, expert_id)))
    a = problem.app_index(app_id)
    panel = {problem.expert_index(e) for x, e in pairs if x == app_id and e != expert_id}
    load = np.bincount([problem.expert_index(e) for _, e in pairs], minlength=problem.n_experts)
    load[problem.expert_index(expert_id)] -= 1
    cand = candidate_pairs(problem, options)
    cand = cand.take(cand.app == a)
    ok = ~np.isin(cand.expert, list(panel)) & (load[cand.expert] < capacities(problem, options)[cand.expert])
    if options.org_diverse:
        ok &= ~np.isin(problem.expert_org[cand.expert], [problem.expert_org[e] for e in panel])
    cand = cand.take(ok)
    if len(cand) == 0:
        raise Infeasible(Diagnosis(False, (Reason(
            "application", (app_id,), 1, 0,
            f"no eligible expert with spare capacity can replace {expert_id} on application {app_id}; "
            "add an expert of this field or raise a max load",
            f"没有符合条件且有余量的专家可替换申请 {app_id} 的专家 {expert_id}；请补充该领域专家或提高最大评审数。"),)))
    top = np.flatnonzero(cand.score == cand.score.max())
    pick = int(top[rng.integers(len(top))]) if rng is not None else int(top[0])
    added = problem.expert_ids[cand.expert[pick]]
    new = tuple((x, added) if (x, e) == (app_id, expert_id) else (x, e) for x, e in pairs)
    return Replacement(new, app_id, expert_id, added, int(cand.score[pick]) / SCALE)
