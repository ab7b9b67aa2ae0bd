"""The auditor's pages in Chromium: the search form fits the page (no sideways scrolling), on a laptop's
width and a narrow window."""

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_the_audit_search_form_fits_the_page(live_server, page, users, output_dir):
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("用户名").fill("auditor1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/audit/")
    for width in (1280, 1024, 800):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server}/audit/events")
        overflow = page.evaluate(
            """() => {
                const form = document.querySelector("form.filters");
                const card = form.closest(".card").getBoundingClientRect();
                return {page: document.documentElement.scrollWidth - window.innerWidth,
                        form: Math.max(...[...form.children].map(e => e.getBoundingClientRect().right)) - card.right};
            }"""
        )
        page.screenshot(path=output_dir / f"events-{width}.png", full_page=True)
        assert overflow["page"] <= 0 and overflow["form"] <= 0, f"{width}px: {overflow}"
    page.get_by_label("操作", exact=False).first.select_option(label="登录")
    page.get_by_role("button", name="搜索").click()
    assert "action=login" in page.url
