"""等保 level-3 identity: second factor with recovery codes, lockout and unlock, idle timeout and
absolute lifetime, forced change of an initial password, and the previous login shown after login."""

import time
from datetime import timedelta

import pyotp
import pytest
from sqlmodel import select

from review_app.models import AuditEvent, User
from review_app.services.accounts import identity
from tests.conftest import PASSWORD, csrf_token


@pytest.fixture
def totp_app(app):
    app.config["TOTP_REQUIRED_ROLES"] = ("admin", "auditor")
    return app


def _actions(session, since=0):
    return [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.seq > since).order_by(AuditEvent.seq))]


def _enrol(client, auth, username="admin1"):
    response = auth.login(username)
    assert response.status_code == 302 and "/auth/second-factor" in response.location
    page = client.get("/auth/second-factor")
    assert "<svg" in page.text  # the QR code, drawn by the app
    secret = page.text.split('id="totp-secret">')[1].split("<")[0]
    code = pyotp.TOTP(secret).now()
    done = client.post("/auth/second-factor", data={"code": code, "csrf_token": csrf_token(page.text)})
    assert done.status_code == 200 and 'id="recovery-codes"' in done.text
    codes = [part.split("</code>")[0] for part in done.text.split("<li><code>")[1:]]
    return secret, codes, code


def _second_factor(client, code):
    page = client.get("/auth/second-factor")
    return client.post("/auth/second-factor", data={"code": code, "csrf_token": csrf_token(page.text)})


def test_admin_enrols_then_logs_in_with_a_code_and_once_with_each_recovery_code(totp_app, client, auth, users, session):
    totp_app.config["LOGIN_RATE_LIMIT"] = "100 per minute"  # more codes than a person types in a minute
    secret, codes, used = _enrol(client, auth)
    assert len(codes) == identity.RECOVERY_CODES
    assert client.get("/admin/").status_code == 200
    auth.logout()

    # The password alone is not enough.
    response = auth.login("admin1")
    assert "/auth/second-factor" in response.location
    assert client.get("/admin/").status_code == 302
    assert _second_factor(client, "000000").status_code == 200  # wrong: asked again
    # The enrolment's code is used up (no replay); the next step's code is accepted (clock skew).
    assert _second_factor(client, used).status_code == 200
    ok = _second_factor(client, pyotp.TOTP(secret).at(time.time() + 30))
    assert ok.status_code == 302
    assert client.get("/admin/").status_code == 200
    auth.logout()

    # A recovery code works once.
    auth.login("admin1")
    assert _second_factor(client, codes[0]).status_code == 302
    auth.logout()
    auth.login("admin1")
    assert _second_factor(client, codes[0]).status_code == 200
    actions = _actions(session)
    assert {"totp.enrol", "login.recovery_code", "login.second_factor_failed", "login"} <= set(actions)


def test_a_city_account_needs_no_second_factor(totp_app, client, auth, users):
    response = auth.login("nanjing1")
    assert response.status_code == 302 and "/auth/second-factor" not in response.location


def test_the_second_factor_page_needs_the_password_first(totp_app, client, users):
    response = client.get("/auth/second-factor")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_lockout_after_repeated_failures_is_audited_and_an_admin_unlocks(app, client, auth, users, session):
    app.config["LOCKOUT_THRESHOLD"] = 3
    for _ in range(3):
        auth.login("nanjing1", "wrong-password1")
    user = session.exec(select(User).where(User.username == "nanjing1")).one()
    session.refresh(user)
    assert identity.locked(user)
    # Even the right password is refused while locked.
    response = auth.login("nanjing1", follow_redirects=True)
    assert "锁定" in response.text or "locked" in response.text
    assert client.get("/city/").status_code == 302
    assert "user.lock" in _actions(session) and "login.locked" in _actions(session)

    auth.login("admin1")
    assert "nanjing1" in client.get("/admin/accounts").text
    assert auth.post(f"/admin/accounts/{user.id}/unlock").status_code == 302
    session.refresh(user)
    assert not identity.locked(user) and user.failed_logins == 0
    assert "user.unlock" in _actions(session)
    auth.logout()
    assert auth.login("nanjing1").location.endswith("/")


def test_a_lock_ends_by_itself_after_the_delay(app, auth, users, session):
    app.config["LOCKOUT_THRESHOLD"] = 2
    auth.login("suzhou1", "wrong-password1")
    auth.login("suzhou1", "wrong-password1")
    user = session.exec(select(User).where(User.username == "suzhou1")).one()
    session.refresh(user)
    assert identity.locked(user)
    user.locked_until = user.locked_until - timedelta(minutes=app.config["LOCKOUT_MINUTES"] + 1)
    session.commit()
    assert auth.login("suzhou1").location.endswith("/")


def test_idle_timeout_ends_the_session(app, client, auth, users, session):
    auth.login("nanjing1")
    assert client.get("/city/").status_code == 200
    with client.session_transaction() as cookie:
        cookie["seen_at"] = time.time() - app.config["IDLE_TIMEOUT"].total_seconds() - 5
    response = client.get("/city/")
    assert response.status_code == 302 and "/auth/login" in response.location
    assert client.get("/city/").status_code == 302  # logged out for good
    assert "logout.timeout" in _actions(session)


def test_absolute_lifetime_ends_an_active_session(app, client, auth, users):
    auth.login("nanjing1")
    with client.session_transaction() as cookie:
        cookie["login_at"] = time.time() - app.config["ABSOLUTE_SESSION_LIFETIME"].total_seconds() - 5
    assert "/auth/login" in client.get("/city/").location


def test_an_initial_password_must_be_changed_before_anything_else(client, auth, users, session):
    user = users["nanjing"]
    user.must_change_password = True
    session.commit()
    assert "/auth/password" in auth.login("nanjing1").location
    assert "/auth/password" in client.get("/city/").location
    response = auth.post("/auth/password", data={"old_password": PASSWORD, "new_password": "Newpass123",
                                                  "confirm": "Newpass123"})
    assert response.status_code == 302
    assert client.get("/city/").status_code == 200


def test_the_previous_login_time_and_place_are_shown(client, auth, users):
    first = auth.login("nanjing1", follow_redirects=True)
    assert "首次登录" in first.text or "first login" in first.text
    auth.logout()
    second = auth.login("nanjing1", follow_redirects=True)
    assert "127.0.0.1" in second.text


def test_an_account_made_on_the_command_line_must_change_its_initial_password(runner, client, auth, session):
    assert runner.invoke(args=["create-user", "ops", "--role", "city", "--city", "南京市"],
                         input="Str0ngPass\n").exit_code == 0
    assert "/auth/password" in auth.login("ops", "Str0ngPass").location
    assert "/auth/password" in client.get("/").location


def test_unlock_on_the_command_line(app, runner, auth, users, session):
    app.config["LOCKOUT_THRESHOLD"] = 1
    auth.login("suzhou1", "wrong-password1")
    user = session.exec(select(User).where(User.username == "suzhou1")).one()
    session.refresh(user)
    assert identity.locked(user)
    result = runner.invoke(args=["unlock-user", "suzhou1"])
    assert result.exit_code == 0
    session.refresh(user)
    assert not identity.locked(user)
    assert runner.invoke(args=["unlock-user", "nobody"]).exit_code == 1


def test_the_enrolment_secret_stays_on_the_server_side_of_the_cookie(totp_app, client, auth, users):
    auth.login("admin1")
    first = client.get("/auth/second-factor").text.split('id="totp-secret">')[1].split("<")[0]
    again = client.get("/auth/second-factor").text.split('id="totp-secret">')[1].split("<")[0]
    assert first == again and len(first) == 32  # the same secret on every reload of the page
    cookie = client.get_cookie("review_session").value
    serializer = totp_app.session_interface.get_signing_serializer(totp_app)
    pending = serializer.loads(cookie)["pending_2fa"]
    assert first not in cookie and first not in str(pending)  # the signed cookie is readable: never in it
    auth.login("admin1")  # the password again: a new enrolment
    other = client.get("/auth/second-factor").text.split('id="totp-secret">')[1].split("<")[0]
    assert other != first  # a new login offers a new secret
