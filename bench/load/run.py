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
import json
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.live_server import Browser, Server  # noqa: E402  (the same gunicorn wrapper as the tests)

RESULTS = Path(__file__).parent / "results"
COMMENT = "该联合体牵头单位实力雄厚，攻关任务明确，技术路线可行，共建协议完备，建议予以支持。"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(samples: list[tuple[str, float, bool]], wall: float) -> dict:
    """samples: (step, seconds, ok)."""
    times = [s for _step, s, _ok in samples]
    out = {
        "requests": len(samples),
        "errors": sum(1 for *_x, ok in samples if not ok),
        "wall_s": round(wall, 2),
        "throughput_rps": round(len(samples) / wall, 1) if wall else 0.0,
        "p50_ms": round(percentile(times, 50) * 1000, 1),
        "p95_ms": round(percentile(times, 95) * 1000, 1),
        "p99_ms": round(percentile(times, 99) * 1000, 1),
        "mean_ms": round(statistics.fmean(times) * 1000, 1) if times else 0.0,
    }
    steps = defaultdict(list)
    for step, seconds, _ok in samples:
        steps[step].append(seconds)
    out["steps"] = {
        step: {
            "n": len(v),
            "p50_ms": round(percentile(v, 50) * 1000, 1),
            "p95_ms": round(percentile(v, 95) * 1000, 1),
            "p99_ms": round(percentile(v, 99) * 1000, 1),
        }
        for step, v in steps.items()
    }
    return out


def prepare_database(folder: Path, database_url: str | None) -> str:
    """The demo round, with one open sheet per expert (pledged, no conflict declared)."""
    from review_app import create_app
    from review_app.db import get_session, upgrade
    from review_app.services import demo
    from tests.test_review_app.test_concurrency import open_sheet_per_expert

    url = database_url or f"sqlite:///{folder / 'template.db'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"}, instance_path=str(folder / "seed-instance"))
    upgrade(app.extensions["db_engine"])
    with app.app_context():
        session = get_session()
        demo.seed(session)
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


def ceiling(base: str, users: int, requests: int) -> dict:
    samples: list[tuple[str, float, bool]] = []
    lock = threading.Lock()
    per_user = max(1, requests // users)

    def user(_n: int) -> None:
        browser = Browser(base)
        for _ in range(per_user):
            started = time.perf_counter()
            try:
                ok = browser.get("/healthz").status == 200
            except OSError:
                ok = False
            with lock:
                samples.append(("healthz", time.perf_counter() - started, ok))

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=users) as pool:
        list(pool.map(user, range(users)))
    return summary(samples, time.perf_counter() - started)


def expert_flow(
    base: str,
    users: int,
    chosen: dict[str, int],
    points: dict[str, str],
    password: str,
    *,
    think: tuple[float, float] = (0.0, 0.0),
    arrivals_per_s: float = 0.0,
) -> dict:
    """Each user takes the next expert until all have gone through the flow once. `think` is the pause
    before each step (uniform, seconds); `arrivals_per_s` staggers the users' first steps, as a load tool's
    spawn rate does. Both zero: a closed loop that saturates the server."""
    samples: list[tuple[str, float, bool]] = []
    lock = threading.Lock()
    queue = iter(sorted(chosen))
    queue_lock = threading.Lock()

    def user(n: int) -> None:
        pace = random.Random(n)  # reproducible think times

        def timed(step: str, call, expected: int):
            if think[1]:
                time.sleep(pace.uniform(*think))
            started = time.perf_counter()
            try:
                response = call()
                ok = response.status == expected
            except OSError:
                response, ok = None, False
            with lock:
                samples.append((step, time.perf_counter() - started, ok))
            return response if ok else None

        if arrivals_per_s:
            time.sleep(n / arrivals_per_s)
        while True:
            with queue_lock:
                username = next(queue, None)
            if username is None:
                return
            sheet_id = chosen[username]
            browser = Browser(base)
            if not timed("login page", lambda b=browser: b.get("/auth/login"), 200):
                continue
            if not timed(
                "login", lambda b=browser, u=username: b.post("/auth/login", {"username": u, "password": password}), 302
            ):
                continue
            page = timed("open sheet", lambda b=browser, s=sheet_id: b.get(f"/expert/sheets/{s}"), 200)
            if page is None:
                continue
            version = int(re.search(r'name="version"[^>]*value="(\d+)"', page.text).group(1))
            data = {"version": version, "comment": COMMENT, "recommend": "yes", **points}
            if not timed("save draft", lambda b=browser, s=sheet_id, d=data: b.post(f"/expert/sheets/{s}", d), 302):
                continue
            timed(
                "submit",
                lambda b=browser, s=sheet_id, v=version: b.post(f"/expert/sheets/{s}/submit", {"version": v + 1}),
                302,
            )

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=users) as pool:
        list(pool.map(user, range(users)))
    return summary(samples, time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("levels", nargs="*", type=int, default=[50, 200])
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite in a temp folder)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--ceiling-requests", type=int, default=4000)
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"))
    parser.add_argument("--arrivals", type=float, default=20.0, help="users arriving per second (paced run)")
    args = parser.parse_args()

    from review_app.services.demo import DEMO_PASSWORD

    RESULTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="review-load-") as work:
        work = Path(work)
        print("preparing the demo database …", flush=True)
        template = prepare_database(work, args.database_url)
        for level in args.levels:
            result = {"users": level, "gunicorn": {"workers": args.workers, "threads": args.threads}}
            # Each flow run submits every sheet, so each gets a fresh copy of the database and its own server.
            for run in ("saturated", "paced"):
                url = copy_database(template, work, f"{level}_{run}")
                result["database"] = "postgresql" if url.startswith("postgres") else "sqlite"
                chosen, points = sheets_and_points(url)
                server = Server(url, work / f"server-{level}-{run}", workers=args.workers, threads=args.threads)
                server.start()
                try:
                    if run == "saturated":
                        print(f"{level} users: ceiling …", flush=True)
                        result["ceiling"] = ceiling(server.base, level, args.ceiling_requests)
                        print(f"{level} users: expert flow, no pauses …", flush=True)
                        result["flow_saturated"] = expert_flow(server.base, level, chosen, points, DEMO_PASSWORD)
                    else:
                        print(f"{level} users: expert flow, think {args.think[0]}–{args.think[1]} s …", flush=True)
                        result["flow_paced"] = expert_flow(
                            server.base,
                            level,
                            chosen,
                            points,
                            DEMO_PASSWORD,
                            think=tuple(args.think),
                            arrivals_per_s=args.arrivals,
                        )
                        result["flow_paced"]["think_s"] = list(args.think)
                        result["flow_paced"]["arrivals_per_s"] = args.arrivals
                finally:
                    server.stop()
            result["flow_share_of_ceiling"] = round(
                result["flow_saturated"]["throughput_rps"] / result["ceiling"]["throughput_rps"], 3
            )
            (RESULTS / f"{result['database']}-{level}.json").write_text(json.dumps(result, indent=2))
            print(json.dumps(result, indent=2), flush=True)
    print("\n| database | users | run | requests | errors | req/s | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for path in sorted(RESULTS.glob("*.json")):
        r = json.loads(path.read_text())
        for name in ("ceiling", "flow_saturated", "flow_paced"):
            s = r.get(name)
            if s:
                print(
                    f"| {r['database']} | {r['users']} | {name} | {s['requests']} | {s['errors']} | "
                    f"{s['throughput_rps']} | {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} |"
                )


if __name__ == "__main__":
    main()
