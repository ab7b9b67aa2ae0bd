"""One-time activation links: an expert account from the pool sets its own password, once, in time."""

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from review_app.models import AuditEvent, Expert, Notification, User, UserToken
from review_app.models._base import utcnow
from review_app.services.accounts import users
from review_app.services.review import activation
from tests.conftest import csrf_token
from tests.factories import make_expert


@pytest.fixture
def expert(session, users):
    expert = make_expert(session, code="E7001", name="赵磊")
    expert.email = "zl@example.cn"
    session.commit()
    return expert


def issue(auth, expert) -> str:
    auth.login("admin1")
    page = auth.post(f"/admin/experts/{expert.id}/activation", {})
    assert page.status_code == 200
    link = re.search(r"http://localhost(/auth/activate#[\w-]+)", page.text).group(1)
    auth.logout()
    return link


def open_link(client, link):
    """What the browser does with /auth/activate#TOKEN: GET the path (the fragment stays in the browser),
    then the page's script posts the token."""
    path, _, token = link.partition("#")
    page = client.get(path)
    assert page.status_code == 200 and 'id="activation-start"' in page.text
    return client.post(path, data={"token": token, "csrf_token": csrf_token(page.text)})


def set_password(client, link, password="Zhao2026ok", confirm=None):
    page = open_link(client, link)
    path, _, token = link.partition("#")
    return client.post(
        path,
        data={"token": token, "new_password": password, "confirm": confirm or password,
              "csrf_token": csrf_token(page.text)},
        follow_redirects=True,
    )


def test_the_link_sets_the_password_once(client, auth, session, expert):
    link = issue(auth, expert)
    token_rows = session.exec(select(UserToken)).all()
    assert len(token_rows) == 1 and link.rsplit("#", 1)[1] not in token_rows[0].token_hash  # only the hash
    page = open_link(client, link)
    assert page.status_code == 200 and "e7001" in page.text
    done = set_password(client, link)
    assert "密码已设置" in done.text
    assert auth.login("e7001", "Zhao2026ok").location == "/"
    auth.logout()
    # The link is used up: a second use is refused, and the password stays.
    again = open_link(client, link)
    assert again.status_code == 404 and "链接无效" in again.text
    token = csrf_token(client.get("/auth/login").text)
    path, _, secret = link.partition("#")
    post = client.post(
        path, data={"token": secret, "new_password": "Other2026x", "confirm": "Other2026x", "csrf_token": token}
    )
    assert post.status_code == 404
    assert auth.login("e7001", "Zhao2026ok").location == "/"
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "user.activate")).all()


def test_the_page_states_the_password_policy_it_enforces(client, auth, session, expert):
    """The hint beside the password fields is the policy of `password_problem`, its minimum length read from
    it (not the old "8 characters, with letters and digits", which a three-kinds rule contradicts)."""
    link = issue(auth, expert)
    page = open_link(client, link).text
    n = users.MIN_PASSWORD_LENGTH
    assert f"至少 {n} 位" in page and "至少三类" in page and "不得是最常见的密码" in page and "不得包含用户名" in page
    assert "须包含字母和数字" not in page
    # A password of one character fewer is refused with the same number.
    short = ("Ab1-" * n)[: n - 1]
    refused = set_password(client, link, password=short)
    assert f"密码至少 {n} 位" in refused.text
    assert auth.login("e7001", short).location != "/"
    # The change-password page states the same policy.
    auth.login("admin1")
    assert f"至少 {n} 位" in client.get("/auth/password").text


def test_the_link_expires(client, auth, session, expert):
    link = issue(auth, expert)
    row = session.exec(select(UserToken)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.commit()
    assert open_link(client, link).status_code == 404
    user = session.exec(select(User).where(User.expert_id == expert.id)).one()
    session.refresh(user)
    assert user.password_hash is None


def test_a_new_link_replaces_the_old_one(client, auth, session, expert):
    first = issue(auth, expert)
    second = issue(auth, expert)
    assert open_link(client, first).status_code == 404
    assert open_link(client, second).status_code == 200


def test_a_weak_or_mismatched_password_is_refused_and_the_link_still_works(client, auth, expert):
    link = issue(auth, expert)
    assert "至少 8 位" in set_password(client, link, "short").text
    assert "两次输入的新密码不一致" in set_password(client, link, "Zhao2026ok", "Zhao2026ko").text
    assert open_link(client, link).status_code == 200
    assert "密码已设置" in set_password(client, link).text


def test_an_unknown_token_is_not_found(client, users):
    assert open_link(client, "/auth/activate#not-a-real-token").status_code == 404


def test_without_smtp_the_link_is_not_stored_in_the_outbox(auth, session, expert):
    issue(auth, expert)
    note = session.exec(select(Notification).where(Notification.kind == "activation")).one()
    assert note.sent_at is None and "/auth/activate#" not in note.body


def test_with_smtp_the_link_is_mailed(app, auth, session, expert, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout=None):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent.append(("starttls",))

        def login(self, user, password):
            sent.append(("login", user, password))

        def send_message(self, message):
            sent.append(("send", message["To"], message.get_content()))

    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    app.config["SMTP_URL"] = "smtp://mailer:secret@mail.example.cn:587?from=review@example.cn&starttls=1"
    issue(auth, expert)
    assert sent[0] == ("connect", "mail.example.cn", 587)
    to, body = sent[-1][1], sent[-1][2]
    assert to == "zl@example.cn" and "/auth/activate#" in body
    note = session.exec(select(Notification).where(Notification.kind == "activation")).one()
    assert note.sent_at is not None and "/auth/activate#" not in note.body


def test_an_inactive_expert_gets_no_link(auth, session, expert):
    expert.is_active = False
    session.add(expert)
    session.commit()
    with pytest.raises(activation.ActivationError):
        activation.issue_activation(session, expert=session.get(Expert, expert.id), by=None, link_for=str)
