"""Benchmark: every solver mode and the independent exact reference, per preset, in the same run.

    python bench/assignment/run.py S M L [XL] [XL10] [--seed 2]

Each run is a fresh process (``python -m assignment solve``, reading the CSV files), timed by the wall
clock and by its CPU time (user + system: what a shared machine does not inflate as much), its peak memory
read from the kernel (ru_maxrss via wait4), the load average noted. Writes results/<preset>.csv, or
results/<preset>-seed<N>.csv for an instance generated with another seed than 1 (data/<preset>-seed<N>).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from generate import PRESETS, generate  # noqa: E402

MODES = {
    "optimal": ([], "plain"),
    "org-diverse": (["--org-diverse"], "org"),
    "avoid-same-city": (["--avoid-same-city"], "city"),
    "balance": (["--balance"], "balance"),
    "fair": (["--fair", "--time-limit", "60"], "plain"),
    "seeded (seed 1)": (["--seed", "1"], "plain"),
    "seeded (seed 2)": (["--seed", "2"], "plain"),
}
REFERENCE = {"plain": [], "org": ["--org-diverse"], "city": ["--avoid-same-city"]}


def measured(cmd: list[str]) -> tuple[dict, float, float, float]:
    """(parsed JSON stdout, wall seconds, peak MiB, CPU seconds) of one child process."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode()
    if proc.returncode not in (0, 2):
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()}")
    return json.loads(text), seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def label(name: str, seed: int) -> str:
    """The instance's folder and results name: the preset, and the seed when it is not 1."""
    return name if seed == 1 else f"{name}-seed{seed}"


def bench(name: str, seed: int = 1) -> list[dict]:
    preset = PRESETS[name]
    data = HERE / "data" / label(name, seed)
    if not (data / "params.txt").exists():
        import numpy as np
        generate(preset, data, np.random.default_rng(seed))
    rules = ["--k", str(preset.k), "--max-load", str(preset.max_load)]
    rows, references = [], {}
    for key, flags in REFERENCE.items():
        ref, sec, mib, cpu = measured([sys.executable, str(HERE / "reference.py"), str(data), *rules, *flags])
        references[key] = ref["optimum"]
        rows.append({"preset": label(name, seed), "run": f"reference ({key})", "seconds": round(sec, 2),
                     "cpu_seconds": round(cpu, 2), "peak_mib": round(mib), "objective": ref["optimum"] / 1e6,
                     "load": round(os.getloadavg()[0], 1)})
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    for mode, (flags, ref_key) in MODES.items():
        with tempfile.TemporaryDirectory() as tmp:
            summary, sec, mib, cpu = measured([sys.executable, "-m", "assignment", "solve", str(data), *rules,
                                               "--out", str(Path(tmp) / "a.csv"), *flags])
        if summary["status"] == "INFEASIBLE":
            rows.append({"preset": label(name, seed), "run": mode, "status": "INFEASIBLE", "seconds": round(sec, 2)})
            continue
        if ref_key == "balance":
            low, high = summary["load_bounds"]
            ref, *_ = measured([sys.executable, str(HERE / "reference.py"), str(data), *rules,
                                  "--bounds", str(low), str(high)])
            references["balance"] = ref["optimum"]
        reference = references[ref_key]
        rows.append({
            "preset": label(name, seed), "run": mode, "status": summary["status"], "seconds": round(sec, 2),
            "cpu_seconds": round(cpu, 2), "solve_seconds": summary["seconds"], "peak_mib": round(mib),
            "objective": summary["objective"],
            "reference": reference / 1e6, "pct_of_optimum": round(100 * summary["objective"] * 1e6 / reference, 3),
            "worst_panel": summary["worst_panel"], "load_min": summary["load_min"],
            "load_max": summary["load_max"], "load_spread": summary["load_spread"],
            "method": summary.get("method", ""), "worst_bound": summary.get("worst_bound", ""),
            "load": round(os.getloadavg()[0], 1),
        })
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("presets", nargs="+", choices=sorted(PRESETS))
    parser.add_argument("--seed", type=int, default=1, help="the generator's seed (1: the tuning instances)")
    args = parser.parse_args()
    (HERE / "results").mkdir(exist_ok=True)
    fields = ["preset", "run", "status", "seconds", "cpu_seconds", "solve_seconds", "peak_mib", "objective",
              "reference", "pct_of_optimum", "worst_panel", "load_min", "load_max", "load_spread", "method",
              "worst_bound", "load"]
    for name in args.presets:
        rows = bench(name, args.seed)
        with open(HERE / "results" / f"{label(name, args.seed)}.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
