"""Every page of the centre's console and the expert's pages, measured under a national-volume round: for one
page (PAGE names it), GET it through the Flask test client as the logged-in admin (or expert) a first time
(warm-up, not counted), then again `repeats` times or until `budget` seconds have passed (at least 3 times):
server time p50/p95/max (the test client runs the whole WSGI request in this process: no network), the
response's status and size. run.py runs each page in a process of its own, so the process's peak memory is
that page's worker's.
"""

import math
import time

import sqlalchemy as sa
from sqlmodel import Session

# name → (who, url template); the ids come from ids() below. Pages whose list is long are also asked for a
# second page, a filter or a search (parameters a page without paging ignores: it then shows its whole list).
PAGES = {
    "dashboard": ("admin", "/admin/"),
    "round": ("admin", "/admin/rounds/{round}"),
    "applications": ("admin", "/admin/rounds/{round}/applications"),
    "applications p2": ("admin", "/admin/rounds/{round}/applications?page=2"),
    "formal check": ("admin", "/admin/rounds/{round}/check"),
    "formal check p2": ("admin", "/admin/rounds/{round}/check?page=2"),
    "formal check failed": ("admin", "/admin/rounds/{round}/check?verdict=fail"),
    "assignment console": ("admin", "/admin/rounds/{round}/assignment"),
    "assignment preview": ("admin", "/admin/rounds/{round}/assignment/runs/{run}"),
    "assignment preview p2": ("admin", "/admin/rounds/{round}/assignment/runs/{run}?page=2"),
    "progress": ("admin", "/admin/rounds/{round}/progress"),
    "sheets": ("admin", "/admin/rounds/{round}/sheets"),
    "sheets p2": ("admin", "/admin/rounds/{round}/sheets?page=2"),
    "sheets drafts (0 rows)": ("admin", "/admin/rounds/{round}/sheets?status=draft"),
    "results": ("admin", "/admin/rounds/{round}/results"),
    "results p2": ("admin", "/admin/rounds/{round}/results?page=2"),
    "application result": ("admin", "/admin/rounds/{round}/results/runs/{ranking}/applications/{application}"),
    "application": ("admin", "/admin/applications/{application}"),
    "expert pool": ("admin", "/admin/experts"),
    "expert pool p2": ("admin", "/admin/experts?page=2"),
    "expert pool search": ("admin", "/admin/experts?q={expert_code}"),
    "expert": ("admin", "/admin/experts/{expert}"),
    "conflicts": ("admin", "/admin/conflicts"),
    "accounts": ("admin", "/admin/accounts"),
    "accounts p2": ("admin", "/admin/accounts?page=2"),
    "audit log": ("admin", "/audit/events"),
    "audit log p2": ("admin", "/audit/events?page=2"),
    "audit overview": ("admin", "/audit/"),
    "expert home": ("expert", "/expert/"),
    "expert sheet": ("expert", "/expert/sheets/{sheet}"),
    "expert overview": ("expert", "/expert/rounds/{round}/overview"),
}


def ids(session: Session, state: dict) -> dict:
    """The objects the pages name: the round, its runs, one application in the middle of the ranking, one
    expert with sheets and one of their sheets."""
    from review_app.models import Expert, ScoreSheet

    sheet_id, expert_id = session.execute(
        sa.select(ScoreSheet.id, ScoreSheet.expert_id).where(ScoreSheet.round_id == state["round_id"])
        .order_by(ScoreSheet.id).offset(state["applications"] * 2).limit(1)
    ).one()
    expert = session.get(Expert, expert_id)
    application = session.get(ScoreSheet, sheet_id).application_id
    return {"round": state["round_id"], "run": state["run_id"], "ranking": state["ranking_run_id"],
            "application": application, "expert": expert_id, "expert_code": expert.code, "sheet": sheet_id,
            "expert_login": expert.code.lower()}


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile by the nearest-rank method (p95 of 20 values is the 19th)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def measure(app, state: dict) -> dict:
    from steps import logged_in

    name = state["page"]
    who, template = PAGES[name]
    with app.app_context(), Session(app.extensions["db_engine"]) as session:
        found = ids(session, state)
    client = logged_in(app, "admin" if who == "admin" else found["expert_login"])
    url = template.format(**found)
    first = time.perf_counter()
    answer = client.get(url)
    warm = time.perf_counter() - first
    times, cpu = [], []
    started = time.perf_counter()
    repeats, budget = state.get("repeats", 20), state.get("budget", 60)
    while len(times) < repeats and (len(times) < 3 or time.perf_counter() - started < budget):
        t0, c0 = time.perf_counter(), time.process_time()
        answer = client.get(url)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {
        "page": name, "url": url, "status": answer.status_code, "bytes": len(answer.data), "first": warm,
        "requests": len(times), "p50": percentile(times, 50), "p95": percentile(times, 95), "max": max(times),
        "cpu_p50": percentile(cpu, 50), "cpu_p95": percentile(cpu, 95),
    }
