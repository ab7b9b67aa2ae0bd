"""The audit log: events are chained, and editing or deleting one is detected."""

import sqlalchemy as sa
from sqlmodel import select

from review_app.models import AuditEvent, RoundKind
from review_app.services import rounds
from review_app.services.compliance import audit


def _three_events(session):
    for year in (2024, 2025, 2026):
        rounds.create_round(session, name="年度评审", kind=RoundKind.ANNUAL_EVALUATION, year=year)
    session.commit()
    return list(session.exec(select(AuditEvent).order_by(AuditEvent.seq)))


def test_state_changes_are_chained(session):
    events = _three_events(session)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == audit.GENESIS_HASH
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert [e.action for e in events] == ["round.create"] * 3
    assert audit.verify(session) == []


def test_an_edited_event_is_detected(session, runner):
    events = _three_events(session)
    session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 2).values(details='{"name": "改过的"}'))
    session.commit()
    problems = audit.verify(session)
    assert [(p.seq, p.kind) for p in problems] == [(2, "changed")]
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1 and "event 2" in result.output
    assert events


def test_a_deleted_event_is_detected(session, runner):
    _three_events(session)
    session.execute(sa.delete(AuditEvent).where(AuditEvent.seq == 2))
    session.commit()
    assert {p.seq for p in audit.verify(session)} == {3}
    assert runner.invoke(args=["audit-verify"]).exit_code == 1


def test_a_deleted_newest_event_is_detected(session):
    _three_events(session)
    session.execute(sa.delete(AuditEvent).where(AuditEvent.seq == 3))
    session.commit()
    assert [p.kind for p in audit.verify(session)] == ["truncated"]


def test_an_intact_log_verifies(session, runner):
    _three_events(session)
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 0 and "intact" in result.output


def test_logins_are_audited_with_the_address(client, auth, users, session):
    auth.login("admin1")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "login")).one()
    assert event.actor == "admin1" and event.ip == "127.0.0.1"


def test_the_auditor_sees_a_tampered_log_on_the_page(client, auth, users, session):
    _three_events(session)
    session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 1).values(actor="someone else"))
    session.commit()
    auth.login("auditor1")
    assert "审计日志已被篡改" in client.get("/audit/").text
    assert "发现 1 处问题" in client.get("/audit/verify").text
