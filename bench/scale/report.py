"""The README's table: every target of issue 20 with its figure before and after, from two result files.

    .venv/bin/python bench/scale/report.py bench/scale/results/before-10000.json bench/scale/results/after-10000.json

A figure is wall seconds (CPU seconds of the worker process, load average when it started); a page is its
server time p95 over the repeated requests (and its size); memory is the peak resident size of the process.
A step or page missing from a file is "—" (the before run was stopped where the old code took too long).
"""

import json
import sys
from pathlib import Path

from run import PAGE_TARGET, TARGETS

MEMORY_TARGET_MIB = 1024


def _step(found: dict | None) -> str:
    if not found:
        return "—"
    cpu = found.get("cpu_seconds")
    return (f"{found['seconds']:.1f} s" + (f" ({cpu:.1f} CPU-s" if cpu is not None else " (CPU not recorded") +
            f", load {found['load_before']:.0f}), {found.get('peak_mib', '?')} MiB")


def _page(found: dict | None) -> str:
    if not found:
        return "—"
    return (f"{found['p95'] * 1000:,.0f} ms ({found.get('cpu_p95', 0) * 1000:,.0f} CPU-ms, "
            f"load {found['load_before']:.0f}), {found['bytes'] / 1024:,.0f} KB")


def table(before: dict, after: dict) -> str:
    lines = ["| target | before | after | met |", "|---|---|---|---|"]
    for name, (limit, label) in TARGETS.items():
        found = after["steps"].get(name)
        met = "—" if not found else ("yes" if found["seconds"] < limit else
                                     f"no ({found.get('cpu_seconds', 0):.0f} CPU-s)")
        lines.append(f"| {label} | {_step(before['steps'].get(name))} | {_step(found)} | {met} |")
    for name in after["pages"]:
        found = after["pages"][name]
        met = "yes" if found["p95"] < PAGE_TARGET else "no"
        lines.append(f"| page: {name} < 1 s p95 | {_page(before['pages'].get(name))} | {_page(found)} | {met} |")
    peaks = [(f.get("peak_mib", 0), n) for part in ("steps", "pages") for n, f in after[part].items()]
    worst, where = max(peaks)
    before_peaks = [(f.get("peak_mib", 0), n) for part in ("steps", "pages") for n, f in before[part].items()]
    b_worst, b_where = max(before_peaks) if before_peaks else (0, "—")
    lines.append(f"| a worker < 1 GiB (largest process) | {b_worst} MiB ({b_where}) | {worst} MiB ({where}) | "
                 f"{'yes' if worst < MEMORY_TARGET_MIB else 'no'} |")
    return "\n".join(lines)


if __name__ == "__main__":
    before, after = (json.loads(Path(p).read_text("utf-8")) for p in sys.argv[1:3])
    print(table(before, after))
