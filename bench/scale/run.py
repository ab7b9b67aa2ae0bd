"""National-volume benchmark of the app on PostgreSQL (issue 20): a round of N applications (~5 member rows
each) imported from the .xlsx template, a pool of 1.5 N experts, the formal check, the assignment (k = 5) as
the console runs it, publication, every sheet filled, aggregation, selection and approval, the ranking
exported as .xlsx and PDF; then every page of the centre's console and the expert's pages under that data.

Each step and each page runs in a fresh process of its own (bench/scale/steps.py); its wall time (the timed
part only), its peak resident memory (ru_maxrss of that process, from wait4) and the load average are
recorded. Results: bench/scale/results/<label>-<N>.json, and a Markdown table on standard output.

    PGPORT_TEST=54567 .ci/with-postgres .venv/bin/python bench/scale/run.py --applications 500 --label after
    .venv/bin/python bench/scale/run.py --database-url postgresql://postgres@127.0.0.1:54567/postgres

The database named by --database-url (or $DATABASE_URL) is the server's maintenance database: a database
`scale_<label>_<N>` is created in it (dropped first when it exists). --pages-only measures the pages again
on the data a previous run left (its work folder keeps state.json); --keep leaves the database in place.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

STEPS = ("setup", "import_experts", "import_applications", "pledges", "check", "to_assignment", "feasibility",
         "assign", "publish", "fill", "close", "aggregate", "select", "export_xlsx", "export_pdf")
# step → (target in seconds, what the issue calls it); steps without a target are setup or someone else's.
TARGETS = {
    "import_applications": (120, "import < 2 min"),
    "check": (60, "formal check < 1 min"),
    "assign": (90, "assignment job to preview < 90 s"),
    "publish": (60, "publication < 1 min"),
    "aggregate": (60, "aggregation < 1 min"),
    "export_xlsx": (60, ".xlsx export < 1 min"),
    "export_pdf": (60, "PDF export < 1 min"),
}
PAGE_TARGET = 1.0
MEMORY_TARGET_MIB = 1024


class Popen(subprocess.Popen):
    """A Popen whose wait leaves the child's rusage: communicate() reaps it with wait4 and keeps it."""

    def _try_wait(self, wait_flags):
        try:
            pid, status, usage = os.wait4(self.pid, wait_flags)
        except ChildProcessError:
            return self.pid, 0
        if pid:
            self.rusage = usage
        return pid, status


def run_in_process(name: str, state: dict, folder: Path) -> dict:
    """Run one step (or one page) in a fresh Python process; its answer, peak memory and load average."""
    path = folder / f"state-{name.replace(' ', '_')}.json"
    path.write_text(json.dumps(state, ensure_ascii=False), "utf-8")
    load = os.getloadavg()[0]
    started = time.perf_counter()
    kind = "page" if "page" in state else "step"
    process = Popen([sys.executable, str(HERE / "steps.py"), "page" if kind == "page" else name, str(path)],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    out, err = process.communicate()
    usage = getattr(process, "rusage", None)
    wall = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"{name} failed:\n{err.decode()[-4000:]}")
    answer = json.loads(out.decode().strip().splitlines()[-1])
    answer.update(process_seconds=round(wall, 2), load_before=round(load, 2), load_after=round(os.getloadavg()[0], 2))
    if usage is not None:
        answer["peak_mib"] = round(usage.ru_maxrss / 1024)
    return answer


def fresh_database(maintenance_url: str, name: str) -> str:
    from review_app.db import normalise_url

    engine = sa.create_engine(normalise_url(maintenance_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return sa.engine.make_url(normalise_url(maintenance_url)).set(database=name).render_as_string(hide_password=False)


def table(results: dict) -> str:
    lines = ["| step | seconds | CPU s | target | met | peak MiB | load |", "|---|---|---|---|---|---|---|"]
    for name, found in results["steps"].items():
        target = TARGETS.get(name)
        met = "" if target is None else ("yes" if found["seconds"] < target[0] else "**no**")
        lines.append(f"| {name} | {found['seconds']:.1f} | {found.get('cpu_seconds', 0):.1f} | "
                     f"{target[1] if target else ''} | {met} | "
                     f"{found.get('peak_mib', '')} | {found['load_before']} |")
    lines += ["", "| page | p50 ms | p95 ms | CPU p95 ms | met (< 1 s) | requests | KB | peak MiB | load |",
              "|---|---|---|---|---|---|---|---|---|"]
    for name, found in results["pages"].items():
        lines.append(f"| {name} | {found['p50'] * 1000:.0f} | {found['p95'] * 1000:.0f} | "
                     f"{found.get('cpu_p95', 0) * 1000:.0f} | "
                     f"{'yes' if found['p95'] < PAGE_TARGET else '**no**'} | {found['requests']} | "
                     f"{found['bytes'] / 1024:.0f} | {found.get('peak_mib', '')} | {found['load_before']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--experts", type=int, help="default 1.5 × applications")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--label", default="after", help="before | after: names the result file")
    parser.add_argument("--repeats", type=int, default=20, help="requests per page (after one warm-up)")
    parser.add_argument("--budget", type=float, default=60, help="seconds per page at most (3 requests at least)")
    parser.add_argument("--workdir", type=Path, help="default /tmp/bench-scale-<label>-<N>")
    parser.add_argument("--pages-only", action="store_true", help="measure the pages on a previous run's data")
    parser.add_argument("--pages", nargs="*", help="only these pages (names as in pages.PAGES)")
    parser.add_argument("--steps", nargs="*", help="only these steps (continuing a previous run's state)")
    parser.add_argument("--no-write", action="store_true", help="print only; keep results/ as it is")
    args = parser.parse_args()
    if not args.database_url or not args.database_url.startswith("postgresql"):
        raise SystemExit("a PostgreSQL --database-url (or DATABASE_URL) is needed: see the docstring")
    n = args.applications
    folder = args.workdir or Path(f"/tmp/bench-scale-{args.label}-{n}")
    folder.mkdir(parents=True, exist_ok=True)
    state_file = folder / "state.json"
    results_file = folder / "results.json"
    from pages import PAGES

    if args.pages_only or args.steps:
        state = json.loads(state_file.read_text("utf-8"))
        results = json.loads(results_file.read_text("utf-8"))
        steps = args.steps or ()
    else:
        from generate import generate

        from review_app.config import Defaults

        started = time.perf_counter()
        # The import's row limit per sheet: 5,000 before issue 20 (`importer.MAX_ROWS`), IMPORT_MAX_ROWS since.
        max_rows = getattr(Defaults, "IMPORT_MAX_ROWS", 5000)
        workbooks = generate(folder / "workbooks", applications=n, experts=args.experts or n * 3 // 2,
                             max_rows=max_rows)
        state = {
            "database_url": fresh_database(args.database_url, f"scale_{args.label}_{n}"),
            "uploads": str(folder / "uploads"), "instance": str(folder / "instance"), "out": str(folder / "out"),
            "workbooks": workbooks, "applications": n, "experts": args.experts or n * 3 // 2,
        }
        Path(state["out"]).mkdir(exist_ok=True)
        results = {"applications": n, "experts": state["experts"], "label": args.label,
                   "import_row_limit": max_rows, "workbooks": len(workbooks["applications"]),
                   "generate_seconds": round(time.perf_counter() - started, 1), "cpus": os.cpu_count(),
                   "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "steps": {}, "pages": {}}
        steps = STEPS
    for name in steps:
        found = run_in_process(name, state, folder)
        print(f"{name}: {found['seconds']:.1f} s, {found.get('peak_mib')} MiB, load {found['load_before']}",
              file=sys.stderr, flush=True)
        state.update({k: v for k, v in found.items() if k.endswith("_id") or k == "run_id"})
        results["steps"][name] = found
        state_file.write_text(json.dumps(state, ensure_ascii=False), "utf-8")
        results_file.write_text(json.dumps(results, ensure_ascii=False, indent=1), "utf-8")
    if not args.steps or args.pages_only:
        for name in args.pages or PAGES:
            found = run_in_process(name, {**state, "page": name, "repeats": args.repeats, "budget": args.budget},
                                   folder)
            print(f"{name}: p95 {found['p95'] * 1000:.0f} ms, {found['bytes'] // 1024} KB, {found.get('peak_mib')} MiB",
                  file=sys.stderr, flush=True)
            results["pages"][name] = found
            results_file.write_text(json.dumps(results, ensure_ascii=False, indent=1), "utf-8")
    results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    results_file.write_text(json.dumps(results, ensure_ascii=False, indent=1), "utf-8")
    if not args.no_write:
        target = HERE / "results" / f"{args.label}-{n}.json"
        target.parent.mkdir(exist_ok=True)
        target.write_text(json.dumps(results, ensure_ascii=False, indent=1), "utf-8")
    print(table(results))


if __name__ == "__main__":
    main()
