"""An administrator sets up the second factor in Chromium: the QR code drawn by the app, the code
computed from the shared secret, the recovery codes; then logs in again with a fresh code."""

import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _password(page, live_server):
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("用户名").fill("admin1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/auth/second-factor**")


def test_an_admin_enrols_a_totp_authenticator_and_logs_in_with_it(app, live_server, page, users, output_dir):
    app.config["TOTP_REQUIRED_ROLES"] = ("admin", "auditor")
    _password(page, live_server)
    expect(page.locator("#totp-qr svg")).to_be_visible()
    page.screenshot(path=str(output_dir / "enrol.png"))
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("验证码").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="确认").click()
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    expect(page.locator("body")).to_contain_text("首次登录")
    page.get_by_role("link", name="继续").click()
    page.wait_for_url(f"{live_server}/admin/")

    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{live_server}/auth/login")
    _password(page, live_server)
    page.get_by_label("验证码").fill("123456" if pyotp.TOTP(secret).now() != "123456" else "654321")
    page.get_by_role("button", name="确认").click()
    expect(page.locator("body")).to_contain_text("验证码不正确")
    # The code of the next 30-second step (the current one was used at enrolment and cannot be replayed).
    page.get_by_label("验证码").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="确认").click()
    page.wait_for_url(f"{live_server}/admin/")
    expect(page.locator("body")).to_contain_text("上次登录")
