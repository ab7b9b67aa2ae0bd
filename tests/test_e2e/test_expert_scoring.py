"""An expert does the whole job in Chromium: pledge, a declared conflict, a score sheet that autosaves,
survives a reload, is submitted after confirmation and is then locked."""

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from review_app.models import Assignment, AssignmentState, Criterion, Expert, ScoreSheet, SheetStatus
from tests.conftest import PASSWORD
from tests.factories import make_scoring_round

pytestmark = pytest.mark.browser

COMMENT = "牵头单位行业地位突出，攻关任务聚焦关键核心技术，成员分工清晰，共建协议完备，建议予以支持。"


def test_an_expert_declares_a_conflict_scores_reloads_submits_and_sees_the_sheet_locked(
    live_server, page, session, users, output_dir
):
    expert = session.get(Expert, users["expert"].expert_id)
    review_round, apps, sheets = make_scoring_round(session, experts=[expert], applications=2)
    criteria = list(
        session.exec(select(Criterion).where(Criterion.round_id == review_round.id).order_by(Criterion.position))
    )
    session.commit()
    conflicted, scored = apps

    page.goto(f"{live_server}/auth/login")
    page.get_by_label("用户名").fill("expert1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/expert/")
    body = page.locator("main")
    expect(body).to_contain_text(conflicted.code)
    expect(body).to_contain_text(scored.code)

    # The pledge, once per round.
    page.get_by_role("link", name="阅读承诺书").click()
    expect(body).to_contain_text("本人承诺")
    page.get_by_label("本人已阅读并同意遵守上述承诺。").check()
    page.get_by_role("button", name="接受并继续").click()
    expect(body).to_contain_text("已于")

    # A conflict on the first application: withdrawn, with its reason.
    page.locator("tr", has_text=conflicted.code).get_by_role("link").click()
    expect(body).to_contain_text("利益冲突声明")
    page.get_by_label("存在利益冲突", exact=False).check()
    page.get_by_label("回避理由").fill("本人近三年与牵头单位有合作项目")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="确认声明").click()
    page.wait_for_url(f"{live_server}/expert/")
    expect(body).to_contain_text("您已申请回避该申请")
    assert "确定申请回避吗" in questions[0]  # asked before withdrawing
    expect(page.locator("tr", has_text=conflicted.code)).to_contain_text("已回避")

    # The second application: no conflict, then the score sheet.
    page.locator("tr", has_text=scored.code).get_by_role("link").click()
    page.get_by_label("无利益冲突", exact=False).check()
    page.get_by_role("button", name="确认声明").click()
    expect(body).to_contain_text("评分表")
    for criterion in criteria:
        page.get_by_label(criterion.title).fill(str(criterion.max_points - 3))
    page.get_by_label("评审意见").fill(COMMENT)
    page.get_by_label("推荐", exact=True).check()
    expect(page.locator("#save-status")).to_contain_text("自动保存", timeout=10_000)
    page.screenshot(path=output_dir / "draft.png", full_page=True)

    # A reload shows the draft exactly as typed.
    page.reload()
    for criterion in criteria:
        expect(page.get_by_label(criterion.title)).to_have_value(f"{criterion.max_points - 3}")
    expect(page.get_by_label("评审意见")).to_have_value(COMMENT)
    expect(page.get_by_label("推荐", exact=True)).to_be_checked()

    # A score above the maximum is refused visibly, and nothing typed is lost.
    first = criteria[0]
    page.get_by_label(first.title).fill(str(first.max_points + 5))
    page.get_by_role("button", name="保存草稿").click()
    expect(body).to_contain_text(f"超出 0–{first.max_points} 分")
    expect(page.get_by_label(first.title)).to_have_value(str(first.max_points + 5))
    page.get_by_label(first.title).fill(str(first.max_points - 3))

    # Submit: a confirmation page, then the lock.
    page.get_by_role("button", name="检查并提交…").click()
    page.wait_for_url(f"{live_server}/expert/sheets/*/confirm")
    expect(body).to_contain_text("提交后评分表即锁定")
    page.get_by_role("button", name="确认提交评分表").click()
    expect(body).to_contain_text("评分表已提交并锁定")
    expect(page.locator(".locked")).to_contain_text("已锁定")
    assert page.locator("input[name^=points_]").count() == 0
    page.screenshot(path=output_dir / "locked.png", full_page=True)

    session.expire_all()
    sheet = session.get(ScoreSheet, sheets[("E9001", scored.code)].id)
    assert sheet.status == SheetStatus.SUBMITTED and sheet.comment == COMMENT and sheet.recommend is True
    assert sheet.total == sum(c.max_points - 3 for c in criteria)
    withdrawn = session.get(ScoreSheet, sheets[("E9001", conflicted.code)].id)
    assert session.get(Assignment, withdrawn.assignment_id).state == AssignmentState.RECUSED
