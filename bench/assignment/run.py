"""Benchmark: every solver mode and the independent exact reference, per preset, in the same run.

    python bench/assignment/run.py S M L [XL]

Each run is a fresh process (``python -m assignment solve``, reading the CSV files), timed by the wall
clock, its peak memory read from the kernel (ru_maxrss via wait4). Writes results/<preset>.csv.
"""

from __future__ import annotations

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


def measured(cmd: list[str]) -> tuple[dict, float, float]:
    """(parsed JSON stdout, wall seconds, peak MiB) of one child process."""
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
    return json.loads(text), seconds, usage.ru_maxrss / 1024


def bench(name: str) -> list[dict]:
    preset = PRESETS[name]
    data = HERE / "data" / name
    if not (data / "params.txt").exists():
        import numpy as np
        generate(preset, data, np.random.default_rng(1))
    rules = ["--k", str(preset.k), "--max-load", str(preset.max_load)]
    rows, references = [], {}
    for key, flags in REFERENCE.items():
        ref, sec, mib = measured([sys.executable, str(HERE / "reference.py"), str(data), *rules, *flags])
        references[key] = ref["optimum"]
        rows.append({"preset": name, "run": f"reference ({key})", "seconds": round(sec, 2),
                     "peak_mib": round(mib), "objective": ref["optimum"] / 1e6})
    for mode, (flags, ref_key) in MODES.items():
        with tempfile.TemporaryDirectory() as tmp:
            summary, sec, mib = measured([sys.executable, "-m", "assignment", "solve", str(data), *rules,
                                          "--out", str(Path(tmp) / "a.csv"), *flags])
        if summary["status"] == "INFEASIBLE":
            rows.append({"preset": name, "run": mode, "status": "INFEASIBLE", "seconds": round(sec, 2)})
            continue
        if ref_key == "balance":
            low, high = summary["load_bounds"]
            ref, _, _ = measured([sys.executable, str(HERE / "reference.py"), str(data), *rules,
                                  "--bounds", str(low), str(high)])
            references["balance"] = ref["optimum"]
        reference = references[ref_key]
        rows.append({
            "preset": name, "run": mode, "status": summary["status"], "seconds": round(sec, 2),
            "solve_seconds": summary["seconds"], "peak_mib": round(mib), "objective": summary["objective"],
            "reference": reference / 1e6, "pct_of_optimum": round(100 * summary["objective"] * 1e6 / reference, 3),
            "worst_panel": summary["worst_panel"], "load_min": summary["load_min"],
            "load_max": summary["load_max"], "load_spread": summary["load_spread"],
            "method": summary.get("method", ""), "worst_bound": summary.get("worst_bound", ""),
        })
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    return rows


def main() -> None:
    (HERE / "results").mkdir(exist_ok=True)
    fields = ["preset", "run", "status", "seconds", "solve_seconds", "peak_mib", "objective", "reference",
              "pct_of_optimum", "worst_panel", "load_min", "load_max", "load_spread", "method", "worst_bound"]
    for name in sys.argv[1:]:
        rows = bench(name)
        with open(HERE / "results" / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
