"""The CPU cost of each step of the expert flow, one request at a time (no load, no HTTP): the Flask test
client against a fresh copy of the demo database, median over 40 experts, with the number of SQL queries.
Each step is timed by the process's CPU clock (what the request costs the machine, SQLite included; a busy
machine inflates it far less than the wall clock) and by the wall clock.

    PYTHONPATH=. .venv/bin/python bench/load/steps.py                  # the table
    PYTHONPATH=. .venv/bin/python bench/load/steps.py --profile "open sheet"   # + cProfile of that step

It explains the throughput of run.py: two cores answer at most 2,000 ms / (sum of the steps) flows per
second, whatever the server's settings.
"""

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.load.run import COMMENT, prepare_database, sheets_and_points  # noqa: E402
from review_app import create_app  # noqa: E402
from review_app.demo import DEMO_PASSWORD  # noqa: E402

STEPS = ("login page", "login", "open sheet", "save draft", "submit", "healthz")


def token(html: str, name: str) -> str:
    return re.search(rf'name="{name}"[^>]*value="([^"]+)"', html).group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experts", type=int, default=40)
    parser.add_argument("--profile", choices=STEPS, help="print a cProfile of this step (warm requests only)")
    parser.add_argument("--sort", default="cumulative", help="the profile's order (cumulative, tottime, ...)")
    parser.add_argument("--lines", type=int, default=40, help="the profile's length")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="review-steps-"))
    url = prepare_database(work, None)
    chosen, points = sheets_and_points(url)
    settings = {"DATABASE_URL": url, "SECRET_KEY": "bench", "TOTP_REQUIRED_ROLES": ()}
    app = create_app({**settings, "LOGIN_RATE_LIMIT": "10000/minute"}, instance_path=str(work / "instance"))
    queries: list[str] = []
    event.listen(app.extensions["db_engine"], "before_cursor_execute", lambda *a: queries.append(a[2]))
    timings: dict[str, list[tuple[float, float, int]]] = {step: [] for step in STEPS}
    profile = cProfile.Profile()

    warm_up = 5  # the first requests compile templates and fill caches: neither timed nor profiled

    def step(name: str, client, path: str, data: dict | None = None, expected: int = 200):
        queries.clear()
        profiled = name == args.profile and len(timings[name]) >= warm_up
        if profiled:
            profile.enable()
        started, cpu = time.perf_counter(), time.process_time()
        response = client.post(path, data=data) if data is not None else client.get(path)
        timings[name].append((time.process_time() - cpu, time.perf_counter() - started, len(queries)))
        if profiled:
            profile.disable()
        assert response.status_code == expected, (name, response.status_code)
        return response

    for username in sorted(chosen)[: args.experts]:
        client, sheet = app.test_client(), f"/expert/sheets/{chosen[username]}"
        page = step("login page", client, "/auth/login")
        login = {"username": username, "password": DEMO_PASSWORD, "csrf_token": token(page.text, "csrf_token")}
        step("login", client, "/auth/login", login, 302)
        page = step("open sheet", client, sheet)
        csrf, version = token(page.text, "csrf_token"), int(token(page.text, "version"))
        draft = {"version": version, "comment": COMMENT, "recommend": "yes", "csrf_token": csrf, **points}
        step("save draft", client, sheet, draft, 302)
        step("submit", client, f"{sheet}/submit", {"version": version + 1, "csrf_token": csrf}, 302)
        step("healthz", client, "/healthz")

    print("| step | median CPU ms | median wall ms | SQL queries |\n|---|---|---|---|")
    medians = {}
    for name, values in timings.items():
        warm = values[warm_up:]
        medians[name] = statistics.median(c for c, _, _ in warm)
        wall = statistics.median(w for _, w, _ in warm)
        print(f"| {name} | {medians[name] * 1000:.1f} | {wall * 1000:.1f} | {warm[-1][2]} |")
    flow = sum(medians[name] for name in STEPS[:-1])
    print(f"\nflow of 5 requests: {flow * 1000:.1f} ms of CPU; two cores: at most {10 / flow:.0f} requests/s"
          f" (load average {os.getloadavg()[0]:.1f})")
    if args.profile:
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.lines)


if __name__ == "__main__":
    main()
