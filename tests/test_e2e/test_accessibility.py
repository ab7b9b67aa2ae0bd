"""Readable for older eyes (issue 21): axe-core finds no serious or critical violation on the login page,
each role's dashboard and the page each role reads an application on (the expert's score sheet); the base
text is at least 16 px and the radio buttons are large targets."""

import pytest
from sqlmodel import select

from review_app import demo
from review_app.models import Application, City, Expert, ScoreSheet, SheetStatus
from tests.test_e2e.conftest import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.demo]


def _login(page, live_server, username):
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)


def test_no_serious_accessibility_violation_for_any_role(live_server, page, session, axe_source):
    e0001 = session.exec(select(Expert).where(Expert.code == "E0001")).one()
    draft = session.exec(
        select(ScoreSheet).where(ScoreSheet.expert_id == e0001.id, ScoreSheet.status == SheetStatus.DRAFT)
    ).first()
    nanjing = session.exec(select(City).where(City.name == "南京市")).one()
    own = session.exec(select(Application).where(Application.city_id == nanjing.id)).first()
    pages = {
        "admin": ["/admin/", f"/admin/applications/{own.id}"],
        "auditor": ["/audit/", f"/admin/applications/{own.id}"],
        "nanjing": ["/city/", f"/city/applications/{own.id}"],
        "e0001": [
            "/expert/",
            f"/expert/sheets/{draft.id}",
            f"/expert/rounds/{draft.round_id}/overview",
            f"/expert/sheets/{draft.id}/print",
        ],
    }
    found = {}
    page.goto(f"{live_server}/auth/login")
    found["/auth/login"] = serious_violations(page, axe_source)
    for username, paths in pages.items():
        _login(page, live_server, username)
        for path in paths:
            page.goto(f"{live_server}{path}")
            assert page.url == f"{live_server}{path}", f"{username} was sent elsewhere from {path}"
            found[f"{username} {path}"] = serious_violations(page, axe_source)
        page.context.clear_cookies()
    assert {where: problems for where, problems in found.items() if problems} == {}


def test_text_is_large_and_radio_buttons_are_large_targets(live_server, page, session):
    e0001 = session.exec(select(Expert).where(Expert.code == "E0001")).one()
    draft = session.exec(
        select(ScoreSheet).where(ScoreSheet.expert_id == e0001.id, ScoreSheet.status == SheetStatus.DRAFT)
    ).first()
    _login(page, live_server, "e0001")
    page.goto(f"{live_server}/expert/sheets/{draft.id}")
    size = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 16
    radio = page.get_by_label("推荐", exact=True)
    box = radio.bounding_box()
    assert box["width"] >= 20 and box["height"] >= 20
    label = page.locator("label.check", has=radio).bounding_box()
    assert label["height"] >= 44
