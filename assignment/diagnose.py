"""Why an instance has no valid assignment, in numbers a centre can act on (Hall-type counts).

A set S of applications needs ``k·|S|`` expert slots; an expert can give S at most
``min(max load, number of applications of S they may review)``. When the need exceeds what the experts
can give, no assignment exists (Hall's condition for b-matchings). We count this for every single
application, for the applications of each field, and for the whole call; if none of those sets is
short, a minimum cut of the max flow names the set that is.
"""

from __future__ import annotations

import numpy as np

from .flow import feasible, max_flow_cut
from .prepare import Prepared, prepare
from .problem import Options, Problem
from .result import Diagnosis, Infeasible, Reason

MAX_LISTED = 20  # applications named in one message; the structured data holds them all


def _offer(prep: Prepared, apps_mask: np.ndarray, cap: np.ndarray) -> int:
    """What the experts can give the applications in ``apps_mask``: Σ_e min(cap_e, |N(e) ∩ S|)."""
    sel = apps_mask[prep.free.app]
    per_expert = np.bincount(prep.free.expert[sel], minlength=prep.problem.n_experts)
    return int(np.minimum(per_expert, cap - prep.pinned_load).sum())


def _application_reasons(prep: Prepared) -> list[Reason]:
    problem = prep.problem
    if prep.free_group is not None:  # one seat per org: count distinct orgs, not experts
        have = np.bincount(prep.free.app[np.unique(prep.free_group, return_index=True)[1]],
                           minlength=problem.n_apps)
    else:
        have = np.bincount(prep.free.app, minlength=problem.n_apps)
    reasons = []
    unit, unit_zh = ("experts of distinct orgs", "个不同单位的") if prep.free_group is not None else \
        ("experts", "位")
    for a in np.flatnonzero(have < prep.demand):
        app, need, got = problem.app_ids[a], int(prep.demand[a]), int(have[a])
        fields = "、".join(problem.app_field_names(a))
        reasons.append(Reason(
            "application", (app,), need, got,
            f"application {app} (field {fields}) has {got} eligible, non-conflicted {unit} but needs "
            f"{need}: short by {need - got}; add experts of this field or review its conflicts",
            f"申请 {app}（领域：{fields}）只有 {got} {unit_zh}符合条件且无回避关系的专家，需要 {need} 位，"
            f"缺 {need - got} 位；请补充该领域专家或核对回避关系。"))
    return reasons


def _field_reasons(prep: Prepared, cap: np.ndarray) -> list[Reason]:
    problem = prep.problem
    main_field = problem.app_field_idx[problem.app_field_ptr[:-1]]
    reasons = []
    for f in np.unique(main_field):
        mask = main_field == f
        need, have = int(prep.demand[mask].sum()), _offer(prep, mask, cap)
        if need > have:
            name, n = problem.fields[f], int(mask.sum())
            reasons.append(Reason(
                "field", (name,), need, have,
                f"field {name}: {n} applications need {need} expert slots but its eligible experts can "
                f"give at most {have}: short by {need - have}; add experts or raise their max load",
                f"领域「{name}」的 {n} 项申请共需 {need} 个评审名额，符合条件的专家最多只能提供 {have} 个，"
                f"缺 {need - have} 个；请补充该领域专家或提高其最大评审数。"))
    return reasons


def _group_reason(prep: Prepared, cap: np.ndarray) -> Reason | None:
    problem = prep.problem
    flow, apps = max_flow_cut(prep.flow_input(cap, np.zeros_like(cap)))
    need_all = int(prep.demand.sum())
    if flow >= need_all:
        return None
    mask = np.zeros(problem.n_apps, dtype=bool)
    mask[apps] = True
    need = int(prep.demand[mask].sum())
    have = need - (need_all - flow)  # the cut's deficit is the whole shortfall
    ids = tuple(problem.app_ids[a] for a in apps)
    listed = "、".join(ids[:MAX_LISTED]) + ("…" if len(ids) > MAX_LISTED else "")
    return Reason(
        "group", ids, need, have,
        f"{len(ids)} applications ({listed}) together need {need} expert slots but the experts who may "
        f"review them can give at most {have}: short by {need - have}",
        f"{len(ids)} 项申请（{listed}）共需 {need} 个评审名额，可评审它们的专家最多只能提供 {have} 个，"
        f"缺 {need - have} 个；请为这些申请补充专家或提高专家最大评审数。")


def _total_reason(prep: Prepared, cap: np.ndarray) -> Reason | None:
    need = int(prep.demand.sum())
    have = _offer(prep, np.ones(prep.problem.n_apps, dtype=bool), cap)
    if need <= have:
        return None
    return Reason("total", (), need, have,
                  f"all applications need {need} expert slots but the pool can give at most {have}",
                  f"全部申请共需 {need} 个评审名额，专家库最多只能提供 {have} 个，缺 {need - have} 个。")


def _min_load_reason(prep: Prepared, cap: np.ndarray, floor: np.ndarray) -> Reason:
    need, have = int(floor.sum()), int(prep.demand.sum() + prep.pinned.app.size)
    low = prep.options.min_load
    return Reason("min_load", (), need, have,
                  f"the min load {low} asks for {need} reviews in total, the applications offer {have} "
                  "slots (or the floor cannot be met together with conflicts and max loads); lower it",
                  f"最少评审数 {low} 共需 {need} 次评审，而申请只提供 {have} 个名额"
                  "（或在回避与最大评审数约束下无法满足），请降低最少评审数。")


def diagnose(problem: Problem, options: Options, cap: np.ndarray | None = None) -> Diagnosis:
    """Whether a valid assignment exists and, if not, why: per application, per field, overall.

    ``cap`` (n_experts,) overrides the max loads (the balance mode diagnoses its own bounds).
    """
    try:
        prep = prepare(problem, options)
    except Infeasible as exc:
        return exc.diagnosis
    cap = prep.cap if cap is None else cap
    floor = prep.floors(options.min_load, cap)
    if feasible(prep.flow_input(cap, floor), prep.free.score):
        return Diagnosis(True)
    reasons = _application_reasons(prep) + _field_reasons(prep, cap)
    total = _total_reason(prep, cap)
    if total is not None:
        reasons.append(total)
    if not reasons:
        group = _group_reason(prep, cap)
        reasons.append(group if group is not None else _min_load_reason(prep, cap, floor))
    return Diagnosis(False, tuple(reasons))
