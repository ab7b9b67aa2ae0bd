"""Print the markdown tables of README.md from results/*.csv.

PYTHONPATH=. .venv/bin/python bench/scoring/report.py
"""

from __future__ import annotations

import csv
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ORDER = ["mean", "trimmed", "median", "zscore", "ls", "bias", "calibrated_flat", "calibrated", "affine", "oracle"]
FIELDS = ("fields", "fields_split", "fields_heavy")


def read(name: str) -> list[dict]:
    path = RESULTS / name
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def pts(v: str, se: str | None = None, scale: float = 100.0) -> str:
    if v in ("", "nan"):
        return "–"
    s = f"{float(v) * scale:+.1f}" if se is not None else f"{float(v) * scale:.1f}"
    if se not in (None, "", "nan"):
        s += f" ± {float(se) * scale:.1f}"
    return s


def main() -> None:
    summary = read("summary.csv")
    print(
        "\n| scenario | groups found (parts) | coverage before | coverage after | width before | width after "
        "| precision before | precision after |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for scen in ("realistic", "careless", "heavy", "large", "realistic_k7", *FIELDS):
        rows = {r["method"]: r for r in summary if r["scenario"] == scen}
        if "calibrated" not in rows or "calibrated_flat" not in rows:
            continue
        a, b = rows["calibrated_flat"], rows["calibrated"]
        found = f"{float(b['n_groups']):.1f} ({float(b['n_parts']):.1f})" if b.get("n_groups") else "–"
        print(
            f"| {scen} | {found} | {pts(a['coverage'])} % | {pts(b['coverage'])} % | {float(a['width']):.3f} "
            f"| {float(b['width']):.3f} | {pts(a['precision'])} | {pts(b['precision'])} |"
        )
    for scen in ("realistic", "careless", "heavy", "large", "realistic_k7", *FIELDS):
        rows = {r["method"]: r for r in summary if r["scenario"] == scen}
        if not rows:
            continue
        n = next(iter(rows.values()))["n_seeds"]
        print(f"\n#### {scen} ({n} seeds)\n")
        print(
            "| method | Kendall tau | top-20 % precision | vs trimmed | vs mean | vs calibrated "
            "| coverage of 90 % rank CI | mean CI width / n |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for m in ORDER:
            if m not in rows:
                continue
            r = rows[m]
            print(
                f"| {m} | {float(r['tau']):.3f} | {pts(r['precision'])} "
                f"| {pts(r['dprec_vs_trimmed'], r['dprec_vs_trimmed_se'])} "
                f"| {pts(r['dprec_vs_mean'], r['dprec_vs_mean_se'])} "
                f"| {pts(r['dprec_vs_calibrated'], r['dprec_vs_calibrated_se'])} "
                f"| {pts(r['coverage'])} % | {float(r['width']):.3f} |"
            )
    load = read("load.csv")
    if load:
        loads = sorted({int(r["load"]) for r in load})
        methods = [m for m in ORDER if any(r["method"] == m for r in load)]
        print("\n| apps per expert | " + " | ".join(methods) + " | calibrated vs trimmed |")
        print("|---" * (len(methods) + 2) + "|")
        for ld in loads:
            rs = {r["method"]: r for r in load if int(r["load"]) == ld}
            cells = [pts(rs[m]["precision"]) for m in methods]
            c = rs.get("calibrated")
            print(f"| {ld} | " + " | ".join(cells) + f" | {pts(c['dprec_vs_trimmed'], c['dprec_vs_trimmed_se'])} |")
    flags = read("flags.csv")
    if flags:
        print("\n| scenario | rule | corrupted apps | recall | flag rate |")
        print("|---|---|---|---|---|")
        for r in flags:
            if r["scenario"] != "careless" and not r["rule"].startswith("flag column"):
                continue
            print(
                f"| {r['scenario']} | {r['rule']} | {r['corrupted_apps']} | {pts(r['recall'])} % "
                f"| {pts(r['flag_rate'])} % |"
            )
    timing = read("timing.csv")
    if timing:
        print("\n| method | apps | experts | reviews | draws | seconds | precision | coverage | width / n |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in timing:
            prec = pts(r["precision"]) if r["precision"] else "–"
            cov = pts(r["coverage"]) if r["coverage"] else "–"
            wid = f"{float(r['width']):.3f}" if r["width"] else "–"
            print(
                f"| {r['method']} | {r['n_apps']} | {r['n_experts']} | {r['n_reviews']} | {r['n_draws']} "
                f"| {float(r['seconds_rank']):.2f} | {prec} | {cov} | {wid} |"
            )


if __name__ == "__main__":
    main()
