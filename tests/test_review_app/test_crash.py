"""Crash safety: the server is killed (SIGKILL, master and workers) in the middle of an import, an
assignment publication and a submission. After a restart the database holds all or nothing of the
interrupted change, the app serves again, and `flask audit-verify` passes.

The middle is made long enough to aim at by CRASH_TEST_PAUSE (off by default): after writing the change
and its audit event, the request waits inside its open transaction; the server writes CRASH_TEST_MARKER
when it gets there.
"""

import io
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from sqlmodel import select

from tests.live_server import Browser, Server

pytestmark = [pytest.mark.demo, pytest.mark.server]


def _crashing_server(database_url: str, folder: Path, action: str) -> tuple[Server, Path]:
    marker = folder / "in-transaction"
    settings = {"CRASH_TEST_PAUSE": {action: 60}, "CRASH_TEST_MARKER": str(marker)}
    return Server(database_url, folder, workers=2, threads=2, settings=settings).start(), marker


def _kill_in_the_middle(server: Server, marker: Path, send) -> None:
    """Send the request in a thread, wait until it is inside its transaction, then kill the server."""

    def quietly():
        try:
            send()
        except OSError:  # the connection dies with the server: expected
            pass

    thread = threading.Thread(target=quietly, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert time.monotonic() < deadline, "the request never reached its transaction"
        time.sleep(0.05)
    server.kill()
    thread.join(timeout=30)


def _restart_and_verify(database_url: str, folder: Path) -> None:
    """A fresh server on the same database answers, and the audit chain is intact."""
    server = Server(database_url, folder / "after", workers=1, threads=1).start()
    try:
        verified = server.flask("audit-verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr
    finally:
        server.stop()


def _count(session, table: str) -> int:
    session.rollback()  # a new transaction sees what the server wrote
    session.expunge_all()  # and no object is served from the identity map
    return session.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar()  # noqa: S608 (fixed names)


def _experts_workbook(n: int) -> bytes:
    from review_app.services.intake import credit_codes

    book = Workbook()
    sheet = book.active
    sheet.title = "专家库"
    sheet.append(["专家编号", "姓名", "工作单位", "单位统一社会信用代码", "所在城市", "专业领域", "职称", "最大评审数"])
    code = credit_codes.make("1", "2", "320100", "12345678")
    for i in range(n):
        sheet.append([f"K{i:04d}", f"专家{i}", "东南大学", code, "南京市", "集成电路", "教授", 5])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_killed_during_an_expert_import(app, session, database_url, tmp_path):
    from review_app.demo import DEMO_PASSWORD

    experts = _count(session, "experts")
    session.rollback()  # hold no transaction while the server writes
    server, marker = _crashing_server(database_url, tmp_path, "experts.import")
    admin = Browser(server.base)
    assert admin.login("admin", DEMO_PASSWORD).status == 302
    admin.get("/admin/experts")
    data = _experts_workbook(300)
    events = _count(session, "audit_events")
    _kill_in_the_middle(
        server, marker, lambda: admin.post_files("/admin/experts/import", {}, {"file": ("专家库.xlsx", data)})
    )
    assert (_count(session, "experts"), _count(session, "audit_events")) == (experts, events)
    _restart_and_verify(database_url, tmp_path)


def test_killed_during_an_assignment_publication(app, session, database_url, tmp_path):
    from review_app.demo import DEMO_PASSWORD
    from review_app.models import AssignmentRun, Round, RoundStage, RunStatus, ScoreSheet
    from review_app.services.assign import proposals
    from review_app.services.assign.problem import RunChoices
    from review_app.services.platform.storage import store_for
    from tests.factories import make_round_for_assignment

    review_round = make_round_for_assignment(session, n_applications=8, k=3)
    with app.test_request_context():
        run = proposals.propose(
            session, review_round=review_round, choices=RunChoices(seed=3), by=None, store=store_for(app.config)
        )
    session.commit()
    session.rollback()  # hold no transaction while the server writes

    server, marker = _crashing_server(database_url, tmp_path, "assignment.publish")
    admin = Browser(server.base)
    assert admin.login("admin", DEMO_PASSWORD).status == 302
    admin.get(f"/admin/rounds/{review_round.id}/assignment/runs/{run.id}")
    url = f"/admin/rounds/{review_round.id}/assignment/runs/{run.id}/publish"
    events = _count(session, "audit_events")
    _kill_in_the_middle(server, marker, lambda: admin.post(url))

    session.rollback()  # a new transaction sees what the server wrote
    session.expunge_all()  # and no object is served from the identity map
    assert session.get(AssignmentRun, run.id).status == RunStatus.PROPOSED
    assert session.get(Round, review_round.id).stage == RoundStage.ASSIGNMENT
    assert not session.exec(select(ScoreSheet).where(ScoreSheet.round_id == review_round.id)).all()
    assert _count(session, "audit_events") == events
    _restart_and_verify(database_url, tmp_path)


def test_killed_during_a_submission(app, session, database_url, tmp_path):
    from review_app.demo import DEMO_PASSWORD
    from review_app.models import AuditEvent, ScoreSheet, SheetStatus
    from tests.test_review_app.test_concurrency import COMMENT, _points, _version, open_sheet_per_expert

    username, sheet_id = next(iter(open_sheet_per_expert(session).items()))
    points = _points(session, session.get(ScoreSheet, sheet_id).round_id)
    session.rollback()  # hold no transaction while the server writes

    server, marker = _crashing_server(database_url, tmp_path, "sheet.submit")
    expert = Browser(server.base)
    assert expert.login(username, DEMO_PASSWORD).status == 302
    page = expert.get(f"/expert/sheets/{sheet_id}")
    version = int(_version(page.text))
    saved = expert.post(
        f"/expert/sheets/{sheet_id}", {"version": version, "comment": COMMENT, "recommend": "yes", **points}
    )
    assert saved.status == 302
    session.rollback()  # a new transaction sees what the server wrote
    session.expunge_all()  # and no object is served from the identity map
    before = session.get(ScoreSheet, sheet_id)
    state = (before.status, before.version, before.total, before.submitted_at)
    events = _count(session, "audit_events")
    _kill_in_the_middle(
        server, marker, lambda: expert.post(f"/expert/sheets/{sheet_id}/submit", {"version": version + 1})
    )

    session.rollback()  # a new transaction sees what the server wrote
    session.expunge_all()  # and no object is served from the identity map
    after = session.get(ScoreSheet, sheet_id)
    assert (after.status, after.version, after.total, after.submitted_at) == state
    assert after.status == SheetStatus.DRAFT
    assert _count(session, "audit_events") == events
    assert not session.exec(
        select(AuditEvent).where(AuditEvent.action == "sheet.submit", AuditEvent.target_id == str(sheet_id))
    ).all()
    _restart_and_verify(database_url, tmp_path)
