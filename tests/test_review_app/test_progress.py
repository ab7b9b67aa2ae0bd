"""Scoring progress: counts per application and expert, overdue experts, reminders and the outbox; the
sheets the centre lists and the expert's own counts."""

from datetime import timedelta

import pytest
from sqlmodel import func, select

from review_app.models import Notification, Round, ScoreSheet, SheetStatus, User
from review_app.models._base import utcnow
from review_app.services.review import progress, workspace

pytestmark = pytest.mark.demo


@pytest.fixture
def demo_round(session):
    return session.exec(select(Round).order_by(Round.id)).first()


def test_counts_add_up_to_the_sheets(session, demo_round):
    board = progress.round_progress(session, review_round=demo_round)
    for status in SheetStatus:
        stored = session.exec(
            select(func.count())
            .select_from(ScoreSheet)
            .where(ScoreSheet.round_id == demo_round.id, ScoreSheet.status == status)
        ).one()
        assert sum(getattr(row.counts, status.value) for row in board.applications) == stored
        assert sum(getattr(row.counts, status.value) for row in board.experts) == stored
    assert len(board.applications) == 65


def test_experts_with_open_sheets_are_overdue_after_the_deadline(session, demo_round):
    assert not any(row.overdue for row in progress.round_progress(session, review_round=demo_round).experts)
    demo_round.scoring_deadline = utcnow() - timedelta(hours=1)
    session.commit()
    board = progress.round_progress(session, review_round=demo_round)
    assert {row.expert.id for row in board.experts if row.overdue} == {
        row.expert.id for row in board.experts if row.counts.open
    }
    assert board.experts[0].overdue  # overdue experts come first


def test_reminders_go_to_the_outbox_without_smtp(client, auth, users, session, demo_round):
    auth.login("admin1")
    page = client.get(f"/admin/rounds/{demo_round.id}/progress").text
    assert "评审进度" in page and "按专家" in page
    response = auth.post(f"/admin/rounds/{demo_round.id}/progress/remind", follow_redirects=True)
    open_experts = {
        row.expert.id for row in progress.round_progress(session, review_round=demo_round).experts if row.counts.open
    }
    assert f"已提醒 {len(open_experts)} 位" in response.text
    reminders = session.exec(select(Notification).where(Notification.kind == "reminder")).all()
    assigned = session.exec(  # the demo's publication of the assignment told every expert (issue 17)
        select(Notification).where(Notification.round_id == demo_round.id, Notification.kind == "assigned")
    ).all()
    assert len(reminders) == len(open_experts) and all(n.sent_at is None for n in reminders)
    outbox = client.get(f"/admin/rounds/{demo_round.id}/outbox.csv")
    assert outbox.data.startswith(b"\xef\xbb\xbf")
    lines = outbox.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "时间,电子邮箱,主题,内容" and len(lines) == 1 + len(assigned) + len(reminders)
    assert "等待您评分" in lines[-1]


def test_the_auditor_sees_progress_but_cannot_remind(client, auth, users, session, demo_round):
    auth.login("auditor1")
    page = client.get(f"/admin/rounds/{demo_round.id}/progress").text
    some_expert = progress.round_progress(session, review_round=demo_round).experts[0].expert
    assert some_expert.code in page and some_expert.name not in page  # codes only: names are for the centre
    assert auth.post(f"/admin/rounds/{demo_round.id}/progress/remind").status_code == 403
    reminders = select(func.count()).select_from(Notification).where(Notification.kind == "reminder")
    assert session.exec(reminders).one() == 0


def test_the_score_sheet_page_and_the_progress_page_read_the_same_sheets(session, demo_round):
    board = progress.round_progress(session, review_round=demo_round)
    stored = session.exec(select(func.count()).select_from(ScoreSheet).where(ScoreSheet.round_id == demo_round.id))
    assert board.counts[""] == len(board.rows) == stored.one()
    for status in SheetStatus:
        assert board.counts[status.value] == sum(getattr(row.counts, status.value) for row in board.applications)
    drafts = progress.round_progress(session, review_round=demo_round, status="draft").rows
    assert len(drafts) == board.counts["draft"] and all(r.active and r.sheet.status == "draft" for r in drafts)


def test_the_experts_dashboard_counts_their_active_sheets(session, demo_round):
    user = session.exec(
        select(User).where(User.expert_id.in_(select(ScoreSheet.expert_id).where(ScoreSheet.round_id == demo_round.id)))
    ).first()
    board = workspace.dashboard(session, user=user)
    sheets = session.exec(select(ScoreSheet).where(ScoreSheet.expert_id == user.expert_id)).all()
    assert sheets and sum(board.summary.by_status.values()) == sum(len(w.active) for w in board.rounds) == len(sheets)
    assert board.summary.expert.id == user.expert_id
