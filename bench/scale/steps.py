"""The steps of a national-volume round, each run in a process of its own by run.py (so that each step's
peak memory is its own: a fresh worker doing that one thing), through the services the console's pages and
the `flask` commands call:

    python bench/scale/steps.py STEP STATE.json

STATE.json carries the database URL, the upload folder, the workbooks and the ids found so far; a step
prints one JSON object: {"seconds": the timed part, ...what it found}, and run.py merges it into the state.
Only the timed part counts toward a target; the setup around it (logging in, loading ids) does not.
"""

import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

PASSWORD = "Bench-2026-scale"
STEPS = {}


def step(name):
    def register(function):
        STEPS[name] = function
        return function

    return register


def make_app(state: dict):
    from review_app import create_app

    return create_app(
        {
            "DATABASE_URL": state["database_url"],
            "SECRET_KEY": "bench-scale",
            "UPLOAD_DIR": state["uploads"],
            "TOTP_REQUIRED_ROLES": (),
            "RATELIMIT_ENABLED": False,
            "JOB_RUNNER": "thread",
            "NOTIFY_DUE_MINUTES": 0,
        },
        instance_path=state["instance"],
    )


def admin(session: Session):
    from review_app.models import User

    return session.exec(select(User).where(User.username == "admin")).one()


def the_round(session: Session, state: dict):
    from review_app.models import Round

    return session.get(Round, state["round_id"])


class Timer:
    """Wall time and this process's CPU time of a block (the CPU time leaves out PostgreSQL's work and the
    other helpers' load: on a shared machine it is the steadier figure)."""

    def __enter__(self):
        self.start, self.cpu_start = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        self.cpu_seconds = time.process_time() - self.cpu_start
        TIMED.append(self)


TIMED: list[Timer] = []


# The steps -------------------------------------------------------------------------------------------------


@step("setup")
def setup(app, session: Session, state: dict) -> dict:
    """Schema, the centre's account and a new-consortium round in intake (its city quota raised above the
    10,000 applications: the page's form stops at 50, an intake limit of issue 20 left to `instances`)."""
    from review_app.db import upgrade
    from review_app.models import Role, RoundKind, RoundStage
    from review_app.services import rounds
    from review_app.services.accounts import users

    upgrade(app.extensions["db_engine"])
    user = users.create_user(session, username="admin", password=PASSWORD, role=Role.ADMIN)
    users.create_user(session, username="auditor", password=PASSWORD, role=Role.AUDITOR)
    review_round = rounds.create_round(session, name="2026年度创新联合体（全省规模测试）",
                                       kind=RoundKind.NEW_CONSORTIUM, year=2026, by=user)
    review_round.city_quota = 100_000
    later = datetime.now(UTC) + timedelta(days=60)
    review_round.city_deadline = review_round.check_deadline = review_round.scoring_deadline = later
    session.commit()
    rounds.advance(session, review_round=review_round, to_stage=RoundStage.INTAKE, by=user)
    session.commit()
    return {"seconds": 0.0, "round_id": review_round.id}


@step("import_experts")
def import_experts(app, session: Session, state: dict) -> dict:
    """The pool's workbook through the pool import; then each expert's account (direct inserts: the
    activation links are `instances`'s part of issue 20)."""
    from review_app.models import Expert, Role, User
    from review_app.services.platform.passwords import hash_password
    from review_app.services.review import pool_import

    path = Path(state["workbooks"]["experts"])
    with Timer() as timer:
        result = pool_import.import_experts(session, filename=path.name, data=path.read_bytes(), by=admin(session))
        session.commit()
    digest = hash_password(PASSWORD)
    rows = [
        {"username": code.lower(), "display_name": name, "password_hash": digest, "role": Role.EXPERT,
         "expert_id": expert_id, "session_nonce": f"{expert_id:016x}"}
        for expert_id, code, name in session.execute(sa.select(Expert.id, Expert.code, Expert.name))
    ]
    session.execute(sa.insert(User.__table__), rows)
    session.commit()
    return {"seconds": timer.seconds, "experts": len(rows), "result": str(result)[:200]}


@step("import_applications")
def import_applications(app, session: Session, state: dict) -> dict:
    """Every applications workbook through the import (the page's and `flask import-applications`'s
    service), one after the other, each committed."""
    from review_app.services.intake import importer

    per_book = []
    with Timer() as timer:
        for name in state["workbooks"]["applications"]:
            path = Path(name)
            started = time.perf_counter()
            with app.test_request_context():
                importer.import_files(session, review_round=the_round(session, state),
                                      files=[(path.name, path.read_bytes())], by=admin(session))
            session.commit()
            per_book.append(round(time.perf_counter() - started, 2))
    return {"seconds": timer.seconds, "workbooks": len(per_book), "per_workbook": per_book}


@step("pledges")
def pledges(app, session: Session, state: dict) -> dict:
    """Setup, not timed against a target: each application's pledge of truthfulness and 申请书 (one small
    PDF, stored once), as the cities upload them (R12 fails without the pledge)."""
    from review_app.models import Application, Attachment, AttachmentKind
    from review_app.services.platform.storage import store_for

    pdf = _small_pdf()
    digest = store_for(app.config).put(pdf)
    ids = list(session.execute(sa.select(Application.id).where(Application.round_id == state["round_id"])).scalars())
    rows = [
        {"application_id": i, "kind": kind, "filename": name, "sha256": digest, "size": len(pdf),
         "content_type": "application/pdf", "text": ""}
        for i in ids
        for kind, name in ((AttachmentKind.PLEDGE, "真实性承诺.pdf"), (AttachmentKind.APPLICATION_FORM, "申请书.pdf"))
    ]
    with Timer() as timer:
        session.execute(sa.insert(Attachment.__table__), rows)
        session.commit()
    return {"seconds": timer.seconds, "attachments": len(rows)}


def _small_pdf() -> bytes:
    from tests.intake_factories import pdf_bytes

    return pdf_bytes("bench")


@step("check")
def check(app, session: Session, state: dict) -> dict:
    """`flask formal-check --round ID --out report.csv`: run R0–R14 on every application, store the verdicts,
    write the report."""
    from review_app.services.check import report, runner

    with Timer() as timer, app.test_request_context():
        summary = runner.run_check(session, review_round=the_round(session, state), by=None)
        session.commit()
        data = report.report_csv(session, round_id=state["round_id"])
    Path(state["out"], "check.csv").write_bytes(data)
    return {"seconds": timer.seconds, "summary": summary.__dict__, "report_bytes": len(data)}


@step("to_assignment")
def to_assignment(app, session: Session, state: dict) -> dict:
    """The move to the assignment stage (the page's stage button)."""
    from review_app.models import RoundStage
    from review_app.services import rounds

    with Timer() as timer, app.test_request_context():
        review_round = the_round(session, state)
        rounds.advance(session, review_round=review_round, to_stage=RoundStage.FORMAL_CHECK, by=admin(session))
        session.commit()
        rounds.advance(session, review_round=review_round, to_stage=RoundStage.ASSIGNMENT, by=admin(session))
        session.commit()
    return {"seconds": timer.seconds}


@step("feasibility")
def feasibility(app, session: Session, state: dict) -> dict:
    """The console's "检查可行性" button: the check queued as a job and run (the whole pool and the solver's
    diagnosis, stored for the console to show), as the thread or the `run-jobs` worker does it."""
    from review_app.models import Job
    from review_app.services.assign import feasibility as checks
    from review_app.services.platform import jobs

    with Timer() as timer:
        with app.test_request_context():
            job_id = checks.start(session, review_round=the_round(session, state), by=admin(session))
            session.commit()
        jobs.run(app, job_id)
        session.expire_all()
        job = session.get(Job, job_id)
    return {"seconds": timer.seconds, "job": job.status.value, "message": job.message,
            "feasible": job.result().get("diagnosis", {}).get("feasible")}


@step("assign")
def assign(app, session: Session, state: dict) -> dict:
    """As the console does it: the run queued as a job (seed 1, k = 5), the job run (what the thread or
    the `run-jobs` worker does), then the preview page requested."""
    from review_app.models import Job
    from review_app.services.assign import problem, proposals
    from review_app.services.platform import jobs

    client = logged_in(app, "admin")
    with Timer() as timer:
        with app.test_request_context():
            job_id = proposals.start(session, review_round=the_round(session, state),
                                     choices=problem.RunChoices(seed=1), by=admin(session))
            session.commit()
        jobs.run(app, job_id)
        session.expire_all()
        job = session.get(Job, job_id)
        run_id = json.loads(job.result_json or "{}").get("run_id")
        solved = time.perf_counter() - timer.start
        page = client.get(f"/admin/rounds/{state['round_id']}/assignment/runs/{run_id}")
    return {"seconds": timer.seconds, "solve_seconds": solved, "job": job.status.value, "message": job.message,
            "run_id": run_id, "preview_status": page.status_code, "preview_bytes": len(page.data)}


@step("publish")
def publish(app, session: Session, state: dict) -> dict:
    """Publication: one score sheet per pair, the experts told (the page's publish button)."""
    from review_app.models import AssignmentRun
    from review_app.services.assign import proposals

    with Timer() as timer, app.test_request_context():
        sheets = proposals.publish(session, run=session.get(AssignmentRun, state["run_id"]), by=admin(session))
        session.commit()
    return {"seconds": timer.seconds, "sheets": sheets}


@step("fill")
def fill(app, session: Session, state: dict) -> dict:
    """Setup, not the expert's path (bench/load measures that per request): every expert's pledge, no
    conflict declared, every sheet scored and submitted, by direct writes (a seeded quality per application
    and leniency per expert)."""
    from review_app.models import ConflictDeclaration, Criterion, PledgeAcceptance, ScoreItem, ScoreSheet, SheetStatus
    from review_app.models._base import utcnow

    rng = random.Random(7)
    round_id = state["round_id"]
    with Timer() as timer:
        criteria = list(session.exec(select(Criterion).where(Criterion.round_id == round_id)))
        sheets = session.execute(sa.select(ScoreSheet.id, ScoreSheet.application_id, ScoreSheet.expert_id)
                                 .where(ScoreSheet.round_id == round_id)).all()
        quality = {a: rng.gauss(0.72, 0.1) for _s, a, _e in sheets}
        leniency = {e: rng.gauss(0, 0.06) for _s, _a, e in sheets}
        now = utcnow()
        session.execute(sa.insert(PledgeAcceptance.__table__),
                        [{"round_id": round_id, "expert_id": e, "accepted_at": now} for e in leniency])
        items, updates = [], []
        for sheet_id, app_id, expert_id in sheets:
            total = Decimal(0)
            for c in criteria:
                share = min(max(quality[app_id] + leniency[expert_id] + rng.gauss(0, 0.05), 0), 1)
                points = Decimal(round(share * c.max_points * 2) / 2).quantize(Decimal("0.5"))
                items.append({"sheet_id": sheet_id, "criterion_id": c.id, "points": points})
                total += points
            updates.append({"b_id": sheet_id, "total": total, "recommend": total >= 70})
        for start in range(0, len(items), 20_000):
            session.execute(sa.insert(ScoreItem.__table__), items[start : start + 20_000])
        table = ScoreSheet.__table__
        session.execute(
            sa.update(table).where(table.c.id == sa.bindparam("b_id")).values(
                status=SheetStatus.SUBMITTED, declaration=ConflictDeclaration.NONE_DECLARED,
                comment="该联合体攻关任务明确，技术路线可行，建议支持。", total=sa.bindparam("total"),
                recommend=sa.bindparam("recommend"), version=2, saved_at=now, submitted_at=now,
            ),
            updates,
        )
        session.commit()
    return {"seconds": timer.seconds, "sheets": len(sheets), "items": len(items)}


@step("close")
def close(app, session: Session, state: dict) -> dict:
    """Closing scoring (the stage button; it writes the round's archive). Reported, not a target of mine:
    closing a round is `instances`'s part of issue 20."""
    from review_app.models import RoundStage
    from review_app.services import rounds

    with Timer() as timer, app.test_request_context():
        rounds.advance(session, review_round=the_round(session, state), to_stage=RoundStage.CLOSED, by=admin(session))
        session.commit()
    return {"seconds": timer.seconds}


@step("aggregate")
def aggregate(app, session: Session, state: dict) -> dict:
    """The results page's aggregate button: the calibrated ranking and the trimmed mean beside it, stored."""
    from review_app.services.results import rank

    with Timer() as timer, app.test_request_context():
        run, comparison = rank.aggregate_round(session, review_round=the_round(session, state), method="calibrated",
                                               seed=0, by=admin(session))
        session.commit()
    return {"seconds": timer.seconds, "ranking_run_id": run.id, "comparison_run_id": comparison and comparison.id}


@step("select")
def select_step(app, session: Session, state: dict) -> dict:
    """The cut-off (the best tenth selected) and the approval."""
    from review_app.models import RankingRun
    from review_app.services.results import selection

    with Timer() as timer, app.test_request_context():
        run = session.get(RankingRun, state["ranking_run_id"])
        chosen = selection.set_cutoff(session, run=run, cutoff=max(1, state["applications"] // 10), by=admin(session))
        session.commit()
        selection.approve(session, run=run, by=admin(session))
        session.commit()
    return {"seconds": timer.seconds, "selected": chosen}


def _export(app, session: Session, state: dict, fmt: str) -> dict:
    from review_app.models import RankingRun
    from review_app.services.results import export

    with Timer() as timer, app.test_request_context():
        data = export.export_file(session, run=session.get(RankingRun, state["ranking_run_id"]), which="ranking",
                                  fmt=fmt, by=admin(session))
        session.commit()
    Path(state["out"], f"ranking.{fmt}").write_bytes(data)
    return {"seconds": timer.seconds, "bytes": len(data)}


@step("export_xlsx")
def export_xlsx(app, session, state):
    """The ranking workbook (the results page's Excel export)."""
    return _export(app, session, state, "xlsx")


@step("export_pdf")
def export_pdf(app, session, state):
    """The ranking as PDF."""
    return _export(app, session, state, "pdf")


def logged_in(app, username: str):
    """A test client logged in through the login form (its CSRF token and all)."""
    import re

    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    answer = client.post("/auth/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code in (302, 303), answer.status_code
    return client


def main(argv: list[str]) -> None:
    name, state_path = argv
    state = json.loads(Path(state_path).read_text("utf-8"))
    if name == "page":
        from pages import measure  # bench/scale/pages.py

        print(json.dumps(measure(make_app(state), state), ensure_ascii=False))
        return
    app = make_app(state)
    with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
        found = STEPS[name](app, session, state)
    app.extensions["db_engine"].dispose()
    found["cpu_seconds"] = sum(t.cpu_seconds for t in TIMED)
    print(json.dumps(found, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
