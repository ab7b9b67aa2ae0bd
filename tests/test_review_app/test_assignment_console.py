"""The centre's assignment console: diagnose, run as a job, preview, pin and forbid, publish, replace."""

import time

import pytest
from sqlmodel import func, select

from review_app.models import (
    Assignment,
    AssignmentRun,
    AssignmentState,
    AuditEvent,
    Conflict,
    ConflictSource,
    Expert,
    Job,
    JobStatus,
    RoundStage,
    RunStatus,
    ScoreSheet,
)
from review_app.services import dashboard
from review_app.services.assign import proposals
from review_app.services.assign.problem import RunChoices
from review_app.services.platform.storage import store_for
from tests.factories import make_round_for_assignment, wait_for_job

pytestmark = pytest.mark.demo


@pytest.fixture
def fresh_round(session):
    return make_round_for_assignment(session, n_applications=8, k=3)


@pytest.fixture
def store(app):
    """The upload store, where a solve freezes its instance."""
    return store_for(app.config)


def _wait_for(session, job_id: int) -> Job:
    return wait_for_job(session, job_id, seconds=30)


def _checked_console(client, auth, session, round_id: int) -> str:
    """The console after the centre asked for the feasibility check (a job) and it finished: its page."""
    response = auth.post(f"/admin/rounds/{round_id}/assignment/check")
    assert response.status_code == 302 and "/admin/jobs/" in response.location
    job = _wait_for(session, int(response.location.rsplit("/", 1)[1]))
    assert job.status == JobStatus.DONE, job.message
    target = client.get(f"/admin/jobs/{job.id}.json").json["target"]
    assert target.endswith(f"/rounds/{round_id}/assignment#diagnosis")
    return client.get(target).text


def _run(client, auth, round_id: int, **options) -> AssignmentRun:
    response = auth.post(f"/admin/rounds/{round_id}/assignment/run", {k: v for k, v in options.items()})
    assert response.status_code == 302 and "/admin/jobs/" in response.location
    job_id = int(response.location.rsplit("/", 1)[1])
    return job_id


def test_run_preview_publish(client, auth, users, session, fresh_round):
    auth.login("admin1")
    page = _checked_console(client, auth, session, fresh_round.id)
    assert "存在有效的分配方案" in page and "不存在有效的分配方案" not in page

    job_id = _run(client, auth, fresh_round.id, seed="42")
    job = _wait_for(session, job_id)
    assert job.status == JobStatus.DONE, job.message
    run_id = job.result()["run_id"]
    status = client.get(f"/admin/jobs/{job_id}.json").json
    assert status["status"] == "done" and status["target"].endswith(f"/runs/{run_id}")

    preview = client.get(status["target"]).text
    assert "T000" in preview and "随机种子" in preview and "42" in preview
    pairs = session.exec(select(Assignment).where(Assignment.run_id == run_id)).all()
    assert len(pairs) == 8 * 3
    panel_orgs = {}
    for pair in pairs:
        expert = session.get(Expert, pair.expert_id)
        assert "集成电路" in expert.field_list
        panel_orgs.setdefault(pair.application_id, []).append(expert.org_id)
    assert all(len(set(orgs)) == len(orgs) for orgs in panel_orgs.values())  # org-diverse by default

    assert (
        session.exec(select(func.count()).select_from(ScoreSheet).where(ScoreSheet.round_id == fresh_round.id)).one()
        == 0
    )  # a proposal gives nobody work yet
    response = auth.post(f"/admin/rounds/{fresh_round.id}/assignment/runs/{run_id}/publish", follow_redirects=True)
    assert "已发布" in response.text
    session.expire_all()
    assert session.get(AssignmentRun, run_id).status == RunStatus.PUBLISHED
    assert fresh_round.stage == RoundStage.SCORING or session.get(type(fresh_round), fresh_round.id).stage == "scoring"
    assert (
        session.exec(select(func.count()).select_from(ScoreSheet).where(ScoreSheet.round_id == fresh_round.id)).one()
        == 24
    )
    actions = {e.action for e in session.exec(select(AuditEvent).where(AuditEvent.round_id == fresh_round.id))}
    assert {"job.assignment", "assignment.propose", "assignment.publish", "round.stage"} <= actions


def test_the_same_seed_draws_the_same_panels(session, fresh_round, store):
    first = proposals.propose(session, review_round=fresh_round, choices=RunChoices(seed=7), by=None, store=store)
    second = proposals.propose(session, review_round=fresh_round, choices=RunChoices(seed=7), by=None, store=store)
    session.commit()

    def panels(run):
        return sorted(
            (p.application_id, p.expert_id) for p in session.exec(select(Assignment).where(Assignment.run_id == run.id))
        )

    assert panels(first) == panels(second)


def test_only_one_publication(session, fresh_round, store):
    first = proposals.propose(session, review_round=fresh_round, choices=RunChoices(seed=1), by=None, store=store)
    second = proposals.propose(session, review_round=fresh_round, choices=RunChoices(seed=2), by=None, store=store)
    session.commit()
    proposals.publish(session, run=first, by=None)
    session.commit()
    with pytest.raises(proposals.AssignError):
        proposals.publish(session, run=second, by=None)
    session.rollback()
    assert session.get(AssignmentRun, second.id).status == RunStatus.SUPERSEDED


def test_pins_and_forbids_hold_in_the_next_run(client, auth, users, session, fresh_round, store):
    first = proposals.propose(session, review_round=fresh_round, choices=RunChoices(seed=3), by=None, store=store)
    session.commit()
    seat = session.exec(select(Assignment).where(Assignment.run_id == first.id)).first()
    forbidden = session.get(Expert, seat.expert_id)
    outsider = session.exec(
        select(Expert).where(
            Expert.fields.contains("集成电路"),
            Expert.id.not_in(
                [a.expert_id for a in session.exec(select(Assignment).where(Assignment.run_id == first.id))]
            ),
        )
    ).first()
    auth.login("admin1")
    for expert, kind in ((forbidden, "forbid"), (outsider, "pin")):
        response = auth.post(
            f"/admin/rounds/{fresh_round.id}/assignment/pins",
            {
                "application_code": "T000" if kind == "pin" else _code(session, seat),
                "expert_code": expert.code,
                "kind": kind,
                "reason": "测试",
            },
        )
        assert response.status_code == 302
    run = proposals.propose(session, review_round=fresh_round, choices=RunChoices(seed=3), by=None, store=store)
    pairs = {
        (p.application_id, p.expert_id): p for p in session.exec(select(Assignment).where(Assignment.run_id == run.id))
    }
    assert (seat.application_id, forbidden.id) not in pairs
    pinned = [p for (a, e), p in pairs.items() if e == outsider.id]
    assert len(pinned) == 1 and pinned[0].pinned


def _code(session, seat):
    from review_app.models import Application

    return session.get(Application, seat.application_id).code


def test_an_impossible_round_is_diagnosed(client, auth, users, session, runner):
    impossible = make_round_for_assignment(session, n_applications=3, field="深海采矿", k=3)  # nobody's field
    auth.login("admin1")
    # No expert of the field: 3 applications need 9 seats, nobody can give one (counted on every view).
    assert "<td>深海采矿</td><td>3</td><td>9</td>\n        <td>0</td><td>0</td><td>9</td>" in client.get(
        f"/admin/rounds/{impossible.id}/assignment").text
    page = _checked_console(client, auth, session, impossible.id)
    assert "不存在有效的分配方案" in page and "T000" in page
    assert "<td>深海采矿</td><td>3</td><td>9</td>\n        <td>0</td><td>0</td><td>9</td>" in page
    result = runner.invoke(args=["assign", "--round", str(impossible.id)])
    assert result.exit_code == 2 and '"feasible": false' in result.output
    assert session.exec(select(AssignmentRun).where(AssignmentRun.round_id == impossible.id)).one().status == (
        RunStatus.INFEASIBLE
    )


def test_a_recusal_is_replaced_without_moving_anyone_else(client, auth, users, session, fresh_round, store):
    run = proposals.propose(session, review_round=fresh_round, choices=RunChoices(seed=5), by=None, store=store)
    session.commit()
    proposals.publish(session, run=run, by=None)
    session.commit()
    seat = session.exec(select(Assignment).where(Assignment.run_id == run.id)).first()
    seat.state = AssignmentState.RECUSED
    session.add(
        Conflict(
            expert_id=seat.expert_id,
            application_id=seat.application_id,
            source=ConflictSource.DECLARED,
            reason="合作关系",
        )
    )
    session.commit()
    before = {
        (a.application_id, a.expert_id)
        for a in session.exec(
            select(Assignment).where(Assignment.run_id == run.id, Assignment.state == AssignmentState.ACTIVE)
        )
    }

    auth.login("admin1")
    page = client.get(f"/admin/rounds/{fresh_round.id}/assignment").text
    assert "申请回避" in page or "声明回避" in page
    response = auth.post(f"/admin/rounds/{fresh_round.id}/assignment/seats/{seat.id}/replace", follow_redirects=True)
    assert "其他专家均未变动" in response.text
    session.expire_all()
    after = {
        (a.application_id, a.expert_id)
        for a in session.exec(
            select(Assignment).where(Assignment.run_id == run.id, Assignment.state == AssignmentState.ACTIVE)
        )
    }
    assert before <= after and len(after - before) == 1
    ((new_app, new_expert),) = after - before
    assert new_app == seat.application_id and new_expert != seat.expert_id
    assert session.get(Assignment, seat.id).state == AssignmentState.REPLACED
    assert session.exec(
        select(ScoreSheet)
        .join(Assignment)
        .where(Assignment.expert_id == new_expert, Assignment.application_id == new_app)
    ).one()


def test_the_auditor_reads_the_console_and_cannot_run_it(client, auth, users, session, fresh_round):
    auth.login("auditor1")
    assert client.get(f"/admin/rounds/{fresh_round.id}/assignment").status_code == 200
    assert auth.post(f"/admin/rounds/{fresh_round.id}/assignment/run", {"seed": "1"}).status_code == 403
    assert session.exec(select(func.count()).select_from(Job).where(Job.round_id == fresh_round.id)).one() == 0


def test_a_job_whose_process_died_shows_as_interrupted(client, auth, users, session, fresh_round):
    from datetime import timedelta

    from review_app.models._base import utcnow
    from review_app.services.platform import jobs

    job_id = proposals.start(session, review_round=fresh_round, choices=RunChoices(seed=1), by=None)
    job = session.get(Job, job_id)
    job.status, job.created_at = JobStatus.RUNNING, utcnow() - timedelta(hours=2)  # its thread never came back
    session.commit()
    auth.login("admin1")
    assert client.get(f"/admin/jobs/{job_id}.json").json["status"] == "failed"
    assert "interrupted" in client.get(f"/admin/jobs/{job_id}").text
    assert jobs.get(session, job_id).status == JobStatus.FAILED


def test_with_a_worker_the_job_waits_for_flask_run_jobs(app, client, auth, users, session, fresh_round, runner):
    app.config["JOB_RUNNER"] = "worker"
    auth.login("admin1")
    job_id = _run(client, auth, fresh_round.id, seed="7")
    time.sleep(0.5)
    assert client.get(f"/admin/jobs/{job_id}.json").json["status"] == "queued"  # no thread took it

    result = runner.invoke(args=["run-jobs", "--once"])
    assert result.exit_code == 0 and "1 job(s) run" in result.output, result.output
    status = client.get(f"/admin/jobs/{job_id}.json").json
    assert status["status"] == "done" and "/runs/" in status["target"]
    run = session.get(AssignmentRun, int(status["target"].rsplit("/", 1)[1]))
    assert run.seed == 7 and run.status == RunStatus.PROPOSED  # the worker solved the run the admin asked for
    assert client.get(status["target"]).status_code == 200
    assert "0 job(s) run" in runner.invoke(args=["run-jobs", "--once"]).output  # nothing left


def test_a_job_is_claimed_once(session, fresh_round):
    from review_app.services.platform import jobs

    job_id = proposals.start(session, review_round=fresh_round, choices=RunChoices(seed=1), by=None)
    assert jobs.claim(session, job_id) is True
    assert jobs.claim(session, job_id) is False  # a second worker (or thread) finds it taken
    session.expire_all()
    assert session.get(Job, job_id).status == JobStatus.RUNNING


def test_a_misspelt_job_runner_stops_the_app_at_start(tmp_path):
    from review_app import create_app

    with pytest.raises(ValueError, match="JOB_RUNNER"):
        create_app({"JOB_RUNNER": "wroker", "DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path))


def test_the_dashboard_counts_only_published_panels(session, fresh_round, store):
    def panels_on_dashboard():
        return next(s.panels for s in dashboard.admin_overview(session) if s.round.id == fresh_round.id)

    run = proposals.propose(session, review_round=fresh_round, choices=RunChoices(seed=4), by=None, store=store)
    session.commit()
    assert panels_on_dashboard() == 0  # a proposal is a preview, nobody is assigned yet
    proposals.publish(session, run=run, by=None)
    proposals.propose(session, review_round=fresh_round, choices=RunChoices(seed=5), by=None, store=store)
    session.commit()
    assert panels_on_dashboard() == 8  # the newer proposal adds nothing


def test_the_previews_figures_are_the_active_seats_own(client, auth, users, session, fresh_round, store):
    """Loads, the share of single reviews, the mean load, the weakest panel and the graph's parts, counted
    by the database: what the active seats give when counted here one by one (a recused seat left out)."""
    run = proposals.propose(session, review_round=fresh_round, choices=RunChoices(seed=9), by=None, store=store)
    seats = session.exec(select(Assignment).where(Assignment.run_id == run.id).order_by(Assignment.id)).all()
    seats[0].state = AssignmentState.RECUSED
    session.commit()
    active = [s for s in seats if s.state == AssignmentState.ACTIVE]
    loads: dict[int, int] = {}
    strength: dict[int, float] = {}
    for seat in active:
        loads[seat.expert_id] = loads.get(seat.expert_id, 0) + 1
        strength[seat.application_id] = strength.get(seat.application_id, 0.0) + seat.affinity
    histogram: dict[int, int] = {}
    for n in loads.values():
        histogram[n] = histogram.get(n, 0) + 1
    part = {("a", s.application_id): ("a", s.application_id) for s in active}
    part.update({("e", s.expert_id): ("e", s.expert_id) for s in active})

    def root(node):
        while part[node] != node:
            node = part[node]
        return node

    for seat in active:
        part[root(("a", seat.application_id))] = root(("e", seat.expert_id))
    parts = len({root(node) for node in part})

    auth.login("admin1")
    page = client.get(f"/admin/rounds/{fresh_round.id}/assignment/runs/{run.id}").text
    share, mean = 100 * histogram.get(1, 0) / len(loads), len(active) / len(loads)
    assert f"{share:.0f}% 的专家只评审一个项目" in page
    assert f"专家平均评审 {mean:.1f} 个项目；专家组构成 {parts} 个连通组" in page
    assert f'<div class="stat-value">{min(strength.values()):.2f}</div><div class="stat-label">最弱专家组匹配度' in page
    bars = page.split('<svg class="histogram"')[1].split("</svg>")[0]
    shown = [int(t.split(">")[1].split("<")[0]) for t in bars.split("<text")[1:]]
    assert list(zip(shown[1::2], shown[0::2], strict=True)) == sorted(histogram.items())  # (load, experts)


def test_a_retired_experts_seats_are_on_the_replacement_list(client, auth, users, session, fresh_round, store):
    run = proposals.propose(session, review_round=fresh_round, choices=RunChoices(seed=5), by=None, store=store)
    session.commit()
    proposals.publish(session, run=run, by=None)
    session.commit()
    seat = session.exec(select(Assignment).where(Assignment.run_id == run.id)).first()
    retired = session.get(Expert, seat.expert_id)
    retired.is_active = False
    session.commit()
    seats = session.exec(select(Assignment).where(Assignment.run_id == run.id,
                                                  Assignment.expert_id == retired.id)).all()
    auth.login("admin1")
    page = client.get(f"/admin/rounds/{fresh_round.id}/assignment").text
    listed = page[page.index('id="replacements"'):]
    assert listed.count("专家已停用") == len(seats) >= 1 and retired.code in listed
