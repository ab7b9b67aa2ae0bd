"""Random tiny instances (hypothesis) and an independent brute-force solver to judge the library by.

The brute force re-implements the rules from the documents, not from the library: field-overlap
affinity, org / declared / forbidden / same-city conflicts, loads, floors, org diversity.
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from assignment import Application, Expert, Options, build_problem

FIELDS = ["F1", "F2"]
ORGS = ["O1", "O2", "O3", "O4", "O5", "O6"]
CITIES = ["C1", "C2", ""]


@dataclass
class Case:
    apps: list[Application]
    experts: list[Expert]
    affinity: dict[tuple[str, str], float] | None
    conflicts: list[tuple[str, str]]

    def problem(self):
        aff = None
        if self.affinity is not None:
            keys = list(self.affinity)
            aff = ([a for a, _ in keys], [e for _, e in keys], [self.affinity[p] for p in keys])
        conf = ([a for a, _ in self.conflicts], [e for _, e in self.conflicts], ["declared"] * len(self.conflicts))
        return build_problem(self.apps, self.experts, aff, conf)


@st.composite
def cases(draw, max_apps=3, max_experts=6):
    n_apps = draw(st.integers(1, max_apps))
    n_experts = draw(st.integers(3, max_experts))
    apps = [
        Application(
            id=f"A{i}",
            field=draw(st.sampled_from(FIELDS)),
            lead_org=draw(st.sampled_from(ORGS)),
            member_orgs=tuple(draw(st.lists(st.sampled_from(ORGS), max_size=1, unique=True))),
            city=draw(st.sampled_from(CITIES)),
        )
        for i in range(n_apps)
    ]
    experts = [
        Expert(
            id=f"E{j}",
            org=draw(st.sampled_from(ORGS)),
            city=draw(st.sampled_from(CITIES)),
            fields=tuple(draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=2, unique=True))),
            max_load=draw(st.one_of(st.none(), st.none(), st.integers(0, 3))),
        )
        for j in range(n_experts)
    ]
    affinity = None
    if draw(st.booleans()):
        scores = st.one_of(st.none(), st.sampled_from([0.0, 0.1, 0.35, 0.5, 0.8, 1.0]))
        affinity = {(a.id, e.id): s for a in apps for e in experts if (s := draw(scores)) is not None}
    pairs = [(a.id, e.id) for a in apps for e in experts]
    conflicts = draw(st.lists(st.sampled_from(pairs), max_size=2, unique=True))
    return Case(apps, experts, affinity, conflicts)


@st.composite
def options(draw, **fixed):
    values = dict(
        k=draw(st.integers(1, 2)),
        max_load=draw(st.integers(2, 3)),
        min_load=draw(st.sampled_from([0, 0, 1])),
        org_diverse=draw(st.booleans()),
        avoid_same_city=draw(st.booleans()),
    )
    values.update(fixed)
    values["min_load"] = min(values["min_load"], values["max_load"])
    return Options(**values)


def score_int(case: Case, app: Application, expert: Expert) -> int:
    """Affinity × 10^6 per the documents; 0 = unqualified."""
    if case.affinity is not None:
        return round(case.affinity.get((app.id, expert.id), 0.0) * 1_000_000)
    best = 0
    for i, f in enumerate(app.field.split(";")):
        for j, g in enumerate(expert.fields):
            if f == g:
                best = max(best, max(1_000_000 - 200_000 * (i + j), 200_000))
    return best


def eligible(case: Case, opts: Options, app: Application, expert: Expert) -> bool:
    if score_int(case, app, expert) <= 0:
        return False
    if expert.org in (app.lead_org, *app.member_orgs):
        return False
    if (app.id, expert.id) in case.conflicts or (app.id, expert.id) in opts.forbids:
        return False
    return not (opts.avoid_same_city and app.city and app.city == expert.city)


def caps(case: Case, opts: Options) -> dict[str, int]:
    return {e.id: opts.max_load if e.max_load is None else e.max_load for e in case.experts}


def all_assignments(case: Case, opts: Options, load_cap: int | None = None, floor_low: int | None = None):
    """Every valid assignment as (total, loads, panels, pairs); loads bounded as the library defines."""
    cap = caps(case, opts)
    if load_cap is not None:
        cap = {e: min(c, load_cap) for e, c in cap.items()}
    low = opts.min_load if floor_low is None else floor_low
    deg = {e.id: sum(eligible(case, opts, a, e) for a in case.apps) for e in case.experts}
    floor = {e: min(low, deg[e], cap[e]) for e in cap}
    per_app = []
    for app in case.apps:
        pool = [e for e in case.experts if eligible(case, opts, app, e)]
        panels = []
        for combo in itertools.combinations(pool, opts.k):
            ids = {e.id for e in combo}
            if any(p[0] == app.id and p[1] not in ids for p in opts.pins):
                continue
            if opts.org_diverse and len({e.org for e in combo}) < len(combo):
                continue
            panels.append(([(app.id, e.id) for e in combo], sum(score_int(case, app, e) for e in combo)))
        per_app.append(panels)
    for choice in itertools.product(*per_app):
        loads = {e: 0 for e in cap}
        for pairs, _ in choice:
            for _, e in pairs:
                loads[e] += 1
        if all(floor[e] <= loads[e] <= cap[e] for e in cap):
            yield (sum(s for _, s in choice), loads, [s for _, s in choice], [p for pairs, _ in choice for p in pairs])


def write_instance(folder: Path, case: Case) -> Path:
    """The case as a CSV instance folder of design.md."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "applications.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "field", "lead_org", "member_orgs", "city"])
        for a in case.apps:
            w.writerow([a.id, f"项目{a.id}", a.field, a.lead_org, ";".join(a.member_orgs), a.city])
    with open(folder / "experts.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "org", "city", "fields", "max_load"])
        for e in case.experts:
            w.writerow(
                [e.id, f"专家{e.id}", e.org, e.city, ";".join(e.fields), "" if e.max_load is None else e.max_load]
            )
    if case.affinity is not None:
        with open(folder / "affinity.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["app_id", "expert_id", "score"])
            w.writerows([a, e, s] for (a, e), s in case.affinity.items())
    if case.conflicts:
        with open(folder / "conflicts.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["app_id", "expert_id", "reason"])
            w.writerows([a, e, "合作关系"] for a, e in case.conflicts)
    return folder
