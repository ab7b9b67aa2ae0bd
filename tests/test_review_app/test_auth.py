"""Logging in and out, passwords, the login rate limit, CSRF, and the role guard."""

import pytest
from sqlmodel import select

from review_app.models import AuditEvent, User
from tests.conftest import PASSWORD, AuthActions


def test_login_sends_each_role_to_its_dashboard(client, auth, users):
    for key, dashboard in [("admin", "/admin/"), ("nanjing", "/city/"), ("expert", "/expert/"), ("auditor", "/audit/")]:
        assert auth.login(users[key].username).location == "/"
        assert client.get("/").location == dashboard
        assert client.get(dashboard).status_code == 200
        auth.logout()


def test_wrong_password_is_refused_in_chinese_and_audited(client, auth, users, session):
    response = auth.login("admin1", "not-the-password", follow_redirects=True)
    assert "用户名或密码错误" in response.text
    assert client.get("/admin/").status_code == 302  # still anonymous: sent to the login page
    failed = session.exec(select(AuditEvent).where(AuditEvent.action == "login.failed")).all()
    assert [e.actor for e in failed] == ["admin1"]


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(auth, users):
    assert "用户名或密码错误" in auth.login("nobody", PASSWORD, follow_redirects=True).text


def test_logout_ends_the_session_even_for_a_copied_cookie(client, auth, users, app):
    auth.login("admin1")
    stolen = client.get_cookie("review_session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("review_session", stolen)
    assert thief.get("/admin/").status_code == 302


def test_change_password(client, auth, users):
    auth.login("nanjing1")
    response = auth.post(
        "/auth/password",
        {"old_password": PASSWORD, "new_password": "NewPassw0rd", "confirm": "NewPassw0rd"},
        follow_redirects=True,
    )
    assert "密码已修改" in response.text
    auth.logout()
    assert "用户名或密码错误" in auth.login("nanjing1", PASSWORD, follow_redirects=True).text
    assert auth.login("nanjing1", "NewPassw0rd").location == "/"


def test_weak_new_password_is_refused_and_the_old_one_kept(client, auth, users):
    auth.login("nanjing1")
    response = auth.post(
        "/auth/password", {"old_password": PASSWORD, "new_password": "short", "confirm": "short"}, follow_redirects=True
    )
    assert "密码至少 8 位" in response.text
    two_kinds = auth.post(
        "/auth/password",
        {"old_password": PASSWORD, "new_password": "abcdefg1", "confirm": "abcdefg1"},
        follow_redirects=True,
    )
    assert "密码至少 8 位" in two_kinds.text  # lower case and digits only: two kinds of characters
    auth.logout()
    assert auth.login("nanjing1").location == "/"


def test_login_is_rate_limited(client, auth, users):
    for _ in range(5):
        assert auth.login("admin1", "wrong").status_code == 200
    response = auth.login("admin1", PASSWORD)
    assert response.status_code == 429
    assert "尝试次数过多" in response.text


def test_one_accounts_failures_do_not_lock_out_the_office(client, auth, users):
    for _ in range(6):
        auth.login("admin1", "wrong")
    assert auth.login("nanjing1").location == "/"  # same address, another account


def test_a_post_without_csrf_token_is_rejected(client, auth, users, session):
    auth.login("admin1")
    response = client.post("/auth/logout")
    assert response.status_code == 400
    assert "表单已失效" in response.text
    assert client.get("/admin/").status_code == 200  # still logged in: nothing happened


def test_login_form_without_csrf_token_is_rejected(client, users):
    response = client.post("/auth/login", data={"username": "admin1", "password": PASSWORD})
    assert response.status_code == 400


ROLE_PAGES = {"admin": "/admin/", "city": "/city/", "expert": "/expert/", "auditor": "/audit/"}


@pytest.mark.parametrize("who", ["admin", "nanjing", "expert", "auditor"])
def test_each_role_is_refused_elsewhere(client, auth, users, who):
    user: User = users[who]
    auth.login(user.username)
    allowed = {ROLE_PAGES[user.role]}
    if user.role == "admin":
        allowed.add("/audit/")  # the centre reads its own audit log
    if user.role == "auditor":
        allowed.add("/admin/")  # supervision reads everything
    for page in ROLE_PAGES.values():
        expected = 200 if page in allowed else 403
        assert client.get(page).status_code == expected, page


def test_readers_may_read_but_not_post(app, users):
    """The guard's read-only role: the auditor gets GET through and every POST refused."""
    from flask import Blueprint

    from review_app.access import guard
    from review_app.models import Role

    probe = Blueprint("probe", __name__, url_prefix="/probe")
    guard(probe, roles={Role.ADMIN}, readers={Role.AUDITOR})
    probe.add_url_rule("/", "page", lambda: "page", methods=["GET", "POST"])
    app.register_blueprint(probe)
    client = app.test_client()
    auth = AuthActions(client)

    auth.login("auditor1")
    assert client.get("/probe/").status_code == 200
    assert auth.post("/probe/").status_code == 403
    auth.logout()
    auth.login("admin1")
    assert auth.post("/probe/").status_code == 200
    auth.logout()
    auth.login("nanjing1")
    assert client.get("/probe/").status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    for page in [*ROLE_PAGES.values(), "/", "/audit/events", "/audit/verify", "/auth/password"]:
        response = client.get(page)
        assert response.status_code == 302 and response.location.startswith("/auth/login")


def test_session_cookie_flags(client, auth, users):
    auth.login("admin1")
    cookie = client.get_cookie("review_session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_new_passwords_are_stored_as_argon2id_with_owasp_parameters(users):
    stored = users["admin"].password_hash
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$") and PASSWORD not in stored


def test_an_older_scrypt_hash_still_logs_in_and_is_upgraded_at_that_login(client, auth, users, session):
    from werkzeug.security import generate_password_hash

    user = users["nanjing"]
    user.password_hash = generate_password_hash(PASSWORD, method="scrypt")
    session.commit()
    assert "用户名或密码错误" in auth.login("nanjing1", "Wrong-passw0rd", follow_redirects=True).text
    session.refresh(user)
    assert user.password_hash.startswith("scrypt:")  # a failed login changes nothing

    assert auth.login("nanjing1").location == "/"
    session.refresh(user)
    assert user.password_hash.startswith("$argon2id$")
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "user.password_rehash")).all()
    assert [e.target_id for e in events] == [str(user.id)]
    auth.logout()
    assert auth.login("nanjing1").location == "/"  # the same password, now against the new hash
