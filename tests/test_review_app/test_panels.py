"""Panel mode in the app (issue 18, step 1): settings, groups proposed and moved by hand, the panel solve as
a job, preview, pins, publication (every member scores every application of the group) and replacement."""

import pytest
from sqlmodel import func, select

from review_app.models import (
    Assignment,
    AssignmentRun,
    AuditEvent,
    Expert,
    JobStatus,
    Notification,
    PanelGroup,
    PanelSeat,
    RunStatus,
    ScoreSheet,
)
from review_app.services.assign import panel_groups, panel_runs
from review_app.services.platform.storage import store_for
from tests.factories import make_round_for_assignment, wait_for_job

pytestmark = pytest.mark.demo


@pytest.fixture
def panel_round(session):
    review_round = make_round_for_assignment(session, n_applications=8, k=3)
    choice = panel_groups.SettingsChoice(True, 3, 4, True, False, 4)
    panel_groups.save_settings(session, review_round=review_round, choice=choice, by=None)
    session.commit()
    return review_round


def _count(session, model, *where) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_groups_panels_preview_publish_and_replace(client, auth, users, session, panel_round):
    auth.login("admin1")
    rid = panel_round.id
    page = auth.post(f"/admin/rounds/{rid}/panels/groups/propose", follow_redirects=True).text
    assert "已按技术领域和文本提出 2 个分组" in page
    assert "T000" in page and "第 2 组" in page
    moved = auth.post(f"/admin/rounds/{rid}/panels/groups/move", {"application_code": "T000", "number": "2"},
                      follow_redirects=True).text
    assert "已移至第 2 组" in moved
    sizes = sorted(len(apps) for _g, apps in panel_groups.groups(session, rid))
    assert sizes == [3, 5]

    response = auth.post(f"/admin/rounds/{rid}/panels/run", {"seed": "11"})
    job = wait_for_job(session, int(response.location.rsplit("/", 1)[1]))
    assert job.status == JobStatus.DONE, job.message
    run_id = job.result()["run_id"]
    target = client.get(f"/admin/jobs/{job.id}.json").json["target"]
    assert target.endswith(f"/panels/runs/{run_id}")
    preview = client.get(target).text
    assert "专家组总匹配度" in preview and "组长" in preview and "11" in preview

    seats = session.exec(select(PanelSeat).where(PanelSeat.run_id == run_id)).all()
    by_group: dict[int, list[PanelSeat]] = {}
    for seat in seats:
        by_group.setdefault(seat.group_id, []).append(seat)
        assert "集成电路" in session.get(Expert, seat.expert_id).field_list
    assert sorted(len(s) for s in by_group.values()) == [4, 4]  # the most expertise fills the largest panel
    assert len({s.expert_id for s in seats}) == 8  # groups without a date meet the same day: nobody sits twice
    assert all(sum(s.is_leader for s in group) == 1 for group in by_group.values())
    assert _count(session, Assignment, Assignment.run_id == run_id) == 4 * 3 + 4 * 5
    assert _count(session, ScoreSheet, ScoreSheet.round_id == rid) == 0

    store = store_for(client.application.config)
    again = panel_runs.propose(session, review_round=panel_round, seed=11, by=None, store=store)
    session.commit()
    replayed = session.exec(select(PanelSeat).where(PanelSeat.run_id == again.id))
    assert sorted((s.group_id, s.expert_id) for s in replayed) == sorted((s.group_id, s.expert_id) for s in seats)

    published = auth.post(f"/admin/rounds/{rid}/panels/runs/{run_id}/publish", follow_redirects=True).text
    assert "专家组已发布：32 份评分表" in published
    assert _count(session, ScoreSheet, ScoreSheet.round_id == rid) == 32
    assert _count(session, Notification, Notification.kind == "panels.published") == 8
    session.expire_all()
    assert session.get(AssignmentRun, again.id).status == RunStatus.SUPERSEDED
    refused = auth.post(f"/admin/rounds/{rid}/panels/groups/move", {"application_code": "T001", "number": "1"},
                        follow_redirects=True).text
    assert "专家组已发布，分组和设置不能再修改" in refused

    leaving = next(s for s in seats if not s.is_leader)
    replaced = auth.post(f"/admin/rounds/{rid}/panels/seats/{leaving.id}/replace", follow_redirects=True).text
    assert "已替换" in replaced
    session.expire_all()
    newcomer = session.exec(select(PanelSeat).where(PanelSeat.run_id == run_id, PanelSeat.state == "active",
                                                    PanelSeat.group_id == leaving.group_id)).all()
    assert leaving.expert_id not in {s.expert_id for s in newcomer} and len(newcomer) == 4
    group_size = next(len(apps) for g, apps in panel_groups.groups(session, rid) if g.id == leaving.group_id)
    assert _count(session, ScoreSheet, ScoreSheet.round_id == rid) == 32 + group_size
    actions = {e.action for e in session.exec(select(AuditEvent).where(AuditEvent.round_id == rid))}
    assert {"panels.settings", "panels.propose_groups", "panels.move", "panels.propose", "assignment.publish",
            "panels.replace"} <= actions


def test_the_diagnosis_names_the_short_group_and_field(client, auth, users, session, panel_round):
    auth.login("admin1")
    rid = panel_round.id
    panel_groups.propose(session, review_round=panel_round, by=None)
    group = session.exec(select(PanelGroup).where(PanelGroup.round_id == rid, PanelGroup.number == 2)).one()
    panel_groups.set_field(session, group=group, field="量子引力", by=None)
    session.commit()
    run = panel_runs.propose(session, review_round=panel_round, seed=None, by=None,
                             store=store_for(client.application.config))
    session.commit()
    assert run.status == RunStatus.INFEASIBLE
    page = client.get(f"/admin/rounds/{rid}/panels/runs/{run.id}").text
    assert "第 2 组（技术领域：量子引力）：可用专家 0 位，专家组至少需要 3 位" in page


def test_every_application_needs_a_group_and_pins_are_kept(client, auth, users, session, panel_round):
    auth.login("admin1")
    rid = panel_round.id
    page = auth.post(f"/admin/rounds/{rid}/panels/run", {"seed": "1"}, follow_redirects=True).text
    assert "请先把每项申请放入一个分组：T000" in page
    panel_groups.propose(session, review_round=panel_round, by=None)
    session.commit()
    expert = session.exec(select(Expert).where(Expert.fields.contains("集成电路")).order_by(Expert.code.desc())).first()
    pinned = auth.post(f"/admin/rounds/{rid}/panels/pins", {"number": "1", "expert_code": expert.code, "kind": "pin",
                                                            "reason": "熟悉该组"}, follow_redirects=True).text
    assert expert.code in pinned and "熟悉该组" in pinned
    store = store_for(client.application.config)
    run = panel_runs.propose(session, review_round=panel_round, seed=3, by=None, store=store)
    session.commit()
    group = panel_groups.group_by_number(session, rid, 1)
    seats = session.exec(select(PanelSeat).where(PanelSeat.run_id == run.id, PanelSeat.group_id == group.id)).all()
    assert expert.id in {s.expert_id for s in seats} and any(s.pinned for s in seats)


def test_an_expert_or_city_cannot_reach_the_panel_console(client, auth, users, panel_round):
    auth.login("expert1")
    assert client.get(f"/admin/rounds/{panel_round.id}/panels").status_code == 403
    auth.logout()
    auth.login("auditor1")
    assert client.get(f"/admin/rounds/{panel_round.id}/panels").status_code == 200
    assert auth.post(f"/admin/rounds/{panel_round.id}/panels/groups/propose").status_code == 403
