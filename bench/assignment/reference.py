"""An independent exact reference: the rules re-read from design.md, the flow built arc by arc.

    python bench/assignment/reference.py DIR --k 5 --max-load 8 [--org-diverse] [--avoid-same-city]
                                         [--bounds LOW HIGH]

Shares no code with ``assignment/``: csv.DictReader, Python sets for conflicts, one SimpleMinCostFlow
arc per call with negative costs, a middle node for every (application, org) under org diversity.
Prints {"optimum": total affinity × 10^6, "seconds": ...}. ``--bounds`` applies a load window as the
library defines it (each expert's floor is min(LOW, their candidate count, their cap)).
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

from ortools.graph.python import min_cost_flow


def _rows(path: Path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        yield from csv.DictReader(fh)


def optimum(folder: Path, k: int, max_load: int, org_diverse: bool, avoid_same_city: bool,
            bounds: tuple[int, int] | None) -> int:
    apps = list(_rows(folder / "applications.csv"))
    experts = list(_rows(folder / "experts.csv"))
    cap = {e["id"]: int(e["max_load"]) if e["max_load"] else max_load for e in experts}
    if bounds is not None:
        cap = {e: min(c, bounds[1]) for e, c in cap.items()}
    declared = set()
    if (folder / "conflicts.csv").exists():
        declared = {(r["app_id"], r["expert_id"]) for r in _rows(folder / "conflicts.csv")}
    expert_by_id = {e["id"]: e for e in experts}
    if (folder / "affinity.csv").exists():
        scored = ((r["app_id"], r["expert_id"], round(float(r["score"]) * 1_000_000))
                  for r in _rows(folder / "affinity.csv"))
    else:  # field overlap: position i in the app's list, j in the expert's, 1 - 0.2 (i + j), floor 0.2
        holders: dict[str, list[tuple[str, int]]] = {}
        for e in experts:
            for j, f in enumerate(x.strip() for x in e["fields"].split(";") if x.strip()):
                holders.setdefault(f, []).append((e["id"], j))

        def overlap():
            for a in apps:
                best: dict[str, int] = {}
                for i, f in enumerate(x.strip() for x in a["field"].split(";") if x.strip()):
                    for e, j in holders.get(f, []):
                        best[e] = max(best.get(e, 0), max(1_000_000 - 200_000 * (i + j), 200_000))
                yield from ((a["id"], e, s) for e, s in best.items())
        scored = overlap()
    app_by_id = {a["id"]: a for a in apps}
    arcs = []
    for a_id, e_id, s in scored:
        a, e = app_by_id[a_id], expert_by_id[e_id]
        orgs = {a["lead_org"], *(o for o in a["member_orgs"].split(";") if o)}
        if s <= 0 or e["org"] in orgs or (a_id, e_id) in declared:
            continue
        if avoid_same_city and a["city"] and a["city"] == e["city"]:
            continue
        arcs.append((a_id, e_id, s))
    node: dict = {}

    def n(key):
        return node.setdefault(key, len(node))

    smcf = min_cost_flow.SimpleMinCostFlow()
    sink = n("sink")
    for a_id, e_id, s in arcs:
        tail = n(("app", a_id))
        if org_diverse:
            middle = n(("org", a_id, expert_by_id[e_id]["org"]))
            tail = middle
        smcf.add_arc_with_capacity_and_unit_cost(tail, n(("expert", e_id)), 1, -s)
    if org_diverse:
        for key in [key for key in node if key[0] == "org"]:
            smcf.add_arc_with_capacity_and_unit_cost(n(("app", key[1])), n(key), 1, 0)
    degree: dict[str, int] = {}
    for _, e_id, _ in arcs:
        degree[e_id] = degree.get(e_id, 0) + 1
    total_floor = 0
    for e_id, d in degree.items():
        floor = min(bounds[0], d, cap[e_id]) if bounds is not None else 0
        total_floor += floor
        smcf.add_arc_with_capacity_and_unit_cost(n(("expert", e_id)), sink, cap[e_id] - floor, 0)
        smcf.set_node_supply(n(("expert", e_id)), -floor)
    for a in apps:
        smcf.set_node_supply(n(("app", a["id"])), k)
    smcf.set_node_supply(sink, -(k * len(apps) - total_floor))
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise SystemExit(f"reference: no optimum (status {status})")
    return -smcf.optimal_cost()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--k", type=int, required=True)
    parser.add_argument("--max-load", type=int, required=True)
    parser.add_argument("--org-diverse", action="store_true")
    parser.add_argument("--avoid-same-city", action="store_true")
    parser.add_argument("--bounds", type=int, nargs=2)
    args = parser.parse_args()
    start = time.perf_counter()
    value = optimum(args.dir, args.k, args.max_load, args.org_diverse, args.avoid_same_city,
                    tuple(args.bounds) if args.bounds else None)
    print(json.dumps({"optimum": value, "seconds": round(time.perf_counter() - start, 3)}))


if __name__ == "__main__":
    main()
