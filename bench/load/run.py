"""Load benchmark: the expert flow against gunicorn on 127.0.0.1, beside a minimal route of the same server.

For each concurrency level (default 50 and 200 users), on a fresh copy of the demo database served by
gunicorn:

- ceiling: GET /healthz (one SELECT 1, no session) driven by that many client threads without pauses,
  for a fixed number of requests: the most this server answers per second;
- saturated flow: the same number of users replay the expert flow without pauses, each taking the next
  of the 300 demo experts until all have gone through it once; its throughput against the ceiling's is
  the share the target speaks of;
- paced flow (a second fresh copy): the same users, arriving at a spawn rate and pausing a think time
  before each step, as a load tool's virtual users do. Without pauses, latency is only the queue
  (Little's law: 200 users / X requests per second), so latency targets are judged on this run.

    login (GET the page, POST the password) → open the sheet → save a complete draft → submit

Reported per level: requests, errors, throughput (requests/s), p50/p95/p99 latency in ms, overall and
per step; written to bench/load/results/<database>-<level>.json and printed as a Markdown table.

    PYTHONPATH=. .venv/bin/python bench/load/run.py            # 50 and 200 users, SQLite
    PYTHONPATH=. .venv/bin/python bench/load/run.py 50 --database-url postgresql://...   # an empty database

Bounded: every user is a thread with a 60 s timeout per request, each flow covers 300 experts once, and
the ceiling sends a fixed number of requests; a level takes a minute or two.
"""

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.live_server import Server  # noqa: E402  (the same gunicorn wrapper as the tests)

RESULTS = Path(__file__).parent / "results"
LOCUSTFILE = Path(__file__).parent / "locustfile.py"
LOCUST = Path(sys.executable).parent / "locust"
MAX_SECONDS = 600  # a bound on one flow run; runs end when every expert has been through the flow
COMMENT = "该联合体牵头单位实力雄厚，攻关任务明确，技术路线可行，共建协议完备，建议予以支持。"


def prepare_database(folder: Path, database_url: str | None) -> str:
    """The demo round, with one open sheet per expert (pledged, no conflict declared)."""
    from review_app import create_app, demo
    from review_app.db import get_session, upgrade
    from review_app.services.platform.storage import store_for
    from tests.test_review_app.test_concurrency import open_sheet_per_expert

    url = database_url or f"sqlite:///{folder / 'template.db'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"}, instance_path=str(folder / "seed-instance"))
    upgrade(app.extensions["db_engine"])
    with app.app_context():
        session = get_session()
        demo.seed(session, store_for(app.config))
        open_sheet_per_expert(session)
    engine = app.extensions["db_engine"]
    if url.startswith("sqlite"):
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return url


def copy_database(template: str, folder: Path, label: str) -> str:
    if template.startswith("sqlite"):
        target = folder / f"{label}.db"
        shutil.copyfile(sa.engine.make_url(template).database, target)
        return f"sqlite:///{target}"
    # PostgreSQL: a database per run, cloned from the prepared one.
    from review_app.db import normalise_url

    parsed = sa.engine.make_url(normalise_url(template))
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"{parsed.database}_{label}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def sheets_and_points(url: str) -> tuple[dict[str, int], dict[str, str]]:
    from review_app.db import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT u.username, s.id FROM users u JOIN score_sheets s ON s.expert_id = u.expert_id "
                "WHERE u.role = 'expert' AND s.status != 'submitted' ORDER BY u.username, s.id"
            )
        ).all()
        criteria = connection.execute(
            sa.text("SELECT id, max_points FROM criteria WHERE round_id = (SELECT MIN(round_id) FROM score_sheets)")
        ).all()
    engine.dispose()
    chosen: dict[str, int] = {}
    for username, sheet_id in rows:
        chosen.setdefault(username, sheet_id)
    return chosen, {f"points_{cid}": str(maximum - 1) for cid, maximum in criteria}


def locust(base: str, user_class: str, users: int, spawn_rate: float, seconds: int, env: dict, out: Path) -> dict:
    """Run locust headless against `base` and read its final statistics (its JSON report): requests,
    errors, throughput and p50/p95/p99, overall and per step."""
    subprocess.run(
        [str(LOCUST), "-f", str(LOCUSTFILE), "--headless", "--host", base, "--users", str(users)]
        + ["--spawn-rate", str(spawn_rate), "--run-time", f"{seconds}s", "--stop-timeout", "10"]
        + ["--json-file", str(out), "--csv", str(out), "--skip-log", user_class],
        env={**os.environ, **env},
        check=False,  # locust exits 1 when a request failed; the failures are in the figures
        stdout=subprocess.DEVNULL,
    )
    entries = json.loads(Path(f"{out}.json").read_text())  # locust adds the suffix
    report = figures(entries)
    report["steps"] = {entry["name"]: figures([entry]) for entry in entries}
    with open(f"{out}_failures.csv", encoding="utf-8") as failures:
        report["failures"] = [
            {"step": row["Name"], "error": row["Error"], "times": int(row["Occurrences"])}
            for row in csv.DictReader(failures)
        ]
    return report


def figures(entries: list[dict]) -> dict:
    """Totals and percentiles of locust's entries; its histograms keep 2 significant digits of each time."""
    histogram: Counter = Counter()
    for entry in entries:
        histogram.update({int(ms): n for ms, n in entry["response_times"].items()})
    requests = sum(e["num_requests"] for e in entries)
    wall = max(e["last_request_timestamp"] for e in entries) - min(e["start_time"] for e in entries)

    def percentile(p: float) -> int:
        seen = 0
        for ms in sorted(histogram):
            seen += histogram[ms]
            if seen >= p / 100 * requests:
                return ms
        return 0

    return {
        "requests": requests,
        "errors": sum(e["num_failures"] for e in entries),
        "throughput_rps": round(requests / wall, 1) if wall > 0 else 0.0,
        "p50_ms": percentile(50),
        "p95_ms": percentile(95),
        "p99_ms": percentile(99),
        "mean_ms": round(sum(e["total_response_time"] for e in entries) / requests, 1) if requests else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("levels", nargs="*", type=int, default=[50, 200])
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite in a temp folder)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--ceiling-seconds", type=int, default=15)
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        action="append",
        metavar=("MIN", "MAX"),
        help="think time of a paced run, seconds (repeatable; default: 1 3 and 5 15)",
    )
    parser.add_argument("--arrivals", type=float, default=20.0, help="users arriving per second (paced runs)")
    args = parser.parse_args()
    thinks = args.think or [(1.0, 3.0), (5.0, 15.0)]

    from review_app.demo import DEMO_PASSWORD

    # Browsers keep connections open between clicks; gunicorn's default of 2 s would close them during
    # the think time and a request sent on a closing connection fails (behind nginx, nginx holds them).
    os.environ["GUNICORN_CMD_ARGS"] = f"--keep-alive {int(max(t[1] for t in thinks)) + 5}"
    RESULTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="review-load-") as work:
        work = Path(work)
        print("preparing the demo database …", flush=True)
        template = prepare_database(work, args.database_url)
        for level in args.levels:
            result = {"users": level, "gunicorn": {"workers": args.workers, "threads": args.threads}, "paced": []}
            # Every flow run submits its sheets, so each gets a fresh copy of the database and its own server.
            for think in [None, *thinks]:
                label = f"{level}_saturated" if think is None else f"{level}_think_{think[0]:g}_{think[1]:g}"
                url = copy_database(template, work, label.replace(".", "_"))
                result["database"] = "postgresql" if url.startswith("postgres") else "sqlite"
                chosen, points = sheets_and_points(url)
                if think is not None:  # paced: each user replays one expert
                    chosen = dict(sorted(chosen.items())[:level])
                plan = work / f"plan-{label}.json"
                plan.write_text(
                    json.dumps({"sheets": chosen, "points": points, "password": DEMO_PASSWORD, "comment": COMMENT})
                )
                env = {"LOAD_EXPERTS": str(plan), "LOAD_THINK": "0,0" if think is None else f"{think[0]},{think[1]}"}
                server = Server(url, work / f"server-{label}", workers=args.workers, threads=args.threads).start()
                try:
                    if think is None:
                        print(f"{level} users: ceiling, then the expert flow without pauses …", flush=True)
                        result["ceiling"] = locust(
                            server.base, "CeilingUser", level, level, args.ceiling_seconds, env, work / f"{label}-top"
                        )
                        result["flow_saturated"] = locust(
                            server.base, "ExpertUser", level, level, MAX_SECONDS, env, work / label
                        )
                    else:
                        print(f"{level} users: expert flow, think {think[0]:g}–{think[1]:g} s …", flush=True)
                        paced = locust(server.base, "ExpertUser", level, args.arrivals, MAX_SECONDS, env, work / label)
                        result["paced"].append({"think_s": list(think), "arrivals_per_s": args.arrivals, **paced})
                finally:
                    server.stop()
            result["flow_share_of_ceiling"] = round(
                result["flow_saturated"]["throughput_rps"] / result["ceiling"]["throughput_rps"], 3
            )
            (RESULTS / f"{result['database']}-{level}.json").write_text(json.dumps(result, indent=2))
            print(json.dumps(result, indent=2), flush=True)
    print_table()


def print_table() -> None:
    """Every result on file as one Markdown table."""
    print("\n| database | users | run | requests | errors | req/s | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for path in sorted(RESULTS.glob("*.json")):
        r = json.loads(path.read_text())
        runs = [("ceiling", r["ceiling"]), ("flow, no pauses", r["flow_saturated"])]
        runs += [(f"flow, think {p['think_s'][0]:g}–{p['think_s'][1]:g} s", p) for p in r.get("paced", [])]
        for name, s in runs:
            print(
                f"| {r['database']} | {r['users']} | {name} | {s['requests']:,} | {s['errors']} | "
                f"{s['throughput_rps']} | {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} |"
            )


if __name__ == "__main__":
    main()
