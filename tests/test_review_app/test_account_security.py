"""Issue 15's account findings: guessing through the change-password form, names told apart by the
lockout, the password policy, rate-limit counters every worker shares, the second-factor limit per
account, sessions after a second-factor reset, the CSRF token across login, TOTP secrets at rest, the
same TOTP code twice at once, the database file's mode, and the activation links."""

import os
import re
import stat
import statistics
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pyotp
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from review_app.models import AuditEvent, User, UserToken
from review_app.models._base import utcnow
from review_app.services.accounts import identity
from review_app.services.platform import passwords
from tests.conftest import PASSWORD, AuthActions, csrf_token
from tests.factories import make_expert
from tests.test_review_app.test_identity import _enrol, _second_factor


def _actions(session, action):
    return session.exec(select(AuditEvent).where(AuditEvent.action == action)).all()


def _change(auth, old, new, confirm=None):
    return auth.post("/auth/password", {"old_password": old, "new_password": new, "confirm": confirm or new})


def _fresh_request_globals():
    """The fixtures keep one app context open, so `g` is shared by every request of a test, unlike in a
    server: forget what Flask-WTF (the signed CSRF token) and Flask-Login (the user) cached there."""
    from flask import g

    g.pop("csrf_token", None)
    g.pop("_login_user", None)


# --- change-password guessing --------------------------------------------------------------------


def test_wrong_current_passwords_are_audited_counted_and_lock_the_account(app, client, auth, users, session):
    app.config["LOGIN_RATE_LIMIT"] = "100 per minute"  # the lockout, not the rate limit, is tested here
    auth.login("nanjing1")
    for n in range(app.config["LOCKOUT_THRESHOLD"]):
        page = _change(auth, f"Guess-{n}-wrong", "Nanjing-Kejiting-9")
        assert page.status_code == 200 and "当前密码不正确" in page.text
    session.expire_all()
    user = session.get(User, users["nanjing"].id)
    assert len(_actions(session, "password_change.failed")) == app.config["LOCKOUT_THRESHOLD"]
    assert identity.locked(user) and _actions(session, "user.lock")
    # the guessing session is over, and the right password no longer changes anything
    _fresh_request_globals()
    assert client.get("/city/").status_code == 302
    assert "锁定" in auth.login("nanjing1").text or auth.login("nanjing1").status_code == 200


def test_the_change_password_form_is_rate_limited_per_account(app, client, auth, users):
    app.config["LOCKOUT_THRESHOLD"] = 0  # never lock: the rate limit alone is tested here
    auth.login("nanjing1")
    answers = [_change(auth, f"Guess-{n}-wrong", "Nanjing-Kejiting-9").status_code for n in range(6)]
    assert answers[:5] == [200] * 5 and answers[5] == 429


# --- names cannot be told apart through the lockout -----------------------------------------------


def _login_answer(client, username, password):
    page = client.get("/auth/login")
    started = time.perf_counter()
    response = client.post("/auth/login", data={"username": username, "password": password,
                                                "csrf_token": csrf_token(page.text)})
    elapsed = time.perf_counter() - started
    flashes = re.findall(r'class="flash[^"]*"[^>]*>([^<]*)<', response.text)
    return flashes, elapsed


def test_a_locked_account_answers_like_an_unknown_name(app, client, users, session):
    app.config["LOGIN_RATE_LIMIT"] = app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"] = "1000 per minute"
    user = session.get(User, users["admin"].id)
    user.failed_logins, user.locked_until = 5, utcnow() + timedelta(minutes=15)
    session.commit()
    locked = [_login_answer(client, "admin1", PASSWORD) for _ in range(5)]
    unknown = [_login_answer(client, "nobody-here", PASSWORD) for _ in range(5)]
    assert {tuple(f) for f, _t in locked} == {tuple(f) for f, _t in unknown}
    assert locked[0][0], "the refusal says something"
    # and as slowly: the password hash is checked for a locked account too (tens of milliseconds)
    assert statistics.median(t for _f, t in locked) > 0.5 * statistics.median(t for _f, t in unknown)


# --- password policy -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "new,says",
    [("Password123", "最常见"), ("Nanjing1-Kejiting", "用户名"), (PASSWORD, "不能与当前密码相同")],
    ids=["common", "user-name", "the-old-one"],
)
def test_the_password_policy_at_a_change(client, auth, users, new, says):
    auth.login("nanjing1")
    page = _change(auth, PASSWORD, new)
    assert page.status_code == 200 and says in page.text
    auth.logout()
    assert auth.login("nanjing1").location == "/"  # the old password still works


def test_the_password_policy_at_the_forced_first_change(client, auth, users, session):
    user = session.get(User, users["expert"].id)
    user.must_change_password = True
    session.commit()
    auth.login("expert1")
    assert "最常见" in _change(auth, PASSWORD, "Qwerty123").text
    assert "不能与当前密码相同" in _change(auth, PASSWORD, PASSWORD).text
    assert _change(auth, PASSWORD, "Zhang-Wei-Pingshen-7").status_code == 302


# --- counters shared by every worker ---------------------------------------------------------------


def _second_worker(database_url, tmp_path):
    from review_app import create_app

    return create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret", "TOTP_REQUIRED_ROLES": ()},
        instance_path=str(tmp_path / "worker2"),
    )


def test_login_attempts_are_counted_across_workers(app, client, users, database_url, tmp_path, session):
    first = AuthActions(client)
    for _ in range(3):
        assert first.login("nanjing1", "Wrong-password-1").status_code == 200
    worker = _second_worker(database_url, tmp_path)  # another process would start its own app like this
    second = AuthActions(worker.test_client())
    answers = [second.login("nanjing1", "Wrong-password-1").status_code for _ in range(3)]
    assert answers == [200, 200, 429]  # 5 per minute for the account and address, whichever worker answers
    from review_app.models import RateCounter

    assert session.exec(select(RateCounter)).all()
    worker.extensions["db_engine"].dispose()


# --- the second factor --------------------------------------------------------------------------------


@pytest.fixture
def totp_app(app):
    app.config["TOTP_REQUIRED_ROLES"] = ("admin", "auditor")
    return app


def test_second_factor_codes_are_limited_per_account_whatever_the_address(totp_app, client, auth, users):
    totp_app.config["LOCKOUT_THRESHOLD"] = 0  # the rate limit alone
    _enrol(client, auth)
    auth.logout()
    auth.login("admin1")
    page = client.get("/auth/second-factor")
    answers = []
    for n in range(6):
        response = client.post("/auth/second-factor", data={"code": "000000", "csrf_token": csrf_token(page.text)},
                               environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"})
        answers.append(response.status_code)
    assert answers[0] == 200 and 429 in answers  # 5 a minute for the account, the enrolment's code included




def test_resetting_the_second_factor_ends_the_accounts_sessions(app, users):
    victim = app.test_client()
    assert AuthActions(victim).login("auditor1").status_code == 302
    assert victim.get("/audit/").status_code == 200
    admin = AuthActions(app.test_client())
    _fresh_request_globals()
    admin.login("admin1")
    assert admin.post(f"/admin/accounts/{users['auditor'].id}/reset-second-factor", {}).status_code == 302
    _fresh_request_globals()
    assert victim.get("/audit/").status_code == 302  # to the login page


def test_the_csrf_token_changes_at_login(client, auth, users):
    before = csrf_token(client.get("/auth/login").text)
    assert auth.client.post("/auth/login", data={"username": "admin1", "password": PASSWORD,
                                                  "csrf_token": before}).status_code == 302
    assert client.post("/auth/logout", data={"csrf_token": before}).status_code == 400
    after = csrf_token(client.get("/auth/password").text)
    assert after != before
    assert client.post("/auth/logout", data={"csrf_token": after}).status_code == 302


def test_totp_secrets_are_stored_sealed(totp_app, client, auth, users, session):
    from review_app.services.platform import sealing

    secret, _codes, _used = _enrol(client, auth)
    session.expire_all()
    stored = session.get(User, users["admin"].id).totp_secret
    assert secret not in stored and sealing.is_sealed(stored)
    assert sealing.unseal(totp_app.secret_key, stored) == secret
    auth.logout()
    auth.login("admin1")
    assert _second_factor(client, pyotp.TOTP(secret).at(time.time() + 30)).status_code == 302


def test_the_migration_seals_secrets_stored_in_clear_and_the_downgrade_unseals_them(app, tmp_path):
    from review_app import db
    from review_app.services.platform import sealing

    engine = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    db.upgrade(engine, "0001")
    clear = pyotp.random_base32()
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO users (username, display_name, role, is_active, must_change_password, session_nonce, "
            "failed_logins, totp_secret, created_at) VALUES ('old', 'old', 'ADMIN', 1, 0, 'n', 0, :s, '2026-01-01')"
        ), {"s": clear})
    with app.app_context():
        db.upgrade(engine)
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT totp_secret FROM users")).scalar_one()
    assert stored != clear and sealing.unseal(app.secret_key, stored) == clear
    with app.app_context():
        db.downgrade(engine, "0001")
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT totp_secret FROM users")).scalar_one() == clear
    engine.dispose()


def test_the_same_code_sent_twice_at_once_logs_in_once(app, users, session):
    from review_app.services.platform import sealing

    user = session.get(User, users["admin"].id)
    secret = pyotp.random_base32()
    with app.test_request_context():
        user.totp_secret = sealing.seal(app.secret_key, secret)
    session.commit()
    code = pyotp.TOTP(secret).now()
    barrier, results, errors = threading.Barrier(2), [], []

    def attempt():
        try:
            with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as own:
                barrier.wait()
                results.append(identity.check_second_factor(own, user=own.get(User, user.id), code=code))
                own.commit()
        except Exception as error:  # noqa: BLE001  (the test reports whatever went wrong)
            errors.append(error)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and sorted(results) == [False, True]


# --- the database file --------------------------------------------------------------------------------


def test_the_instance_database_is_readable_by_its_owner_only(tmp_path, monkeypatch):
    from review_app import create_app

    monkeypatch.delenv("DATABASE_URL", raising=False)
    previous = os.umask(0o022)
    try:
        instance = tmp_path / "instance"
        app = create_app({"TESTING": True, "SECRET_KEY": "k"}, instance_path=str(instance))
        result = app.test_cli_runner().invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        app.extensions["db_engine"].dispose()
    finally:
        os.umask(previous)
    for path in instance.glob("review.db*"):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


# --- activation links -----------------------------------------------------------------------------------


def _issue(auth, expert_id):
    auth.login("admin1")
    page = auth.post(f"/admin/experts/{expert_id}/activation", {}, follow_redirects=True)
    auth.logout()
    found = re.search(r"(http://localhost/auth/activate[^\s<\"]*)", page.text)
    return page, found.group(1) if found else None


def test_the_activation_token_never_travels_in_a_url(client, auth, users, session):
    expert = make_expert(session, code="E7001", name="赵磊")
    session.commit()
    _page, link = _issue(auth, expert.id)
    parts = urlsplit(link)
    assert parts.path == "/auth/activate" and parts.query == "" and len(parts.fragment) > 30
    # what a server sees (and logs) is the path alone; the token arrives in a POST body
    page = client.get(parts.path)
    assert page.status_code == 200 and parts.fragment not in page.text
    form = client.post(parts.path, data={"token": parts.fragment, "csrf_token": csrf_token(page.text)})
    assert form.status_code == 200 and "e7001" in form.text
    assert f'value="{parts.fragment}"' in form.text  # carried on as a hidden field of the password form
    done = client.post(parts.path, data={"token": parts.fragment, "new_password": "Zhao-Lei-2026x",
                                         "confirm": "Zhao-Lei-2026x", "csrf_token": csrf_token(form.text)})
    assert done.status_code == 302 and AuthActions(client).login("e7001", "Zhao-Lei-2026x").location == "/"


def test_an_active_experts_account_gets_no_link_and_an_old_link_resets_nothing(client, auth, users, session):
    expert = make_expert(session, code="E7002", name="钱敏")
    session.commit()
    _page, link = _issue(auth, expert.id)
    # the account gets its password another way (the command line) while the link is still valid
    account = session.exec(select(User).where(User.expert_id == expert.id)).one()
    account.password_hash = passwords.hash_password("Qian-Min-2026x")
    session.commit()
    path, _, token = link.partition("#")
    page = client.get(path)
    assert client.post(path, data={"token": token, "csrf_token": csrf_token(page.text)}).status_code == 404
    tokens = len(session.exec(select(UserToken)).all())
    refused, again = _issue(auth, expert.id)
    assert again is None and "已激活" in refused.text
    session.expire_all()
    assert len(session.exec(select(UserToken)).all()) == tokens
    assert AuthActions(client).login("e7002", "Qian-Min-2026x").location == "/"
