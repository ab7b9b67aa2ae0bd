"""Panel mode (分组评审/会评): one panel of experts per group of applications, chosen with CP-SAT.

A group's panel scores every application of the group. The rules, all hard:

- the panel has ``min_size`` to ``max_size`` experts;
- every member is qualified for the group: the group's ``field`` is one of the expert's fields;
- conflicts (the online rules of :mod:`assignment.conflicts`: the expert's org is the lead or a member org,
  a declared conflict, a forbidden pair, the same city when ``avoid_same_city``): by default an expert
  conflicted with any application of the group may not sit on its panel; with ``recusal`` the expert may,
  recusing from that application only, as long as every application keeps ``min_size`` experts who score it;
- an expert sits on at most one group per meeting day (groups with the same ``day``; groups without a day
  are taken to meet on the same day);
- with ``org_diverse`` at most one expert per org on a panel; pins and forbids are (group, expert) pairs.

Among valid panels it maximises the total expertise: the sum over members of their affinity with each
application they score (the instance's affinity, as for the online solver). With a seed it draws at random
among panels within ``tolerance`` of the optimum, reproducibly (one CP-SAT worker, a fixed solver seed).
An infeasible instance raises :class:`assignment.Infeasible` whose diagnosis names the group and field
that fall short.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .affinity import pair_scores
from .conflicts import UNQUALIFIED, exclusion_reasons
from .problem import SCALE, InputError, Options, Problem
from .result import Diagnosis, Infeasible, Reason


@dataclass(frozen=True)
class Group:
    """A group of applications reviewed by one panel on one ``day`` (any label, e.g. an ISO date)."""

    id: str
    apps: tuple[str, ...]
    field: str
    day: str = ""


@dataclass(frozen=True)
class PanelOptions:
    """The rules of a panel solve; see the module docstring."""

    min_size: int = 5
    max_size: int = 7
    recusal: bool = False
    org_diverse: bool = False
    avoid_same_city: bool = False
    pins: tuple[tuple[str, str], ...] = ()  # (group_id, expert_id)
    forbids: tuple[tuple[str, str], ...] = ()
    seed: int | None = None
    tolerance: float = 0.01
    time_limit: float = 60.0

    def __post_init__(self):
        if self.min_size < 1 or self.max_size < self.min_size:
            raise InputError("options", None, f"panel size {self.min_size}..{self.max_size} is not a range ≥ 1")
        if not 0 <= self.tolerance < 1:
            raise InputError("options", None, "the tolerance must be in [0, 1)")

    def pair_options(self) -> Options:
        """The online options whose conflict rules apply to each (application, expert) pair."""
        return Options(k=1, max_load=0, org_diverse=False, avoid_same_city=self.avoid_same_city)


@dataclass(frozen=True)
class PanelResult:
    """The panels by group id (expert ids, best-fitting first), the recusals as (app_id, expert_id), the
    total expertise (``objective``, affinity units) against the optimum (``bound``)."""

    status: str
    panels: dict[str, tuple[str, ...]]
    recusals: tuple[tuple[str, str], ...]
    objective: float
    bound: float
    seconds: float
    seed: int | None = None
    scores: dict[tuple[str, str], float] = field(default_factory=dict)  # (group, expert) -> expertise

    def pairs(self, groups: Sequence[Group]) -> list[tuple[str, str]]:
        """Every (app_id, expert_id) the panels score: each member scores each application, bar recusals."""
        recused = set(self.recusals)
        return sorted((a, e) for g in groups for e in self.panels.get(g.id, ()) for a in g.apps
                      if (a, e) not in recused)

    def summary(self) -> dict:
        return {"status": self.status, "objective": self.objective, "bound": self.bound,
                "loss": 1 - self.objective / self.bound if self.bound else 0.0, "seconds": round(self.seconds, 3),
                "seed": self.seed, "panels": {g: list(m) for g, m in self.panels.items()},
                "recusals": [list(p) for p in self.recusals]}


@dataclass(frozen=True, eq=False)
class Candidates:
    """Who may sit on which panel: ``score[(g, e)]`` expertise × SCALE, ``recuse[(g, e)]`` the positions
    of the group's applications the expert would recuse from, ``why[(g, e)]`` why an expert may not."""

    groups: tuple[Group, ...]
    score: dict[tuple[int, int], int]
    recuse: dict[tuple[int, int], tuple[int, ...]]
    why: dict[tuple[int, int], str]


def check_groups(problem: Problem, groups: Sequence[Group]) -> None:
    """Every group names known applications, each application in one group at most; InputError if not."""
    seen: dict[str, str] = {}
    ids: set[str] = set()
    for row, group in enumerate(groups, start=2):
        if not group.id or group.id in ids:
            raise InputError("groups", row, f"empty or duplicate group id {group.id!r}")
        ids.add(group.id)
        if not group.apps:
            raise InputError("groups", row, f"group {group.id} has no application")
        for app in group.apps:
            if app not in problem.app_ids:
                raise InputError("groups", row, f"unknown application id {app!r}")
            if app in seen:
                raise InputError("groups", row, f"application {app} is in groups {seen[app]} and {group.id}")
            seen[app] = group.id


def candidates(problem: Problem, groups: Sequence[Group], options: PanelOptions) -> Candidates:
    """Each expert's standing with each group: expertise, recusals, or the reason they may not sit."""
    check_groups(problem, groups)
    pair_options = options.pair_options()
    forbids = set(options.forbids)
    field_of = {name: i for i, name in enumerate(problem.fields)}
    expert_fields = [set(problem.expert_field_idx[problem.expert_field_ptr[e]:problem.expert_field_ptr[e + 1]]
                         .tolist()) for e in range(problem.n_experts)]
    experts = np.arange(problem.n_experts, dtype=np.int64)
    score, recuse, why = {}, {}, {}
    for g, group in enumerate(groups):
        f = field_of.get(group.field, -1)
        apps = [problem.app_index(a) for a in group.apps]
        scores = np.zeros((len(apps), problem.n_experts), dtype=np.int64)
        conflicted = np.zeros((len(apps), problem.n_experts), dtype=bool)
        for i, a in enumerate(apps):
            app_col = np.full(problem.n_experts, a, dtype=np.int64)
            scores[i] = pair_scores(problem, app_col, experts)
            reasons = exclusion_reasons(problem, pair_options, app_col, experts, np.ones(problem.n_experts))
            conflicted[i] = np.not_equal(reasons, None) & np.not_equal(reasons, UNQUALIFIED)
        for e in range(problem.n_experts):
            if f not in expert_fields[e]:
                why[(g, e)] = "unqualified"
            elif (group.id, problem.expert_ids[e]) in forbids:
                why[(g, e)] = "forbidden"
            elif conflicted[:, e].any() and not options.recusal:
                why[(g, e)] = "conflict"
            elif conflicted[:, e].all():
                why[(g, e)] = "conflict"
            else:
                score[(g, e)] = int(scores[~conflicted[:, e], e].sum())
                recuse[(g, e)] = tuple(int(i) for i in np.flatnonzero(conflicted[:, e]))
    return Candidates(tuple(groups), score, recuse, why)


def _reason(kind: str, subjects: tuple[str, ...], need: int, have: int, message: str, message_zh: str) -> Reason:
    return Reason(kind, subjects, need, have, message, message_zh)


def diagnose_panels(problem: Problem, groups: Sequence[Group], options: PanelOptions,
                    cand: Candidates | None = None) -> Diagnosis:
    """Why no valid panels exist, in counts the centre can act on: a group whose field has too few eligible
    experts, an application short of experts after recusals, a day whose groups need more experts than it
    has, a pin that breaks a rule. ``feasible`` is True when the counts find nothing (the solve decides)."""
    cand = cand or candidates(problem, groups, options)
    reasons = []
    by_group: dict[int, list[int]] = {}
    for g, e in cand.score:
        by_group.setdefault(g, []).append(e)
    for g, group in enumerate(cand.groups):
        have = len(by_group.get(g, []))
        if have < options.min_size:
            conflicted = sum(1 for (gg, _e), w in cand.why.items() if gg == g and w == "conflict")
            reasons.append(_reason(
                "group", (group.id, group.field), options.min_size, have,
                f"group {group.id} (field {group.field}): {have} eligible experts, the panel needs "
                f"{options.min_size} ({conflicted} of the field are conflicted)",
                f"第 {group.id} 组（技术领域：{group.field}）：可用专家 {have} 位，专家组至少需要 {options.min_size} 位"
                f"（该领域另有 {conflicted} 位因回避不能参加）"))
        elif options.recusal:
            for i, app in enumerate(group.apps):
                free = sum(1 for e in by_group[g] if i not in cand.recuse[(g, e)])
                if free < options.min_size:
                    reasons.append(_reason(
                        "application", (app, group.id, group.field), options.min_size, free,
                        f"application {app} of group {group.id} (field {group.field}): {free} eligible experts "
                        f"without a conflict, needs {options.min_size}",
                        f"第 {group.id} 组（技术领域：{group.field}）的申请 {app}：无需回避的可用专家 {free} 位，"
                        f"至少需要 {options.min_size} 位"))
    days: dict[str, list[int]] = {}
    for g, group in enumerate(cand.groups):
        days.setdefault(group.day, []).append(g)
    for day, members in days.items():
        need = options.min_size * len(members)
        have = len({e for g in members for e in by_group.get(g, [])})
        if len(members) > 1 and have < need:
            names = tuple(cand.groups[g].id for g in members)
            fields = "、".join(sorted({cand.groups[g].field for g in members}))
            reasons.append(_reason(
                "day", names, need, have,
                f"day {day or '(no date)'}: groups {', '.join(names)} need {need} different experts, "
                f"{have} are eligible for any of them",
                f"{day or '未定日期'}：第 {'、'.join(names)} 组（{fields}）同日需要 {need} 位不同专家，"
                f"可用的只有 {have} 位"))
    for group_id, expert_id in options.pins:
        g = next((i for i, gr in enumerate(cand.groups) if gr.id == group_id), None)
        e = problem._index.setdefault("expert", {x: i for i, x in enumerate(problem.expert_ids)}).get(expert_id)
        if g is None or e is None or (g, e) not in cand.score:
            why = cand.why.get((g, e), "unknown") if g is not None and e is not None else "unknown"
            reasons.append(_reason(
                "pin", (group_id, expert_id), 0, 0,
                f"pinned expert {expert_id} may not sit on group {group_id} ({why})",
                f"指定的专家 {expert_id} 不能进入第 {group_id} 组（{_WHY_ZH.get(why, '未知的组或专家')}）"))
    return Diagnosis(not reasons, tuple(reasons))


_WHY_ZH = {"unqualified": "专业领域不符", "forbidden": "已被禁止", "conflict": "需回避"}


def _model(problem: Problem, cand: Candidates, options: PanelOptions):
    from ortools.sat.python import cp_model  # imported here: it costs 0.3 s on every start otherwise

    model = cp_model.CpModel()
    x = {key: model.NewBoolVar(f"x{key[0]}_{key[1]}") for key in cand.score}
    by_group: dict[int, list] = {}
    by_day_expert: dict[tuple[str, int], list] = {}
    by_group_org: dict[tuple[int, int], list] = {}
    for (g, e), var in x.items():
        by_group.setdefault(g, []).append((e, var))
        by_day_expert.setdefault((cand.groups[g].day, e), []).append(var)
        by_group_org.setdefault((g, int(problem.expert_org[e])), []).append(var)
    for g, group in enumerate(cand.groups):
        members = by_group.get(g, [])
        model.Add(sum(v for _, v in members) >= options.min_size)
        model.Add(sum(v for _, v in members) <= options.max_size)
        if options.recusal:
            for i in range(len(group.apps)):
                model.Add(sum(v for e, v in members if i not in cand.recuse[(g, e)]) >= options.min_size)
    for variables in by_day_expert.values():
        if len(variables) > 1:
            model.AddAtMostOne(variables)
    if options.org_diverse:
        for variables in by_group_org.values():
            if len(variables) > 1:
                model.AddAtMostOne(variables)
    index = {gr.id: g for g, gr in enumerate(cand.groups)}
    experts = {x_: i for i, x_ in enumerate(problem.expert_ids)}
    for group_id, expert_id in options.pins:
        model.Add(x[(index[group_id], experts[expert_id])] == 1)
    return cp_model, model, x


def _solve(cp_model, model, options: PanelOptions):
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = options.time_limit
    solver.parameters.num_workers = 1  # one worker and a fixed seed: the same input gives the same panels
    solver.parameters.random_seed = 0
    return solver, solver.Solve(model)


def solve_panels(problem: Problem, groups: Sequence[Group], options: PanelOptions,
                 rng: np.random.Generator | None = None) -> PanelResult:
    """The panels with the most expertise (or, with ``options.seed``, a random draw within ``tolerance`` of
    it); raises :class:`Infeasible` with a diagnosis naming the group and field that fall short."""
    start = time.perf_counter()
    cand = candidates(problem, groups, options)
    diagnosis = diagnose_panels(problem, groups, options, cand)
    if not diagnosis.feasible:
        raise Infeasible(diagnosis, time.perf_counter() - start)
    cp_model, model, x = _model(problem, cand, options)
    keys = sorted(x)
    weights = [cand.score[k] for k in keys]
    model.Maximize(sum(w * x[k] for w, k in zip(weights, keys, strict=True)))
    solver, status = _solve(cp_model, model, options)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        reason = _reason("total", tuple(g.id for g in groups), 0, 0,
                         "no panels meet every rule together (days, org diversity, pins, recusals)",
                         "各组的规则无法同时满足（同日不重复、同单位、指定、回避）")
        raise Infeasible(Diagnosis(False, (reason,)), time.perf_counter() - start)
    optimum = round(solver.ObjectiveValue())
    bound = optimum if status == cp_model.OPTIMAL else round(solver.BestObjectiveBound())
    label = "OPTIMAL" if status == cp_model.OPTIMAL else "FEASIBLE"
    chosen = [k for k in keys if solver.Value(x[k])]
    if options.seed is not None and optimum > 0:
        rng = rng if rng is not None else np.random.default_rng(options.seed)
        spread = max(int(options.tolerance * optimum // max(len(chosen), 1)), 1)
        noise = rng.integers(-spread, spread + 1, size=len(keys))
        total = sum(w * x[k] for w, k in zip(weights, keys, strict=True))
        model.Add(total >= optimum - int(options.tolerance * optimum))
        model.Maximize(sum(int(w + n) * x[k] for w, n, k in zip(weights, noise, keys, strict=True)))
        solver, status = _solve(cp_model, model, options)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            chosen = [k for k in keys if solver.Value(x[k])]
            drawn = sum(cand.score[k] for k in chosen)
            label = "OPTIMAL" if drawn == optimum and label == "OPTIMAL" else "FEASIBLE"
    return _result(problem, cand, chosen, bound, label, start, options.seed)


def _result(problem: Problem, cand: Candidates, chosen: list[tuple[int, int]], bound: int, status: str,
            start: float, seed: int | None) -> PanelResult:
    panels: dict[str, list[tuple[int, str]]] = {g.id: [] for g in cand.groups}
    recusals = []
    scores = {}
    for g, e in chosen:
        group, expert = cand.groups[g], problem.expert_ids[e]
        panels[group.id].append((-cand.score[(g, e)], expert))
        scores[(group.id, expert)] = cand.score[(g, e)] / SCALE
        recusals.extend((group.apps[i], expert) for i in cand.recuse[(g, e)])
    total = sum(cand.score[k] for k in chosen)
    return PanelResult(status=status, panels={g: tuple(e for _, e in sorted(m)) for g, m in panels.items()},
                       recusals=tuple(sorted(recusals)), objective=total / SCALE, bound=bound / SCALE,
                       seconds=time.perf_counter() - start, seed=seed, scores=scores)


def check_panels(problem: Problem, groups: Sequence[Group], panels: dict[str, Sequence[str]],
                 options: PanelOptions) -> list[str]:
    """Every rule the panels break, in words (empty when valid): sizes, qualification, conflicts or
    recusals, days, org diversity, pins."""
    cand = candidates(problem, groups, options)
    experts = {x: i for i, x in enumerate(problem.expert_ids)}
    broken, seen_day = [], {}
    for g, group in enumerate(groups):
        members = [experts[e] for e in panels.get(group.id, ())]
        if not options.min_size <= len(members) <= options.max_size:
            broken.append(f"group {group.id}: {len(members)} experts")
        for e in members:
            if (g, e) not in cand.score:
                broken.append(f"group {group.id}: expert {problem.expert_ids[e]} {cand.why[(g, e)]}")
            day_key = (group.day, e)
            if day_key in seen_day:
                broken.append(f"expert {problem.expert_ids[e]} on groups {seen_day[day_key]} and {group.id}")
            seen_day[day_key] = group.id
        if options.recusal:
            for i, app in enumerate(group.apps):
                free = sum(1 for e in members if (g, e) in cand.recuse and i not in cand.recuse[(g, e)])
                if free < options.min_size:
                    broken.append(f"application {app}: {free} experts score it")
        if options.org_diverse and len({int(problem.expert_org[e]) for e in members}) < len(members):
            broken.append(f"group {group.id}: two experts of one org")
    for group_id, expert_id in options.pins:
        if expert_id not in panels.get(group_id, ()):
            broken.append(f"pin ({group_id}, {expert_id}) not kept")
    return broken


def expertise(problem: Problem, groups: Sequence[Group], panels: dict[str, Sequence[str]],
              options: PanelOptions) -> float:
    """The total expertise of valid panels (the objective :func:`solve_panels` maximises)."""
    cand = candidates(problem, groups, options)
    experts = {x: i for i, x in enumerate(problem.expert_ids)}
    return sum(cand.score[(g, experts[e])] for g, group in enumerate(groups) for e in panels.get(group.id, ())) / SCALE


def replace_member(problem: Problem, groups: Sequence[Group], panels: dict[str, Sequence[str]], group_id: str,
                   expert_id: str, options: PanelOptions) -> tuple[str, float, tuple[str, ...]]:
    """The best expert to take ``expert_id``'s seat on ``group_id``'s panel, moving nobody else: eligible,
    free that day, not of a member's org when ``org_diverse``, every application still scored by
    ``min_size`` members. Returns (expert id, expertise, the applications they recuse from); raises
    Infeasible naming the group and field when nobody fits."""
    cand = candidates(problem, groups, options)
    g = next(i for i, gr in enumerate(groups) if gr.id == group_id)
    group = groups[g]
    experts = {x: i for i, x in enumerate(problem.expert_ids)}
    stay = [experts[e] for e in panels[group_id] if e != expert_id]
    busy = {experts[e] for other in groups if other.day == group.day for e in panels.get(other.id, ())}
    busy.add(experts[expert_id])
    best = None
    for (gg, e), score in sorted(cand.score.items(), key=lambda item: (-item[1], item[0][1])):
        if gg != g or e in busy:
            continue
        if options.org_diverse and int(problem.expert_org[e]) in {int(problem.expert_org[s]) for s in stay}:
            continue
        members = [*stay, e]
        if options.recusal and any(sum(1 for m in members if i not in cand.recuse[(g, m)]) < options.min_size
                                   for i in range(len(group.apps))):
            continue
        best = (problem.expert_ids[e], score / SCALE, tuple(group.apps[i] for i in cand.recuse[(g, e)]))
        break
    if best is None:
        reason = _reason("group", (group.id, group.field), 1, 0,
                         f"group {group.id} (field {group.field}): no eligible expert is free to replace {expert_id}",
                         f"第 {group.id} 组（技术领域：{group.field}）：没有可替换专家 {expert_id} 的可用专家")
        raise Infeasible(Diagnosis(False, (reason,)))
    return best
