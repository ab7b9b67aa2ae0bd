"""The score sheet in Chromium (issue 21): full-width digits count in the live total as the server stores
them, an exponent is refused on the page, the PDF sits beside the form on a wide screen, and a stale tab
gets a banner at the top with two choices that never drop what the tab holds. Screenshots of the sheet
on a wide and a narrow screen go to test-output/<this test>/sheet-wide.png and sheet-narrow.png."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from review_app.demo.documents import Facts, application_form
from review_app.models import Attachment, AttachmentKind, Criterion, Expert, PledgeAcceptance, ScoreSheet
from review_app.models._base import utcnow
from review_app.services.platform import storage
from tests.conftest import PASSWORD
from tests.factories import make_scoring_round

pytestmark = pytest.mark.browser


@pytest.fixture
def sheet_world(app, session, users):
    """expert1 on two applications of a round in scoring, pledge accepted, no conflict declared on the first
    (whose 申请书 is a generated PDF)."""
    expert = session.get(Expert, users["expert"].expert_id)
    review_round, apps, sheets = make_scoring_round(session, experts=[expert], applications=2)
    application = apps[0]
    facts = Facts(
        code=application.code, title=application.title, field=application.field, topic="高端轴承", city="南京市",
        lead_name=application.lead_name, lead_kind="龙头企业", revenue=Decimal("35.20"), rd_intensity=Decimal("5.1"),
        keywords=["轴承", "精密制造"], abstract="围绕高端轴承开展联合攻关。", necessity="必要。", feasibility="可行。",
        city_opinion="同意推荐。", clauses=["责任落实"], members=[("东南大学", "高校")],
    )
    data = application_form(facts)
    session.add(
        Attachment(
            application_id=application.id,
            kind=AttachmentKind.APPLICATION_FORM,
            filename="shenqingshu.pdf",
            sha256=storage.store_for(app.config).put(data),
            size=len(data),
        )
    )
    session.add(PledgeAcceptance(round_id=review_round.id, expert_id=expert.id, accepted_at=utcnow()))
    sheet = sheets[("E9001", application.code)]
    sheet.declaration = "none_declared"
    session.commit()
    criteria = list(
        session.exec(select(Criterion).where(Criterion.round_id == review_round.id).order_by(Criterion.position))
    )
    return sheet, criteria


def _login(page, live_server):
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("用户名").fill("expert1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/expert/")


def _stored(session, sheet_id):
    session.expire_all()
    return session.get(ScoreSheet, sheet_id)


def test_full_width_digits_count_in_the_live_total_as_stored_and_an_exponent_is_refused(
    live_server, page, session, sheet_world, output_dir
):
    sheet, criteria = sheet_world
    first, second, third = criteria[:3]
    page.set_viewport_size({"width": 1600, "height": 1000})
    _login(page, live_server)
    page.goto(f"{live_server}/expert/sheets/{sheet.id}")
    total = page.locator("#sheet-total")

    page.get_by_label(first.title).fill("８")  # full-width eight
    page.get_by_label(second.title).fill("１２．５")
    expect(total).to_have_text("20.5")
    expect(page.locator("#save-status")).to_contain_text("自动保存", timeout=10_000)
    assert _stored(session, sheet.id).total == Decimal("20.5")

    page.get_by_label(third.title).fill("1e1")  # not ten: refused on the page as on the server
    expect(page.get_by_label(third.title)).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f'[data-error-for="points_{third.id}"]')).to_contain_text("不是有效数字")
    expect(total).to_have_text("20.5")
    expect(page.locator("#save-status")).to_contain_text("已保存", timeout=10_000)
    assert _stored(session, sheet.id).total == Decimal("20.5")
    page.reload()
    expect(total).to_have_text("20.5")

    # The PDF beside the form on a wide screen; the list by kind with its size.
    reader = page.locator("iframe.pdf-reader")
    expect(reader).to_be_visible()
    assert "/files/" in reader.get_attribute("src")
    expect(page.locator("ul.materials")).to_contain_text("申请书")
    form_box, reader_box = page.locator("#sheet-form").bounding_box(), reader.bounding_box()
    assert reader_box["x"] + reader_box["width"] <= form_box["x"]  # side by side
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(1500)  # the PDF viewer draws its first page
    page.screenshot(path=output_dir / "sheet-wide.png", full_page=False)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator("iframe.pdf-reader")).to_be_hidden()
    expect(page.locator("ul.materials")).to_be_visible()
    page.screenshot(path=output_dir / "sheet-narrow.png", full_page=True)
    assert (output_dir / "sheet-wide.png").stat().st_size > 0 and (output_dir / "sheet-narrow.png").stat().st_size > 0


def test_a_stale_tab_gets_a_banner_with_two_choices_and_keeps_what_it_holds(
    live_server, page, session, sheet_world
):
    sheet, criteria = sheet_world
    first = criteria[0]
    page.set_viewport_size({"width": 900, "height": 1000})
    _login(page, live_server)
    page.goto(f"{live_server}/expert/sheets/{sheet.id}")
    other = page.context.new_page()  # a second tab of the same expert
    other.goto(f"{live_server}/expert/sheets/{sheet.id}")

    other.get_by_label(first.title).fill("15")
    expect(other.locator("#save-status")).to_contain_text("自动保存", timeout=10_000)

    # This tab still holds the old version: its save is refused and the banner appears at the top.
    page.get_by_label(first.title).fill("11")
    page.get_by_label("评审意见").fill("本窗口写的意见")
    banner = page.locator("#stale-banner")
    expect(banner).to_be_visible(timeout=10_000)
    assert banner.bounding_box()["y"] < 200
    expect(page.get_by_label(first.title)).to_have_value("11")  # nothing dropped
    page.get_by_role("button", name="保存草稿").click()  # a post would be refused: the banner again, input kept
    expect(banner).to_be_visible()
    expect(page.get_by_label(first.title)).to_have_value("11")
    assert _stored(session, sheet.id).total == Decimal("15")

    # Load the newer version: this tab's entries are listed and can be put back.
    page.get_by_role("button", name="载入较新的版本").click()
    expect(page.get_by_label(first.title)).to_have_value("15")
    restored = page.locator("#restored")
    expect(restored).to_be_visible()
    expect(restored).to_contain_text("11")
    expect(restored).to_contain_text("本窗口写的意见")
    page.get_by_role("button", name="把这些内容填回评分表").click()
    expect(page.get_by_label(first.title)).to_have_value("11")
    expect(page.locator("#save-status")).to_contain_text("自动保存", timeout=10_000)
    assert _stored(session, sheet.id).total == Decimal("11")

    # The other tab is now stale: keep its entries and overwrite, after confirmation.
    other.get_by_label(first.title).fill("9")
    expect(other.locator("#stale-banner")).to_be_visible(timeout=10_000)
    questions = []
    other.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    other.get_by_role("button", name="保留本窗口的内容并覆盖").click()
    expect(other.locator("#save-status")).to_contain_text("自动保存", timeout=10_000)
    assert "覆盖" in questions[0]
    expect(other.locator("#stale-banner")).to_be_hidden()
    assert _stored(session, sheet.id).total == Decimal("9")
