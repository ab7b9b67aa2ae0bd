"""Each role logs in through the real login page in Chromium and lands on its Chinese dashboard."""

import pytest
from playwright.sync_api import expect

from review_app import demo

pytestmark = pytest.mark.browser

ROLES = [
    # (username, dashboard path, words the dashboard must show)
    ("admin", "/admin/", ["评审轮次", "下一步", "跟踪专家评审进度", "已提交评分表"]),
    ("nanjing", "/city/", ["南京市科技局", "申报编号", "已推荐 / 限额"]),
    ("e0001", "/expert/", ["您好", "下一步", "已提交"]),
    ("auditor", "/audit/", ["监督", "审计日志完整", "哈希链"]),
]


@pytest.mark.demo
def test_each_role_logs_in_and_sees_its_chinese_dashboard(live_server, page, output_dir):
    for username, path, words in ROLES:
        page.goto(f"{live_server}/")
        assert page.url.startswith(f"{live_server}/auth/login")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(demo.DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server}{path}")
        body = page.locator("main").inner_text()
        for word in words:
            assert word in body, f"{username}: {word!r} missing from {path}"
        page.screenshot(path=output_dir / f"{username}.png", full_page=True)
        page.get_by_role("button", name="退出").click()
        page.wait_for_url(f"{live_server}/auth/login")
        assert "您已退出登录" in page.locator("main").inner_text()
    assert sorted(p.name for p in output_dir.glob("*.png")) == sorted(f"{u}.png" for u, *_ in ROLES)


def test_a_wrong_password_shows_a_chinese_message(live_server, page, users):
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("用户名").fill("admin1")
    page.get_by_label("密码").fill("wrong-password1")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("main")).to_contain_text("用户名或密码错误")
