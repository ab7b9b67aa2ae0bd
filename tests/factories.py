"""Builders for test data, through the services where one exists, so tests read like use."""

from sqlmodel import Session, select

from review_app.models import Expert, RankingRun, Role, Round, RoundStage
from review_app.services.accounts import users
from review_app.services.results import rank, selection

PASSWORD = "Passw0rd-test"


def make_user(
    session: Session,
    username: str,
    role: str,
    *,
    city: str | None = None,
    expert_code: str | None = None,
    password: str = PASSWORD,
):
    return users.create_user(
        session, username=username, password=password, role=Role(role), city_name=city, expert_code=expert_code
    )


def make_expert(session: Session, *, code: str, name: str = "专家", fields: str = "集成电路", city: str = "南京市"):
    expert = Expert(code=code, name=name, fields=fields, city=city)
    session.add(expert)
    session.flush()
    return expert


# Review rounds in scoring (issue 7) -------------------------------------------------------------------

_org_counter = iter(range(10_000_000, 99_999_999, 7919))


def make_org(session: Session, name: str, *, city: str = "南京市", kind: str = "企业"):
    from review_app.models import Organisation
    from review_app.services.intake import credit_codes

    body = str(next(_org_counter))[:8]
    org = Organisation(credit_code=credit_codes.make("9", "1", "320100", body), name=name, kind=kind, city=city)
    session.add(org)
    session.flush()
    return org


def make_application(
    session: Session,
    review_round,
    *,
    code: str,
    title: str = "",
    field: str = "集成电路",
    city: str = "南京市",
    lead=None,
    members=(),
):
    from sqlmodel import select

    from review_app.models import Application, ApplicationMember, ApplicationStatus, City
    from review_app.services.intake.organisations import lead_from_register, member_from_register

    city_row = session.exec(select(City).where(City.name == city)).one()
    lead = lead or make_org(session, f"{code}牵头企业有限公司", city=city)
    application = Application(
        round_id=review_round.id,
        code=code,
        title=title or f"江苏省{code}创新联合体",
        field=field,
        city_id=city_row.id,
        lead_kind="龙头企业",
        **lead_from_register(lead),
        agreement_clauses="责任落实;协同攻关;决策运行;资金筹措;知识产权;利益分配",
        necessity="必要性说明",
        feasibility="可行性说明",
        status=ApplicationStatus.SUBMITTED,
    )
    session.add(application)
    session.flush()
    for position, org in enumerate(members, start=1):
        session.add(
            ApplicationMember(
                application_id=application.id,
                unit_type=org.kind or "企业",
                position=position,
                **member_from_register(org),
            )
        )
    session.flush()
    return application


def make_scoring_round(
    session: Session, *, experts, applications: int = 2, deadline_days: float = 10, name: str = "测试轮次"
):
    """A round in scoring: `applications` applications, every expert on every one, one sheet per pair
    (the rows a published assignment makes). Returns (round, applications, sheets)
    with sheets keyed by (expert code, application code)."""
    from datetime import timedelta

    from sqlmodel import select

    from review_app.models import Assignment, AssignmentRun, RoundKind, RoundStage, RunStatus, ScoreSheet
    from review_app.models._base import utcnow
    from review_app.services import rounds

    review_round = rounds.create_round(session, name=name, kind=RoundKind.NEW_CONSORTIUM, year=2026)
    review_round.scoring_deadline = utcnow() + timedelta(days=deadline_days)
    apps = [
        make_application(session, review_round, code=f"2026{review_round.id:02d}{n:02d}")
        for n in range(1, applications + 1)
    ]
    run = AssignmentRun(round_id=review_round.id, status=RunStatus.PROPOSED, seed=1)
    session.add(run)
    session.flush()
    for application in apps:
        for expert in experts:
            pair = Assignment(
                run_id=run.id, round_id=review_round.id, application_id=application.id, expert_id=expert.id
            )
            session.add(pair)
            session.flush()
            # What publishing an assignment creates: one untouched sheet per pair.
            session.add(
                ScoreSheet(
                    assignment_id=pair.id, round_id=review_round.id, application_id=application.id, expert_id=expert.id
                )
            )
    run.status = RunStatus.PUBLISHED
    review_round.stage = RoundStage.SCORING
    session.flush()
    codes = {e.id: e.code for e in experts}
    app_codes = {a.id: a.code for a in apps}
    sheets = {
        (codes[s.expert_id], app_codes[s.application_id]): s
        for s in session.exec(select(ScoreSheet).where(ScoreSheet.round_id == review_round.id))
    }
    return review_round, apps, sheets


def make_round_for_assignment(
    session: Session, *, n_applications: int = 8, field: str = "集成电路", k: int = 3, name: str = "分配测试轮次"
):
    """A round in the assignment stage whose submitted applications all need `field` experts
    (on the demo database, which has the expert pool)."""
    from review_app.models import Application, ApplicationStatus, City, Organisation, RoundKind, RoundStage
    from review_app.services import rounds
    from review_app.services.intake import credit_codes
    from review_app.services.intake.organisations import lead_from_register

    review_round = rounds.create_round(session, name=name, kind=RoundKind.NEW_CONSORTIUM, year=2027)
    review_round.stage = RoundStage.ASSIGNMENT
    review_round.experts_per_application = k
    cities = list(session.exec(select(City).order_by(City.id)))
    for n in range(n_applications):
        # a second round gets units of its own
        body = f"T{n:07d}" if name == "分配测试轮次" else f"T{review_round.id % 100:02d}{n:05d}"
        lead = Organisation(credit_code=credit_codes.make("9", "1", "320100", body), name=f"{name}牵头单位{n}")
        session.add(lead)
        session.flush()
        session.add(
            Application(
                round_id=review_round.id,
                code=f"T{n:03d}",
                title=f"测试联合体{n}",
                field=field,
                city_id=cities[n % len(cities)].id,
                lead_kind="龙头企业",
                **lead_from_register(lead),
                status=ApplicationStatus.SUBMITTED,
            )
        )
    session.commit()
    return review_round


def publish_ranking(session: Session, review_round: Round, *, cutoff: int) -> RankingRun:
    """Rank the round's submitted sheets, select the top `cutoff`, approve and publish (as the centre does)."""
    run = rank.aggregate(session, review_round=review_round, method="calibrated", seed=0, by=None)
    selection.set_cutoff(session, run=run, cutoff=cutoff, by=None)
    review_round.stage = RoundStage.CLOSED
    selection.approve(session, run=run, by=None)
    review_round.stage = RoundStage.PUBLISHED
    session.commit()
    return run


def wait_for_job(session: Session, job_id: int, seconds: float = 60):
    """The job once it is done or failed (polled, as the job page does); AssertionError after `seconds`."""
    import time

    from review_app.models import Job, JobStatus

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        session.expire_all()
        job = session.get(Job, job_id)
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            return job
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


def make_panel_round(
    session: Session, store, *, n_applications: int = 6, size: int = 3, group_apps: int = 3, name: str = "分组评审轮次"
):
    """A round in scoring reviewed in panels (on the demo database's pool): groups of `group_apps`
    applications proposed from the field, one panel of `size` experts each, published. Returns the round."""
    from review_app.services.assign import panel_groups, panel_runs

    review_round = make_round_for_assignment(session, n_applications=n_applications, k=3, name=name)
    choice = panel_groups.SettingsChoice(True, size, size, True, False, group_apps)
    panel_groups.save_settings(session, review_round=review_round, choice=choice, by=None)
    panel_groups.propose(session, review_round=review_round, by=None)
    run = panel_runs.propose(session, review_round=review_round, seed=7, by=None, store=store)
    panel_runs.publish(session, run=run, by=None)
    session.commit()
    return review_round
