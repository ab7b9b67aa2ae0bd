"""The close of a round in Chromium: the centre approves the ranking, starts the public notice (公示),
records an objection and answers it, and, once the period is over, records the final decision; the
decision list it downloads is the final one, and the city bureau finds the outcome and its notifications."""

import io
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlmodel import select

from review_app.models import PublicityNotice, RankingRun, RoundStage
from review_app.services.results import rank
from tests.factories import make_user
from tests.test_e2e.test_full_round import _login, _logout
from tests.test_e2e.test_results_lock import _aggregate_cut_and_approve, closed_round  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

NUMBER = "苏科高发〔2026〕99号"


def test_from_approval_through_the_notice_and_an_objection_to_the_decision(
    live_server, page, session, closed_round, output_dir  # noqa: F811 (the imported fixture)
):
    base, rid = live_server, closed_round.id
    make_user(session, "njcity", "city", city="南京市")
    session.commit()
    page.on("dialog", lambda dialog: dialog.accept())
    _login(page, base, "centre")
    page.goto(f"{base}/admin/rounds/{rid}/results")
    _aggregate_cut_and_approve(page, 2)

    page.goto(f"{base}/admin/rounds/{rid}")
    page.get_by_role("link", name="公示与最终决定").click()
    expect(page.locator("#notice")).to_contain_text("默认公示期为 5 个工作日")
    page.get_by_label("省中心异议受理联系方式").fill("评审管理部 025-83350000")
    page.get_by_role("button", name="开始公示").click()
    expect(page.locator("main")).to_contain_text("公示已开始")
    expect(page.locator("#notice")).to_contain_text("公示期内")
    expect(page.locator("#final-list tbody tr")).to_have_count(2)

    session.rollback()
    final = session.exec(select(RankingRun).where(RankingRun.round_id == rid, RankingRun.is_final)).one()
    ranked = rank.results(session, run=final)
    listed = [r.application for r in ranked if r.result.selected]
    expect(page.locator("#objections details")).to_have_attribute("open", "")  # open while there is none
    page.locator("#new-objection select[name=application_id]").select_option(str(listed[1].id))
    page.get_by_label("异议人", exact=True).fill("陈建国")
    page.get_by_label("异议内容").fill("该联合体成员单位的共建协议签署日期晚于申报截止日期。")
    page.get_by_role("button", name="登记异议").click()
    expect(page.locator("main")).to_contain_text("第 1 号异议已登记")
    page.locator("#answer-form select[name=answer]").select_option("maintain")
    page.locator("#answer-form textarea[name=reasons]").fill("经核查，共建协议签署日期符合通知要求。")
    page.get_by_role("button", name="发送答复").click()
    expect(page.locator("main")).to_contain_text("答复已登记")
    expect(page.locator("#objections")).to_contain_text("已答复: 维持")
    expect(page.locator("#decision")).to_contain_text("公示期至")  # the decision waits for the period's end
    page.screenshot(path=output_dir / "notice.png", full_page=True)

    # The period passes: its days move into the past.
    notice = session.exec(select(PublicityNotice).where(PublicityNotice.round_id == rid)).one()
    notice.starts_on -= timedelta(days=14)
    notice.ends_on = notice.starts_on + timedelta(days=6)
    session.commit()
    page.reload()
    page.get_by_label("文号").fill(NUMBER)
    page.get_by_role("button", name="登记最终决定并锁定本轮").click()
    expect(page.locator("#decision")).to_contain_text(f"已决定：{NUMBER}")
    expect(page.get_by_role("button", name="登记异议")).to_have_count(0)
    page.screenshot(path=output_dir / "decided.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="决定名单（PDF）").click()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(download.value.path().read_bytes())).pages)
    assert NUMBER in text and all(a.code in text for a in listed)
    assert not any(r.application.code in text for r in ranked if not r.result.selected)
    session.expire_all()  # see what the server wrote
    assert session.get(type(closed_round), rid).stage == RoundStage.DECIDED

    _logout(page)
    _login(page, base, "njcity")
    expect(page.locator("#unread-count")).to_have_text("3")  # the notice, the answer to the objection, the decision
    expect(page.locator("td.outcome").first).to_contain_text(f"最终入选（{NUMBER}）")
    page.locator(".inbox-link").click()
    expect(page.locator("#inbox")).to_contain_text(NUMBER)
    page.screenshot(path=output_dir / "city.png", full_page=True)
