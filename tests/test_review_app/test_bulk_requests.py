"""Requests over a whole pool are made in a few statements whatever its size (the activation-links CSV of
3,000 experts took 51 s one expert at a time), and say the same as one at a time did."""

import re
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import select

from review_app.models import AuditEvent, Notification, User, UserToken
from review_app.services.compliance import audit
from tests.factories import make_expert


def _statements(app, send) -> int:
    """How many SQL statements other than INSERTs the app's engine runs while `send()` is served (the new
    rows are inserted one statement each on SQLite, which returns their ids that way; PostgreSQL batches)."""
    count = 0

    def counted(_connection, _cursor, statement, *_args):
        nonlocal count
        count += not statement.lstrip().upper().startswith("INSERT")

    engine = app.extensions["db_engine"]
    sa.event.listen(engine, "before_cursor_execute", counted)
    try:
        send()
    finally:
        sa.event.remove(engine, "before_cursor_execute", counted)
    return count


def _export(auth):
    exported = auth.post("/admin/experts/activations.csv", {})
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    return exported.data.decode("utf-8-sig").splitlines()[1:]


def test_the_activation_links_csv_costs_the_same_statements_for_5_or_40_experts(app, auth, session, users):
    auth.login("admin1")
    for n in range(5):
        make_expert(session, code=f"A{n:03d}", name=f"专家{n}")
    session.commit()
    few = _statements(app, lambda: _export(auth))
    for n in range(5, 40):
        make_expert(session, code=f"A{n:03d}", name=f"专家{n}")
    session.commit()
    lines = []
    many = _statements(app, lambda: lines.extend(_export(auth)))
    assert many == few, (few, many)  # one expert at a time, each would add several
    assert sorted(line.split(",")[0] for line in lines) == [f"A{n:03d}" for n in range(40)]


def test_a_bulk_export_records_what_single_links_did(app, auth, session, users):
    make_expert(session, code="B001", name="钱明").email = "qm@example.cn"
    session.commit()
    auth.login("admin1")
    first = _export(auth)
    second = _export(auth)  # a new link for each: the first ones stop working
    session.expire_all()
    account = session.exec(select(User).where(User.username == "b001")).one()  # expert1 (E9001) is active
    assert account.password_hash is None and len(first) == len(second) == 1
    tokens = session.exec(select(UserToken).where(UserToken.user_id == account.id).order_by(UserToken.id)).all()
    assert len(tokens) == 2 and tokens[0].expires_at <= tokens[0].created_at + timedelta(minutes=1)  # ended
    assert tokens[1].expires_at > tokens[1].created_at + timedelta(days=1)
    assert {re.search(r"#([\w-]+)", line).group(1) for line in first}.isdisjoint(
        re.search(r"#([\w-]+)", line).group(1) for line in second)
    actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.seq))]
    assert actions.count("user.create") == 6 and actions.count("user.activation_link") == 2  # 5: the fixture's
    assert audit.verify(session) == []  # the events written together chain like any others
    mails = session.exec(select(Notification).where(Notification.email == "qm@example.cn")).all()
    assert len(mails) == 2 and all("链接不予保存" in m.body and "/auth/activate#" not in m.body for m in mails)
