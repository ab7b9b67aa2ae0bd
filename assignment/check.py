"""check(): every hard rule an assignment breaks, one Violation each, in English and Chinese.

The same function validates a solver proposal, a manual change and an uploaded file (HotCRP's habit:
every route to a change is validated the same way).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .affinity import pair_scores
from .conflicts import candidate_pairs, exclusion_reasons
from .prepare import REASON_ZH
from .problem import Options, Problem, capacities
from .result import Violation


def _positions(problem: Problem, pairs: Sequence[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray,
                                                                             list[Violation]]:
    app, expert, unknown = [], [], []
    for a_id, e_id in pairs:
        try:
            a, e = problem.app_index(a_id), problem.expert_index(e_id)
        except KeyError:
            unknown.append(Violation("unknown", a_id, e_id, f"unknown id in pair ({a_id}, {e_id})",
                                     f"配对（{a_id}，{e_id}）中有未知编号"))
            continue
        app.append(a)
        expert.append(e)
    return np.array(app, dtype=np.int64), np.array(expert, dtype=np.int64), unknown


def check(problem: Problem, pairs: Sequence[tuple[str, str]], options: Options) -> list[Violation]:
    """All violations of the hard rules of ``options`` by the (app_id, expert_id) ``pairs``; [] if valid.

    Checked: known ids, no duplicate pair, exactly k experts per application, loads within each expert's
    max load (and the min-load floor, capped by the expert's candidates), no conflicted, unqualified,
    forbidden or (with ``avoid_same_city``) same-city pair, one expert per org and panel (with
    ``org_diverse``), every pin present.
    """
    app, expert, out = _positions(problem, pairs)
    ids_a, ids_e = problem.app_ids, problem.expert_ids
    code = app * max(problem.n_experts, 1) + expert
    uniq, first, counts = np.unique(code, return_index=True, return_counts=True)
    for i in first[counts > 1]:
        out.append(Violation("duplicate", ids_a[app[i]], ids_e[expert[i]], "pair listed twice", "配对重复"))
    app, expert = app[first], expert[first]
    why = exclusion_reasons(problem, options, app, expert, pair_scores(problem, app, expert))
    for i in np.flatnonzero(~np.equal(why, None)):
        a, e = ids_a[app[i]], ids_e[expert[i]]
        out.append(Violation(why[i], a, e, f"expert {e} may not review application {a}: {why[i]}",
                             f"专家 {e} 不得评审申请 {a}：{REASON_ZH[why[i]]}"))
    panel = np.bincount(app, minlength=problem.n_apps)
    for a in np.flatnonzero(panel != options.k):
        out.append(Violation("panel_size", ids_a[a], None,
                             f"application {ids_a[a]} has {panel[a]} experts, needs {options.k}",
                             f"申请 {ids_a[a]} 有 {panel[a]} 位专家，应为 {options.k} 位"))
    load, cap = np.bincount(expert, minlength=problem.n_experts), capacities(problem, options)
    for e in np.flatnonzero(load > cap):
        out.append(Violation("over_load", None, ids_e[e], f"expert {ids_e[e]} has {load[e]} > max load {cap[e]}",
                             f"专家 {ids_e[e]} 评审 {load[e]} 项，超过最大评审数 {cap[e]}"))
    if options.min_load:
        deg = np.bincount(candidate_pairs(problem, options).expert, minlength=problem.n_experts)
        floor = np.minimum(np.minimum(options.min_load, deg), cap)
        for e in np.flatnonzero(load < floor):
            out.append(Violation("under_load", None, ids_e[e],
                                 f"expert {ids_e[e]} has {load[e]} < min load {floor[e]}",
                                 f"专家 {ids_e[e]} 评审 {load[e]} 项，少于最少评审数 {floor[e]}"))
    if options.org_diverse:
        group = app * max(len(problem.orgs), 1) + problem.expert_org[expert]
        g, idx, n = np.unique(group, return_index=True, return_counts=True)
        for i in idx[n > 1]:
            a, org = ids_a[app[i]], problem.orgs[problem.expert_org[expert[i]]]
            out.append(Violation("org_diverse", a, None, f"application {a} has several experts of org {org}",
                                 f"申请 {a} 的专家中有多位来自同一单位 {org}"))
    present = {(ids_a[a], ids_e[e]) for a, e in zip(app, expert, strict=True)}
    for a, e in options.pins:
        if (a, e) not in present:
            out.append(Violation("pin_missing", a, e, f"pinned pair ({a}, {e}) is missing",
                                 f"指定的配对（{a}，{e}）缺失"))
    return out
