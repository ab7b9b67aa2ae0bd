"""From a Problem and Options to what the flow sees: candidate pairs, pins taken out, capacities left."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from .affinity import pair_scores
from .conflicts import candidate_pairs, exclusion_reasons
from .flow import FlowInput, network_tails
from .problem import Options, Pairs, Problem, capacities
from .result import Diagnosis, Infeasible, Reason

REASON_ZH = {"unqualified": "无相关专业（无匹配度）", "org": "专家单位是牵头或参与单位",
             "declared": "已申报回避", "forbidden": "已被禁止", "same_city": "专家与申请同城"}


@dataclass(frozen=True, eq=False)
class Prepared:
    """Candidate pairs split into pinned and free, with what remains for the flow.

    Arrays: ``demand`` (n_apps,) experts each application still needs; ``cap`` (n_experts,) each
    expert's max load; ``pinned_load`` (n_experts,); ``deg`` (n_experts,) candidate applications per
    expert (pinned included); ``free_group`` (n_free,) (app, org) ids when org diversity applies.
    """

    problem: Problem
    options: Options
    free: Pairs
    pinned: Pairs
    demand: np.ndarray
    cap: np.ndarray
    pinned_load: np.ndarray
    deg: np.ndarray
    free_group: np.ndarray | None
    _tails: dict = field(default_factory=dict, repr=False)  # the network's tails over all free pairs

    def floors(self, low: int, cap: np.ndarray) -> np.ndarray:
        """Each expert's min load: ``low``, but never more than their candidates or their cap."""
        return np.minimum(np.minimum(low, self.deg), cap)

    def flow_input(self, cap: np.ndarray, floor: np.ndarray, keep: np.ndarray | None = None) -> FlowInput:
        """The flow over free pairs (or the ``keep`` subset) with the pinned loads taken off."""
        free = self.free if keep is None else self.free.take(keep)
        group = self.free_group if keep is None or self.free_group is None else self.free_group[keep]
        inp = FlowInput(self.problem.n_apps, self.problem.n_experts, free.app, free.expert, self.demand,
                        cap - self.pinned_load, np.maximum(floor - self.pinned_load, 0), group)
        if keep is not None:
            return inp
        if "all" not in self._tails:  # every flow over all free pairs has the same network: built once
            self._tails["all"] = network_tails(inp)
        return dataclasses.replace(inp, tails=self._tails["all"])


def _pin_reason(problem: Problem, a: int, e: int, text: str, text_zh: str) -> Reason:
    app, expert = problem.app_ids[a], problem.expert_ids[e]
    return Reason("pin", (app, expert), 0, 0, f"pinned pair ({app}, {expert}): {text}",
                  f"指定的配对（申请 {app}，专家 {expert}）：{text_zh}")


def prepare(problem: Problem, options: Options) -> Prepared:
    """Split candidates into pinned and free; raises Infeasible when a pin breaks a hard rule."""
    cand = candidate_pairs(problem, options)
    n_e, n_o = problem.n_experts, max(len(problem.orgs), 1)
    pin_app = np.array([problem.app_index(a) for a, _ in options.pins], dtype=np.int64)
    pin_exp = np.array([problem.expert_index(e) for _, e in options.pins], dtype=np.int64)
    code = np.unique(pin_app * n_e + pin_exp)
    pin_app, pin_exp = code // max(n_e, 1), code % max(n_e, 1)
    reasons = []
    why = exclusion_reasons(problem, options, pin_app, pin_exp, pair_scores(problem, pin_app, pin_exp))
    for a, e, r in zip(pin_app, pin_exp, why, strict=True):
        if r is not None:
            reasons.append(_pin_reason(problem, a, e, f"not allowed ({r})", f"不可分配（{REASON_ZH[r]}）"))
    if len(code):
        is_pinned = np.isin(cand.app.astype(np.int64) * n_e + cand.expert, code)
        pinned, free = cand.take(is_pinned), cand.take(~is_pinned)
    else:  # no pins: the candidates themselves, not a copy (ten million pairs are 160 MB)
        pinned, free = cand.take(np.zeros(0, dtype=np.int64)), cand
    pin_count = np.bincount(pin_app, minlength=problem.n_apps)
    for a in np.flatnonzero(pin_count > options.k):
        reasons.append(_pin_reason(problem, a, pin_exp[pin_app == a][0],
                                   f"{pin_count[a]} pins exceed k={options.k}",
                                   f"该申请指定了 {pin_count[a]} 位专家，超过每项 {options.k} 位"))
    cap = capacities(problem, options)
    pinned_load = np.bincount(pin_exp, minlength=n_e)
    for e in np.flatnonzero(pinned_load > cap):
        reasons.append(_pin_reason(problem, pin_app[pin_exp == e][0], e,
                                   f"{pinned_load[e]} pins exceed the expert's max load {cap[e]}",
                                   f"该专家被指定 {pinned_load[e]} 项，超过其最大评审数 {cap[e]}"))
    free_group = None
    if options.org_diverse:
        pin_group = pin_app * n_o + problem.expert_org[pin_exp]
        uniq, counts = np.unique(pin_group, return_counts=True)
        for g in uniq[counts > 1]:
            a = int(g // n_o)
            reasons.append(_pin_reason(problem, a, pin_exp[pin_group == g][0],
                                       "two pinned experts of the same org on one panel",
                                       "同一申请指定了两位同单位专家"))
        free_group = free.app.astype(np.int64) * n_o + problem.expert_org[free.expert]
        open_group = ~np.isin(free_group, pin_group)  # a pinned expert already holds the org's seat
        if not open_group.all():
            free, free_group = free.take(open_group), free_group[open_group]
    # A pinned expert must not be drawn a second time for the same application: already excluded,
    # since a free pair is never a pinned pair.
    if reasons:
        raise Infeasible(Diagnosis(False, tuple(reasons)))
    deg = np.bincount(cand.expert, minlength=n_e)
    return Prepared(problem, options, free, pinned, options.k - pin_count, cap, pinned_load, deg, free_group)
