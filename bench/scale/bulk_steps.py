"""Two single requests that grew with the round (issue 20), timed at a realistic size on a generated database:
the activation-links CSV for every expert without an activated account (3,000 experts), and closing a
round (scoring → closed, which writes the round's archive) at 10,000 applications with ~50,000 submitted
sheets.

    PYTHONPATH=. .venv/bin/python bench/scale/bulk_steps.py [--experts 3000] [--applications 10000] [--k 5]
        [--database-url postgresql://…]   # default: a SQLite file in a temporary folder

The rows are written with bulk INSERTs (the generation is not what is measured); each request goes through
the app (Flask's test client, the admin logged in), so the figures are server time of the whole request.

Figures (SQLite, 30 November 2026, on the shared 2-core machine under a load average of 15-29: the CPU time
of the process is the figure to compare; wall time there was 5-10 times the CPU time):

    step                                               before (one at a time)     after (bulk, columns)
    activation-links CSV, 3,000 experts                40.5 s CPU (436 s wall)    3.2 s CPU (28 s wall)
    close a round, 10,000 applications, 50,000 sheets  11.9 s CPU (158 s wall)    1.9 s CPU (21 s wall)

The generated round has no uploaded PDFs, formal-check verdicts or per-sheet audit events; a real round's
archive also copies every PDF and writes those tables (the formal-check report is bench/scale's own step).
"""

import argparse
import json
import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

from review_app import create_app, db
from review_app.models import (
    Application,
    ApplicationMember,
    ApplicationStatus,
    Assignment,
    AssignmentRun,
    City,
    Criterion,
    Expert,
    Organisation,
    Role,
    RoundKind,
    RoundStage,
    RunStatus,
    ScoreItem,
    ScoreSheet,
    SheetStatus,
    User,
)
from review_app.services import rounds
from review_app.services.assign import problem as assign_problem
from review_app.services.intake import credit_codes, fields
from review_app.services.platform import passwords
from review_app.services.platform.storage import store_for

PASSWORD = "Bench-Passw0rd"
CLAUSES = "责任落实;协同攻关;决策运行;资金筹措;知识产权;利益分配"
FIELDS = fields.DEFAULT_FIELDS


def insert(session: Session, model, objects: list) -> None:
    """Bulk INSERT of model objects (their defaults filled by the model), in chunks."""
    rows = [o.model_dump(exclude={"id"}) for o in objects]
    for start in range(0, len(rows), 5000):
        session.execute(sa.insert(model), rows[start : start + 5000])


def ids(session: Session, column, where) -> list[int]:
    return list(session.execute(select(column).where(where).order_by(column)).scalars())


def make_experts(session: Session, n: int) -> None:
    insert(session, Expert, [
        Expert(code=f"E{i:05d}", name=f"专家{i}", city="南京市", fields=FIELDS[i % len(FIELDS)], title="教授",
               phone=f"138{i:08d}", email=f"e{i}@example.cn")
        for i in range(n)
    ])
    session.add(User(username="admin", role=Role.ADMIN, password_hash=passwords.hash_password(PASSWORD)))
    session.commit()


def make_scoring_round(session: Session, store, n: int, k: int, rng: random.Random) -> int:
    """A round in scoring: `n` applications (a lead and 4 members each), the instance of its assignment
    frozen in the upload store as a solve leaves it, every sheet submitted."""
    review_round = rounds.create_round(session, name="全国规模轮次", kind=RoundKind.NEW_CONSORTIUM, year=2026)
    review_round.stage = RoundStage.SCORING
    session.flush()
    cities = list(session.execute(select(City.id)).scalars())
    insert(session, Organisation, [
        Organisation(credit_code=credit_codes.make("9", "1", "320100", f"{i:08d}"), name=f"单位{i}",
                     is_legal_person=True)
        for i in range(n + 5000)
    ])
    orgs = ids(session, Organisation.id, sa.true())
    code_of = dict(session.execute(select(Organisation.id, Organisation.credit_code)).all())
    insert(session, Application, [
        Application(round_id=review_round.id, code=f"2026{i:06d}", title=f"创新联合体{i}",
                    field=FIELDS[i % len(FIELDS)], city_id=cities[i % len(cities)], lead_org_id=orgs[i],
                    lead_kind="龙头企业", lead_name=f"单位{i}", lead_credit_code=code_of[orgs[i]],
                    agreement_clauses=CLAUSES, necessity="必要性", feasibility="可行性",
                    status=ApplicationStatus.SUBMITTED)
        for i in range(n)
    ])
    apps = ids(session, Application.id, Application.round_id == review_round.id)
    insert(session, ApplicationMember, [
        ApplicationMember(application_id=a, org_id=o, unit_type="企业", position=p, name=f"单位{o}",
                          credit_code=code_of[o])
        for a in apps for p, o in enumerate(rng.sample(orgs[n:], 4), start=1)
    ])
    frozen = assign_problem.freeze_instance(store, assign_problem.build_pool(session, review_round).problem)
    run = AssignmentRun(round_id=review_round.id, status=RunStatus.PUBLISHED, seed=1,
                        options_json=json.dumps({"k": k, "max_load": 20, "min_load": 0, "instance_sha256": frozen}))
    session.add(run)
    session.flush()
    experts = ids(session, Expert.id, sa.true())
    by_field = [experts[f::len(FIELDS)] for f in range(len(FIELDS))]  # expert i has field i mod 32, as app i
    insert(session, Assignment, [
        Assignment(run_id=run.id, round_id=review_round.id, application_id=a, expert_id=e, affinity=1.0)
        for i, a in enumerate(apps)
        for e in (by_field[i % len(FIELDS)][(i // len(FIELDS) * k + j) % len(by_field[i % len(FIELDS)])]
                  for j in range(k))
    ])
    seats = session.execute(select(Assignment.id, Assignment.application_id, Assignment.expert_id)
                            .where(Assignment.round_id == review_round.id)).all()
    criteria = list(session.exec(select(Criterion).where(Criterion.round_id == review_round.id)))
    insert(session, ScoreSheet, [
        ScoreSheet(assignment_id=s.id, round_id=review_round.id, application_id=s.application_id,
                   expert_id=s.expert_id, status=SheetStatus.SUBMITTED, recommend=True, comment="同意",
                   total=Decimal(sum(c.max_points - 2 for c in criteria)))
        for s in seats
    ])
    sheets = ids(session, ScoreSheet.id, ScoreSheet.round_id == review_round.id)
    insert(session, ScoreItem, [
        ScoreItem(sheet_id=s, criterion_id=c.id, points=Decimal(c.max_points - rng.randint(0, 4)))
        for s in sheets for c in criteria
    ])
    session.commit()
    return review_round.id


def timed(label: str, call):
    """Run `call`; print its wall time and this process's CPU time (a shared machine's wall time varies)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = call()
    print(f"{label}: {time.perf_counter() - started:.2f} s wall, {time.process_time() - cpu:.2f} s CPU", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--experts", type=int, default=3000)
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--database-url")
    parser.add_argument("--step", choices=("activation", "close"), action="append",
                        help="only this step (repeatable; default: both)")
    args = parser.parse_args()
    steps = set(args.step or ("activation", "close"))
    folder = Path(tempfile.mkdtemp(prefix="bench-bulk-"))
    url = args.database_url or f"sqlite:///{folder / 'review.db'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "TOTP_REQUIRED_ROLES": (), "UPLOAD_DIR": str(folder / "uploads")},
                     instance_path=str(folder / "instance"))
    engine = app.extensions["db_engine"]
    db.upgrade(engine)
    rng = random.Random(0)
    with app.app_context(), Session(engine) as session:
        timed(f"generate {args.experts} experts", lambda: make_experts(session, args.experts))
        if "close" in steps:
            round_id = timed(f"generate {args.applications} applications, k={args.k}",
                             lambda: make_scoring_round(session, store_for(app.config), args.applications, args.k, rng))
    client = app.test_client()
    assert client.post("/auth/login", data={"username": "admin", "password": PASSWORD}).status_code == 302
    if "activation" in steps:
        response = timed("activation-links CSV", lambda: client.post("/admin/experts/activations.csv"))
        assert response.status_code == 200, response.status_code
        print(f"  {len(response.data.splitlines()) - 1} links")
    if "close" in steps:
        response = timed("close the round (archive included)",
                         lambda: client.post(f"/admin/rounds/{round_id}/stage", data={"to_stage": "closed"}))
        assert response.status_code == 302, response.status_code
    with Session(engine) as session:
        events = session.execute(sa.text("SELECT action FROM audit_events ORDER BY seq DESC LIMIT 3")).scalars()
        print("  last events:", ", ".join(events))
    engine.dispose()


if __name__ == "__main__":
    main()
