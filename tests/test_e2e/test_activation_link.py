"""An expert opens the activation link in Chromium: the token after "#" is posted by the page's script,
never requested as a URL, so the server's access log (werkzeug's request lines here) never holds it."""

import logging

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from review_app.models import Expert, User
from review_app.services.review import activation
from tests.factories import make_expert

pytestmark = pytest.mark.browser


def test_an_expert_sets_the_password_and_the_token_never_reaches_the_access_log(
    app, live_server, page, session, users, caplog, output_dir
):
    caplog.set_level(logging.INFO, logger="werkzeug")
    expert = make_expert(session, code="E7001", name="赵磊")
    session.commit()
    admin = session.get(User, users["admin"].id)
    with app.test_request_context():
        issued = activation.issue_activation(
            session, expert=session.get(Expert, expert.id), by=admin,
            link_for=lambda token: f"{live_server}/auth/activate#{token}",
        )
    session.commit()
    token = issued.link.split("#", 1)[1]

    page.goto(issued.link)
    expect(page.locator("body")).to_contain_text("e7001")  # the password form: the token was accepted
    assert "#" not in page.url  # and taken out of the address bar
    page.get_by_label("新密码", exact=True).fill("Zhao-Lei-2026x")
    page.get_by_label("再次输入新密码").fill("Zhao-Lei-2026x")
    page.screenshot(path=str(output_dir / "activate.png"))
    page.get_by_role("button", name="设置密码").click()
    page.wait_for_url(f"{live_server}/auth/login")
    expect(page.locator("body")).to_contain_text("e7001")

    requests = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any("/auth/activate" in line for line in requests)
    assert not any(token in line for line in requests)
    session.expire_all()
    assert session.exec(select(User).where(User.username == "e7001")).one().password_hash is not None
