"""Measure text affinity against field-only matching and a random draw within the field.

    python bench/affinity/generate.py labelled bench/affinity/data/labelled
    python bench/affinity/generate.py L bench/affinity/data/L
    PYTHONPATH=. python bench/affinity/run.py [--skip-timing]

Quality, on the labelled set: for each application every expert is ranked by the method's score (pairs
whose fields do not meet score 0 under every method: text never adds an expert); ties are broken at random,
averaged over 20 draws. precision@5 = share of the top five whose own sub-topic is the application's;
NDCG@10 with gains 2^grade − 1 (grade 2: the expert's sub-topic, 1: same field or the expert's second
sub-topic, 0: otherwise), against the ideal order of all experts.
Tuning vs held-out: within each sub-topic, applications at even positions are the tuning part and those at
odd positions the held-out part (300 + 300); the weights are chosen on the tuning part by NDCG@10 and
reported on the held-out part. Experts are shared (the pool is the pool).
Timing, on L and L-long (L with 3,000 more characters of 申请书 text per application): the command line in a
fresh process, wall time, CPU time (user + system: what an idle core would take) and peak resident memory
(ru_maxrss), with the load average of the machine when it ended (other work shares the two cores).

Writes results/quality.csv, results/grid.csv and results/timing.csv.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from assignment.affinity import Weights, text_affinity
from assignment.io import read_profiles

HERE = Path(__file__).resolve().parent
DRAWS = 20


def load(folder: Path):
    apps = read_profiles(folder / "applications.csv")
    experts = read_profiles(folder / "experts.csv", experts=True)
    with open(folder / "truth.csv", encoding="utf-8") as fh:
        truth = {row["id"]: row for row in csv.DictReader(fh)}
    grades = np.zeros((len(apps), len(experts)))
    for a, app in enumerate(apps):
        t = truth[app.id]
        for e, ex in enumerate(experts):
            x = truth[ex.id]
            grades[a, e] = 2 if x["topic"] == t["topic"] else (1 if x["field"] == t["field"]
                                                                or x["second_topic"] == t["topic"] else 0)
    position: dict[str, int] = {}
    part = np.zeros(len(apps), dtype=bool)  # True: held out
    for a, app in enumerate(apps):
        topic = truth[app.id]["topic"]
        part[a] = position.get(topic, 0) % 2 == 1
        position[topic] = position.get(topic, 0) + 1
    return apps, experts, grades, part


def score_matrix(apps, experts, weights: Weights) -> np.ndarray:
    result = text_affinity(apps, experts, weights)
    scores = np.zeros((len(apps), len(experts)))
    scores[result.pairs.app, result.pairs.expert] = result.pairs.score / 1e6
    return scores


def metrics(scores: np.ndarray, grades: np.ndarray, rows: np.ndarray, seed: int = 0) -> tuple[float, float]:
    """Mean precision@5 and NDCG@10 over ``rows``, ties broken at random (mean of DRAWS draws)."""
    rng = np.random.default_rng(seed)
    discount = 1 / np.log2(np.arange(2, 12))
    ideal = ((2 ** -np.sort(-grades[rows], axis=1)[:, :10]) - 1) @ discount
    p5, ndcg = [], []
    for _ in range(DRAWS):
        jittered = scores[rows] + rng.random(scores[rows].shape) * 1e-9
        order = np.argsort(-jittered, axis=1)[:, :10]
        g = np.take_along_axis(grades[rows], order, axis=1)
        p5.append((g[:, :5] == 2).mean())
        ndcg.append((((2**g - 1) @ discount) / ideal).mean())
    return float(np.mean(p5)), float(np.mean(ndcg))


def quality(folder: Path, out: Path) -> None:
    apps, experts, grades, held = load(folder)
    tuning, held_out = np.flatnonzero(~held), np.flatnonzero(held)
    field = score_matrix(apps, experts, Weights(field=1, text=0))
    grid = []
    for boost in (0.5, 1.0, 2.0, 3.0):
        for share in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
            s = score_matrix(apps, experts, Weights(field=round(1 - share, 2), text=share, keyword_boost=boost))
            grid.append((boost, share, *metrics(s, grades, tuning), *metrics(s, grades, held_out)))
            print(f"boost {boost} text share {share}: tuning p@5 {grid[-1][2]:.3f} ndcg@10 {grid[-1][3]:.3f}",
                  flush=True)
    with open(out / "grid.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["keyword_boost", "text_share", "tuning_p5", "tuning_ndcg10", "heldout_p5", "heldout_ndcg10"])
        w.writerows([[b, s, *(f"{v:.4f}" for v in rest)] for b, s, *rest in grid])
    # Best tuning NDCG@10, then precision@5; among equals the largest text share (the same order on the
    # tuning part, with more of the text's information in the affinity values).
    best = max(grid, key=lambda r: (round(r[3], 4), round(r[2], 4), r[1]))
    chosen = Weights(field=round(1 - best[1], 2), text=best[1], keyword_boost=best[0])
    methods = {
        "random within the field": (field > 0).astype(float),
        "field only (field overlap)": field,
        f"text only (w_field→0, boost {chosen.keyword_boost})":
            score_matrix(apps, experts, Weights(field=1e-6, text=1, keyword_boost=chosen.keyword_boost)),
        f"blend, chosen on tuning (w_field={chosen.field}, w_text={chosen.text}, boost {chosen.keyword_boost})":
            score_matrix(apps, experts, chosen),
        "blend, library defaults " + repr(Weights()): score_matrix(apps, experts, Weights()),
    }
    with open(out / "quality.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["method", "part", "applications", "precision_at_5", "ndcg_at_10"])
        for name, s in methods.items():
            for part, rows in (("tuning", tuning), ("held-out", held_out)):
                p5, ndcg = metrics(s, grades, rows)
                w.writerow([name, part, len(rows), f"{p5:.3f}", f"{ndcg:.3f}"])
                print(f"{name:90s} {part:9s} p@5 {p5:.3f} ndcg@10 {ndcg:.3f}", flush=True)


def timing(folders: list[Path], out: Path) -> None:
    rows = []
    runs = [(folder, extra) for folder in folders for extra in ([], ["--top", "100"])]
    for folder, extra in runs[:3]:  # L twice, L-long once (it takes minutes on a shared machine)
        if not folder.exists():
            continue
        target = Path("/tmp") / f"affinity-L-{os.getpid()}.csv"
        command = [sys.executable, "-m", "assignment", "affinity", str(folder / "applications.csv"),
                   str(folder / "experts.csv"), "--out", str(target), *extra]
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        summary = child.stdout.read().strip()
        child.stdout.close()
        size = target.stat().st_size if target.exists() else 0
        target.unlink(missing_ok=True)
        load = os.getloadavg()[0]
        rows.append([folder.name, " ".join(extra) or "(all qualified pairs)", f"{seconds:.1f}",
                     f"{usage.ru_utime + usage.ru_stime:.1f}", f"{usage.ru_maxrss / 1024:.0f}", f"{size / 2**20:.0f}",
                     f"{load:.1f}", os.waitstatus_to_exitcode(status), summary])
        print(rows[-1], flush=True)
    with open(out / "timing.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["preset", "options", "wall_seconds", "cpu_seconds", "peak_mib", "output_mib", "load_average",
                    "exit", "summary"])
        w.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--skip-timing", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    if not args.skip_quality:
        quality(args.data / "labelled", out)
    if not args.skip_timing:
        timing([args.data / "L", args.data / "L-long"], out)


if __name__ == "__main__":
    main()
