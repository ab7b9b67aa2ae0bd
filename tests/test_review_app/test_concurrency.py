"""Under gunicorn with several workers, on this run's database (SQLite, or PostgreSQL under
.ci/with-postgres): 300 experts save and submit within the same minute, and two admins publish at once.

Every submission is stored exactly once, none is lost, no request fails, and the audit chain stays valid.
"""

import re
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select
from werkzeug.security import generate_password_hash

from tests.live_server import Browser, Server

pytestmark = [pytest.mark.demo, pytest.mark.server]

COMMENT = "该联合体牵头单位实力雄厚，攻关任务明确，技术路线可行，共建协议完备，建议予以支持。"


def open_sheet_per_expert(session: Session) -> dict[str, int]:
    """Give each of the demo's 300 experts one sheet to submit (the demo assigns only some of them):
    pledge accepted and no conflict declared, so that the HTTP part is the save and the submission."""
    from review_app.demo import DEMO_ROUND_NAME
    from review_app.models import (
        Application,
        Assignment,
        AssignmentRun,
        ConflictDeclaration,
        PledgeAcceptance,
        Role,
        Round,
        RunStatus,
        ScoreSheet,
        SheetStatus,
        User,
    )

    main = session.exec(select(Round).where(Round.name == DEMO_ROUND_NAME)).one()
    run = session.exec(
        select(AssignmentRun).where(AssignmentRun.round_id == main.id, AssignmentRun.status == RunStatus.PUBLISHED)
    ).one()
    applications = [a.id for a in session.exec(select(Application).where(Application.round_id == main.id))]
    sheets = session.exec(select(ScoreSheet).where(ScoreSheet.round_id == main.id)).all()
    mine: dict[int, list] = {}
    for sheet in sheets:
        mine.setdefault(sheet.expert_id, []).append(sheet)
    pledged = {p.expert_id for p in session.exec(select(PledgeAcceptance).where(PledgeAcceptance.round_id == main.id))}
    chosen: dict[str, int] = {}
    for user in session.exec(select(User).where(User.role == Role.EXPERT).order_by(User.username)):
        own = mine.get(user.expert_id, [])
        sheet = next((s for s in own if s.status != SheetStatus.SUBMITTED), None)
        if sheet is None:
            taken = {s.application_id for s in own}
            application_id = next(a for a in applications if a not in taken)
            seat = Assignment(
                run_id=run.id, round_id=main.id, application_id=application_id, expert_id=user.expert_id, affinity=0.0
            )
            session.add(seat)
            session.flush()
            sheet = ScoreSheet(
                assignment_id=seat.id, round_id=main.id, application_id=application_id, expert_id=user.expert_id
            )
            session.add(sheet)
        sheet.declaration = ConflictDeclaration.NONE_DECLARED
        if user.expert_id not in pledged:
            session.add(PledgeAcceptance(round_id=main.id, expert_id=user.expert_id))
        session.flush()
        chosen[user.username] = sheet.id
    session.commit()
    return chosen


def _points(session: Session, round_id: int) -> dict[str, str]:
    from review_app.models import Criterion

    criteria = session.exec(select(Criterion).where(Criterion.round_id == round_id)).all()
    return {f"points_{c.id}": str(c.max_points - 1) for c in criteria}


def _version(html: str) -> str:
    match = re.search(r'name="version"[^>]*value="(\d+)"', html)
    assert match, html[:2000]
    return match.group(1)


def test_300_experts_submit_within_the_same_minute(app, session, database_url, tmp_path):
    from review_app.demo import DEMO_PASSWORD
    from review_app.models import AuditEvent, ScoreSheet, SheetStatus

    chosen = open_sheet_per_expert(session)
    assert len(chosen) == 300
    # What is measured is saving and submitting: a cheap password hash keeps 300 logins from taking
    # half of the two cores (the real one costs ~0.1 s of CPU per login, by design).
    cheap = generate_password_hash(DEMO_PASSWORD, method="pbkdf2:sha256:1000")
    session.execute(sa.text("UPDATE users SET password_hash = :h WHERE role = 'expert'"), {"h": cheap})
    session.commit()
    round_id = session.get(ScoreSheet, next(iter(chosen.values()))).round_id
    points = _points(session, round_id)
    submits_before = session.execute(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "sheet.submit")
    ).scalar()
    session.rollback()  # hold no transaction while the server writes

    # 300 experts behind one address within the minute: the office's limit, counted once for all workers.
    settings = {"LOGIN_RATE_LIMIT_PER_ADDRESS": "1000 per minute"}
    server = Server(database_url, tmp_path, workers=4, threads=8, settings=settings).start()
    errors: list[str] = []
    browsers = {username: Browser(server.base) for username in chosen}

    def check(username: str, name: str, response, expected: int = 302) -> None:
        if response.status != expected:
            errors.append(f"{username} {name}: {response.status} {response.text[:200]}")

    def prepare(username: str) -> None:
        """Log in, open the sheet, save a complete draft."""
        sheet_id, browser = chosen[username], browsers[username]
        check(username, "login", browser.login(username, DEMO_PASSWORD))
        page = browser.get(f"/expert/sheets/{sheet_id}")
        check(username, "open", page, 200)
        data = {"version": _version(page.text), "comment": COMMENT, "recommend": "yes", **points}
        check(username, "save", browser.post(f"/expert/sheets/{sheet_id}", data))
        versions[username] = str(int(_version(page.text)) + 1)

    def submit(username: str) -> None:
        sheet_id, browser = chosen[username], browsers[username]
        check(username, "submit", browser.post(f"/expert/sheets/{sheet_id}/submit", {"version": versions[username]}))
        if username.endswith("7"):  # a double click: the second submission changes nothing
            again = browser.post(f"/expert/sheets/{sheet_id}/submit", {"version": versions[username]})
            check(username, "again", again)

    versions: dict[str, str] = {}
    try:
        with ThreadPoolExecutor(max_workers=32) as pool:
            list(pool.map(prepare, sorted(chosen)))
            assert not errors, "\n".join(errors[:20])
            started = time.monotonic()
            list(pool.map(submit, sorted(chosen)))  # all 300 submissions, as fast as they come
            elapsed = time.monotonic() - started
    finally:
        server.stop()
    assert not errors, "\n".join(errors[:20])
    assert elapsed < 60, f"the 300 submissions took {elapsed:.0f} s"

    session.rollback()  # a new transaction sees what the server wrote
    session.expunge_all()  # and no object is served from the identity map
    sheets = session.exec(select(ScoreSheet).where(ScoreSheet.id.in_(list(chosen.values())))).all()
    assert len(sheets) == 300
    assert all(s.status == SheetStatus.SUBMITTED for s in sheets)
    expected_total = sum(Decimal(v) for v in points.values())
    assert all(s.total == expected_total and s.comment == COMMENT for s in sheets)
    submits = session.execute(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "sheet.submit")
    ).scalar()
    assert submits - submits_before == 300  # once each, double clicks included
    moments = [s.submitted_at for s in sheets]
    assert (max(moments) - min(moments)).total_seconds() < 60
    verified = server.flask("audit-verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_two_admins_publishing_at_once_make_one_publication(app, session, database_url, tmp_path):
    from review_app.models import AssignmentRun, AuditEvent, RunStatus, ScoreSheet
    from review_app.services.assign import proposals
    from review_app.services.assign.problem import RunChoices
    from review_app.services.platform.storage import store_for
    from tests.conftest import PASSWORD
    from tests.factories import make_round_for_assignment, make_user

    review_round = make_round_for_assignment(session, n_applications=8, k=3)
    with app.test_request_context():
        runs = [
            proposals.propose(
                session, review_round=review_round, choices=RunChoices(seed=seed), by=None, store=store_for(app.config)
            )
            for seed in (7, 8)
        ]
    make_user(session, "admin1", "admin")
    make_user(session, "admin2", "admin")
    session.commit()
    session.rollback()  # hold no transaction while the server writes

    server = Server(database_url, tmp_path, workers=2, threads=2).start()
    try:
        admins = [Browser(server.base), Browser(server.base)]
        for name, browser in zip(("admin1", "admin2"), admins, strict=True):
            assert browser.login(name, PASSWORD).status == 302
            browser.get(f"/admin/rounds/{review_round.id}/assignment/runs/{runs[0].id}")
        for attempt in range(3):  # the same run twice, then two different runs, then again
            targets = [runs[0].id, runs[0].id] if attempt == 0 else [runs[0].id, runs[1].id]
            with ThreadPoolExecutor(max_workers=2) as pool:
                answers = list(
                    pool.map(
                        lambda pair: pair[0].post(
                            f"/admin/rounds/{review_round.id}/assignment/runs/{pair[1]}/publish", {}
                        ),
                        zip(admins, targets, strict=True),
                    )
                )
            assert all(a.status == 302 for a in answers), [(a.status, a.text[:300]) for a in answers]
    finally:
        server.stop()

    session.rollback()  # a new transaction sees what the server wrote
    session.expunge_all()  # and no object is served from the identity map
    statuses = [session.get(AssignmentRun, run.id).status for run in runs]
    assert sorted(statuses) == sorted([RunStatus.PUBLISHED, RunStatus.SUPERSEDED])
    published = next(run for run in runs if session.get(AssignmentRun, run.id).status == RunStatus.PUBLISHED)
    sheets = session.exec(select(ScoreSheet).where(ScoreSheet.round_id == review_round.id)).all()
    assert len(sheets) == 8 * 3 and {s.assignment_id for s in sheets}
    events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "assignment.publish", AuditEvent.round_id == review_round.id)
    ).all()
    assert len(events) == 1 and events[0].target_id == str(published.id)
    verified = server.flask("audit-verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
