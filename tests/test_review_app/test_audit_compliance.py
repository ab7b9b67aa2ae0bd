"""The audit log for 等保: the auditor's search and CSV export (itself audited), and retention that never
removes events younger than 6 months and keeps the chain verifiable after a prune."""

import csv
import io
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import select

from review_app.models import AuditEvent, RoundKind
from review_app.models._base import utcnow
from review_app.services import rounds
from review_app.services.compliance import audit

_counter = iter(range(10_000))


def _events(session, n=3):
    for year in range(2020, 2020 + n):
        rounds.create_round(session, name=f"评审{year}-{next(_counter)}", kind=RoundKind.ANNUAL_EVALUATION, year=year)
    session.commit()


def _listed(page: str) -> str:
    """The events table of a page (not the search form, whose choices name every action)."""
    return page.split('<table class="table audit-events">', 1)[1]


def test_the_auditor_searches_and_exports_and_the_export_is_audited(client, auth, users, session):
    _events(session)
    auth.login("nanjing1", "wrong-password1")
    auth.login("auditor1")
    page = _listed(client.get("/audit/events?action=login.failed").text)
    assert "登录失败" in page and "新建轮次" not in page
    assert "新建轮次" in _listed(client.get("/audit/events?q=评审2021-").text)
    assert "新建轮次" not in _listed(client.get("/audit/events?actor=nobody").text)
    today = utcnow().date().isoformat()
    assert "新建轮次" in _listed(client.get(f"/audit/events?since={today}&until={today}&target=Round").text)
    response = client.get("/audit/events.csv?action=round.create")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 3 and {r["action"] for r in rows} == {"round.create"}
    assert all(len(r["hash"]) == 64 for r in rows)
    exported = session.exec(select(AuditEvent).where(AuditEvent.action == "audit.export")).one()
    assert exported.actor == "auditor1" and '"rows": 3' in exported.details
    assert audit.verify(session) == []


def test_a_user_name_typed_at_a_failed_login_is_no_formula_in_the_export(client, auth, users, session):
    """Issue 15: the `actor` column held the name an anonymous visitor typed; every cell is neutralised."""
    planted = '=HYPERLINK("http://evil.example","点此")'
    auth.login(planted, "wrong-password1")
    auth.login("auditor1")
    rows = list(csv.DictReader(io.StringIO(client.get("/audit/events.csv?action=login.failed").data
                                           .decode("utf-8-sig"))))
    assert [r["actor"] for r in rows] == ["'" + planted]
    assert rows[0]["details"].startswith("{") and planted.replace('"', '\\"') in rows[0]["details"]


def test_the_log_cannot_be_changed_from_the_app(client, auth, users):
    auth.login("auditor1")
    for url in ("/audit/events", "/audit/events.csv", "/audit/verify"):
        assert auth.post(url).status_code in (403, 405)


def test_retention_never_removes_events_younger_than_six_months(session):
    _events(session)
    result = audit.prune(session, retention_days=30, now=utcnow() + timedelta(days=100))
    session.commit()
    assert result.removed == 0
    assert session.exec(select(sa.func.count()).select_from(AuditEvent)).one() == 3


def test_pruning_keeps_the_chain_verifiable(session):
    _events(session, 4)
    result = audit.prune(session, retention_days=200, now=utcnow() + timedelta(days=201))
    session.commit()
    assert result.removed == 4 and result.through_seq == 4
    remaining = list(session.exec(select(AuditEvent).order_by(AuditEvent.seq)))
    assert [e.action for e in remaining] == [audit.PRUNE_ACTION]
    _events(session, 2)
    assert audit.verify(session) == []
    # A later edit is still caught.
    session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 6).values(details='{"x": 1}'))
    session.commit()
    assert [(p.seq, p.kind) for p in audit.verify(session)] == [(6, "changed")]


def test_a_second_prune_starts_from_the_newest_checkpoint(session):
    _events(session, 2)
    audit.prune(session, retention_days=183, now=utcnow() + timedelta(days=184))
    session.commit()
    _events(session, 2)
    audit.prune(session, retention_days=183, now=utcnow() + timedelta(days=184))
    session.commit()
    assert audit.verify(session) == []


def test_the_prune_command_does_nothing_unless_configured(app, runner, session):
    _events(session)
    result = runner.invoke(args=["audit-prune"])
    assert result.exit_code == 0 and "nothing pruned" in result.output
    app.config["AUDIT_RETENTION_DAYS"] = 10  # raised to the 6-month floor: these events stay
    result = runner.invoke(args=["audit-prune"])
    assert result.exit_code == 0 and "removed 0 event(s)" in result.output
    assert session.exec(select(sa.func.count()).select_from(AuditEvent)).one() == 3
