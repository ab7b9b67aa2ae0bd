"""The assignment console's feasibility check: a job the centre asks for, its result stored with a
fingerprint of what it depends on, the console showing the last result (and saying when the pool changed
since) without ever running the solver itself."""

import pytest
from sqlmodel import select

from review_app.models import (
    Application,
    ApplicationMember,
    AuditEvent,
    Conflict,
    ConflictSource,
    Expert,
    Job,
    JobStatus,
    Organisation,
)
from review_app.services.assign import feasibility
from tests.factories import make_round_for_assignment, wait_for_job

pytestmark = pytest.mark.demo

STALE = "结果可能已过期，请重新检查"


@pytest.fixture
def fresh_round(session):
    return make_round_for_assignment(session, n_applications=8, k=3)


def _console(client, round_id: int) -> str:
    return client.get(f"/admin/rounds/{round_id}/assignment").text


def _check(auth, session, round_id: int) -> Job:
    response = auth.post(f"/admin/rounds/{round_id}/assignment/check")
    assert response.status_code == 302 and "/admin/jobs/" in response.location
    job = wait_for_job(session, int(response.location.rsplit("/", 1)[1]), seconds=30)
    assert job.status == JobStatus.DONE, job.message
    return job


def test_the_check_job_stores_a_diagnosis_and_is_audited(client, auth, users, session, fresh_round):
    auth.login("admin1")
    page = _console(client, fresh_round.id)
    assert "尚未检查可行性" in page and "存在有效的分配方案" not in page
    assert ">检查可行性</button>" in page

    job = _check(auth, session, fresh_round.id)
    stored = job.result()
    assert stored["diagnosis"]["feasible"] is True and stored["applications"] == 8
    assert stored["fingerprint"] == feasibility.fingerprint(session, review_round=fresh_round)
    asked = select(AuditEvent).where(AuditEvent.action == "job.assignment_check", AuditEvent.round_id == fresh_round.id)
    event = session.exec(asked).one()
    assert event.actor_id == users["admin"].id

    page = client.get(f"/admin/jobs/{job.id}").text
    assert "分配可行性检查" in page and "查看结果" in page
    page = _console(client, fresh_round.id)
    assert "存在有效的分配方案" in page and "检查于" in page and "共 8 项申请" in page
    assert STALE not in page and "尚未检查可行性" not in page


def test_a_change_of_the_pool_flags_the_stored_diagnosis_as_stale(client, auth, users, session, fresh_round):
    auth.login("admin1")
    _check(auth, session, fresh_round.id)
    assert STALE not in _console(client, fresh_round.id)

    # Every expert of the field leaves: the round can no longer be assigned, but the page does not run the
    # solver: it shows the stored result, and says it may be out of date.
    for expert in session.exec(select(Expert).where(Expert.fields.contains("集成电路"))):
        expert.is_active = False
    session.commit()
    page = _console(client, fresh_round.id)
    assert STALE in page and "存在有效的分配方案" in page and "不存在有效的分配方案" not in page
    assert "<td>集成电路</td><td>8</td><td>24</td>\n        <td>0</td><td>0</td><td>24</td>" in page  # counted live

    _check(auth, session, fresh_round.id)
    page = _console(client, fresh_round.id)
    assert STALE not in page and "不存在有效的分配方案" in page


@pytest.mark.parametrize("change", ["conflict", "settings"])
def test_conflicts_and_the_rounds_settings_are_part_of_the_fingerprint(client, auth, users, session, fresh_round,
                                                                       change):
    auth.login("admin1")
    _check(auth, session, fresh_round.id)
    if change == "conflict":
        application = session.exec(select(Application).where(Application.round_id == fresh_round.id)).first()
        expert = session.exec(select(Expert).where(Expert.is_active)).first()
        session.add(Conflict(expert_id=expert.id, application_id=application.id, source=ConflictSource.MANUAL))
    else:
        fresh_round.experts_per_application = 4
    session.commit()
    assert STALE in _console(client, fresh_round.id)


def test_a_change_of_an_applications_member_units_flags_the_stored_diagnosis_as_stale(client, auth, users,
                                                                                       session, fresh_round):
    """Member units are org conflicts (an expert of a member unit may not review the application): a
    member moved to another unit, added or removed makes the stored result stale; what a member declares
    about itself (its name as written) does not."""
    from review_app.services.intake import credit_codes

    auth.login("admin1")
    application = session.exec(select(Application).where(Application.round_id == fresh_round.id)
                               .order_by(Application.id)).first()
    unit = Organisation(credit_code=credit_codes.make("1", "2", "320100", "M0000001"), name="成员测试单位")
    session.add(unit)
    session.flush()
    member = ApplicationMember(application_id=application.id, org_id=unit.id, unit_type="高校", name="成员测试单位")
    session.add(member)
    session.commit()
    _check(auth, session, fresh_round.id)
    assert STALE not in _console(client, fresh_round.id)

    member.name = "成员测试单位（更名）"  # declared data only: who may review is the same
    session.add(member)
    session.commit()
    assert STALE not in _console(client, fresh_round.id)

    expert = session.exec(select(Expert).where(Expert.is_active, Expert.org_id.is_not(None))
                          .order_by(Expert.id)).first()
    member.org_id = expert.org_id  # now the expert's own unit is a member of the application
    session.add(member)
    session.commit()
    assert STALE in _console(client, fresh_round.id)

    _check(auth, session, fresh_round.id)
    assert STALE not in _console(client, fresh_round.id)
    session.delete(member)
    session.commit()
    assert STALE in _console(client, fresh_round.id)


def test_a_queued_check_is_shown_and_only_the_admin_may_ask_for_one(client, auth, users, session, fresh_round):
    job_id = feasibility.start(session, review_round=fresh_round, by=users["admin"])  # not dispatched: queued
    auth.login("admin1")
    page = _console(client, fresh_round.id)
    assert "可行性检查正在进行" in page and f"/admin/jobs/{job_id}" in page
    auth.logout()
    auth.login("auditor1")
    page = _console(client, fresh_round.id)
    assert "可行性检查正在进行" in page and ">检查可行性</button>" not in page
    assert auth.post(f"/admin/rounds/{fresh_round.id}/assignment/check").status_code == 403
    checks = select(Job).where(Job.kind == feasibility.JOB_KIND, Job.round_id == fresh_round.id)
    assert len(session.exec(checks).all()) == 1


def test_a_failed_check_is_said_and_the_last_result_stays(app, client, auth, users, session, fresh_round):
    from review_app.services.platform import jobs

    auth.login("admin1")
    _check(auth, session, fresh_round.id)
    broken = jobs.submit(session, kind=feasibility.JOB_KIND, round_id=fresh_round.id,
                         params={"round_id": 10**9}, by=users["admin"])  # its round is gone: the work fails
    jobs.run(app, broken.id)
    page = _console(client, fresh_round.id)
    assert "上次可行性检查失败" in page and "存在有效的分配方案" in page
