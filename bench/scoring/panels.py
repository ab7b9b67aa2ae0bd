"""Panels against today's random assignment (issue 18): top-20 % precision and rank-interval width.

Panel mode: the applications of a field form groups of at most ``g`` (a field with n applications is split
into ceil(n / g) groups of near-equal size), each group gets a panel of k experts of its field (each expert
sits on one panel; a field short of experts borrows from the others), and every member scores every
application of the group. Random: the simulation's assignment (``simulate._assign``, k experts per
application from its field, activity-weighted, load cap). Same k, same truth per seed: only who scores what
differs (the true qualities and leniencies are drawn before the assignment, from the same generator).

Protocol: the group size g is chosen on the tuning seeds 100-109 (best mean precision of the calibrated
method); every figure reported is from seeds 0-29, run once with that g.

    PYTHONPATH=. .venv/bin/python bench/scoring/panels.py            # tune, then report; writes results/panels.csv
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import simulate as sim  # noqa: E402
from run import LEVEL, metrics, table_of  # noqa: E402

from scoring import rank_scores  # noqa: E402
from scoring.data import Reviews  # noqa: E402
from scoring.linkage import linkage  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
SCENARIOS = ("realistic", "fields")
GROUP_SIZES = (3, 5, 8, 13)
METHODS = ("calibrated", "mean", "trimmed")
TUNING, REPORT = range(100, 110), range(0, 30)


def _panel_assign(sc: sim.Scenario, rng: np.random.Generator, group_apps: int):
    """Panels: (apps, experts, app_field) of one review per (member, application of the group)."""
    app_field = rng.integers(sc.n_fields, size=sc.n_apps)
    expert_field = np.arange(sc.n_experts) % sc.n_fields
    activity = rng.lognormal(0.0, sc.activity_sd, size=sc.n_experts)
    free = np.ones(sc.n_experts, dtype=bool)
    apps, experts = [], []
    for field in range(sc.n_fields):
        members = np.flatnonzero(app_field == field)
        if not len(members):
            continue
        for group in np.array_split(rng.permutation(members), math.ceil(len(members) / group_apps)):
            panel = []
            for _ in range(sc.k):
                own = free & (expert_field == field)
                elig = own if own.any() else free
                p = activity * elig
                j = int(rng.choice(sc.n_experts, p=p / p.sum()))
                free[j] = False
                panel.append(j)
            for i in group:
                apps += [int(i)] * len(panel)
                experts += panel
    return np.array(apps), np.array(experts), app_field


def simulate_panels(sc: sim.Scenario, seed: int, group_apps: int) -> sim.Round:
    """``simulate.simulate`` with the panel assignment in place of the random one."""
    return sim.simulate(sc, seed, assign=lambda scenario, rng: _panel_assign(scenario, rng, group_apps))


def run_one(job) -> list[dict]:
    scenario, seed, design = job
    sc = sim.SCENARIOS[scenario]
    rd = sim.simulate(sc, seed) if design == "random" else simulate_panels(sc, seed, int(design[6:]))
    table = table_of(rd)
    link = linkage(Reviews.of(table))
    load = np.bincount(rd.expert)
    rows = []
    for method in METHODS:
        r = rank_scores(table, method, seed=seed, level=LEVEL)
        m = metrics(r.score, r.ci_low, r.ci_high, rd.quality)
        m.update(scenario=scenario, seed=seed, design=design, method=method, n_parts=link.n_parts,
                 experts_used=int((load > 0).sum()), single=float(np.mean(load[load > 0] == 1)))
        rows.append(m)
    return rows


def _mean(rows, key):
    values = np.array([r[key] for r in rows])
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else 0.0


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--jobs", type=int, default=2)
    args = p.parse_args(argv)
    with Pool(args.jobs) as pool:
        tuning = [r for rows in pool.map(run_one, [(s, seed, f"panels{g}") for s in SCENARIOS for seed in TUNING
                                                   for g in GROUP_SIZES]) for r in rows]
        best = {}
        for s in SCENARIOS:
            scores = {g: _mean([r for r in tuning if r["scenario"] == s and r["design"] == f"panels{g}"
                                and r["method"] == "calibrated"], "precision")[0] for g in GROUP_SIZES}
            best[s] = max(GROUP_SIZES, key=lambda g: (scores[g], -g))
            print(f"tuning {s}: precision by group size {scores} -> g = {best[s]}")
        report = [r for rows in pool.map(run_one, [(s, seed, d) for s in SCENARIOS for seed in REPORT
                                                   for d in ("random", f"panels{best[s]}")]) for r in rows]
    RESULTS.mkdir(exist_ok=True)
    columns = ["scenario", "design", "method", "seed", "precision", "tau", "coverage", "width", "n_parts",
               "experts_used", "single"]
    with open(RESULTS / "panels.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(tuning + report)
    print("| scenario | design | method | precision | interval width | coverage | experts used | parts |")
    print("|---|---|---|---|---|---|---|---|")
    for s in SCENARIOS:
        for d in ("random", f"panels{best[s]}"):
            for method in METHODS:
                rows = [r for r in report if r["scenario"] == s and r["design"] == d and r["method"] == method]
                (pr, pr_se), (w, w_se) = _mean(rows, "precision"), _mean(rows, "width")
                print(f"| {s} | {d} | {method} | {pr:.3f} ± {pr_se:.3f} | {w:.3f} ± {w_se:.3f} | "
                      f"{_mean(rows, 'coverage')[0]:.3f} | {_mean(rows, 'experts_used')[0]:.0f} | "
                      f"{_mean(rows, 'n_parts')[0]:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
