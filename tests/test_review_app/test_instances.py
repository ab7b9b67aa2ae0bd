"""Several app servers on one database, as on several hosts behind the gateway: two gunicorn instances on
their own ports, each with its own instance folder, one shared folder (SHARED_DIR: uploads, archives, the
generated secret key) and two `flask run-jobs` workers (JOB_RUNNER = "worker"), all at once, on this run's
database (SQLite, or PostgreSQL under .ci/with-postgres).

What must hold whichever instance a request reaches: a session made on one is valid on the other, login
attempts spread over both are refused at the limit, a double submission of one sheet through both stores
one submission, and each queued job runs exactly once."""

import threading
import time

import pytest
import sqlalchemy as sa
from sqlmodel import select

from tests.live_server import Browser, Server, Worker

pytestmark = [pytest.mark.demo, pytest.mark.server]

SETTINGS = {
    "SECRET_KEY": None,  # none configured: every instance reads the key generated once in SHARED_DIR
    "JOB_RUNNER": "worker",
    "LOGIN_RATE_LIMIT": "5 per minute",
    "LOCKOUT_THRESHOLD": 0,  # what refuses the sixth attempt is the limit, not the account's lock
    "NOTIFY_DUE_MINUTES": 0,
}


@pytest.fixture
def cluster(request, database_url, tmp_path):
    """Two instances and two workers on one database and one shared folder; every process is killed at the
    end, whatever happened."""
    shared = tmp_path / "shared"
    processes: list = []

    def stop_all() -> None:
        for process in reversed(processes):
            process.stop()

    request.addfinalizer(stop_all)
    instances = []
    for name in ("a", "b"):
        server = Server(database_url, tmp_path / name, workers=2, threads=2, settings=SETTINGS, shared=shared)
        processes.append(server)
        instances.append(server.start())
    processes.extend(Worker(instances[0]) for _ in range(2))
    return instances


def _count(session, statement) -> int:
    session.rollback()  # a new transaction sees what the servers wrote
    return session.execute(statement).scalar()


def _events(session, action: str) -> int:
    from review_app.models import AuditEvent

    return _count(session, sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def _at_once(*calls) -> list:
    """Run the calls in threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_two_instances_and_two_workers_share_one_database(app, session, cluster):
    from review_app.demo import DEMO_PASSWORD
    from review_app.models import AssignmentRun, Job, JobStatus, ScoreSheet, SheetStatus
    from tests.factories import make_round_for_assignment
    from tests.test_review_app.test_concurrency import COMMENT, _points, _version, open_sheet_per_expert

    username, sheet_id = next(iter(open_sheet_per_expert(session).items()))
    points = _points(session, session.get(ScoreSheet, sheet_id).round_id)
    review_round = make_round_for_assignment(session, n_applications=8, k=3)
    round_id = review_round.id
    session.commit()
    session.rollback()  # hold no transaction while the servers write
    a, b = cluster

    # Login attempts alternate between the instances: the sixth within the minute is refused (429), as it
    # would be on one; counters kept per process would let ten through.
    statuses = []
    for attempt in range(6):
        guesser = Browser((a, b)[attempt % 2].base)
        statuses.append(guesser.login("auditor", f"wrong-{attempt}").status)
    assert statuses == [200] * 5 + [429], statuses

    # One expert's session made on A is valid on B (the same generated secret key).
    on_a = Browser(a.base)
    assert on_a.login(username, DEMO_PASSWORD).status == 302
    on_b = Browser(b.base)
    on_b.opener = on_a.opener  # the same cookies: the gateway sends the next request to the other host
    page = on_b.get(f"/expert/sheets/{sheet_id}")
    assert page.status == 200 and _version(page.text)
    version = int(_version(page.text))
    on_a.token = on_b.token  # the page's CSRF token, read through B
    saved = on_a.post(f"/expert/sheets/{sheet_id}", {"version": version, "comment": COMMENT, "recommend": "yes",
                                                      **points})
    assert saved.status == 302
    submits = _events(session, "sheet.submit")

    # The submit button pressed twice, the two requests reaching different instances at the same moment.
    url, form = f"/expert/sheets/{sheet_id}/submit", {"version": version + 1}
    answers = _at_once(lambda: on_a.post(url, form), lambda: on_b.post(url, form))
    assert [answer.status for answer in answers] == [302, 302]
    session.expire_all()
    sheet = session.get(ScoreSheet, sheet_id)
    assert (sheet.status, sheet.version) == (SheetStatus.SUBMITTED, version + 2)
    assert _events(session, "sheet.submit") == submits + 1

    # An assignment run queued on each instance at once: the workers run each job exactly once.
    admins = []
    for server in (a, b):
        admin = Browser(server.base)
        assert admin.login("admin", DEMO_PASSWORD).status == 302
        assert admin.get(f"/admin/rounds/{round_id}/assignment").status == 200  # its form's CSRF token
        admins.append(admin)
    proposals = _events(session, "assignment.propose")
    queued = _at_once(*(
        lambda admin=admin, seed=seed: admin.post(f"/admin/rounds/{round_id}/assignment/run", {"seed": seed})
        for admin, seed in zip(admins, (1, 2), strict=True)
    ))
    assert all(answer.status == 302 and "/admin/jobs/" in answer.location for answer in queued)
    deadline = time.monotonic() + 120
    while True:
        session.rollback()
        states = [job.status for job in session.exec(select(Job).where(Job.round_id == round_id))]
        if len(states) == 2 and all(state == JobStatus.DONE for state in states):
            break
        assert time.monotonic() < deadline, states
        time.sleep(0.2)
    runs = session.exec(select(AssignmentRun).where(AssignmentRun.round_id == round_id)).all()
    assert sorted(run.seed for run in runs) == [1, 2]
    assert _events(session, "assignment.propose") == proposals + 2
    # the job pages answer on either instance
    job_ids = [int(answer.location.rsplit("/", 1)[1]) for answer in queued]
    assert all(admins[1 - i].get(f"/admin/jobs/{job_id}.json").status == 200 for i, job_id in enumerate(job_ids))
