"""In Chromium: a city bureau fills in an application with a member row, uploads its four PDFs and
submits it, submits four more, and is refused the sixth; then the centre runs the formal check and
reads the verdict table."""

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from review_app.models import Application, Attachment
from tests.conftest import PASSWORD
from tests.intake_factories import make_city_application, make_round, pdf_bytes, valid_code

pytestmark = pytest.mark.browser

KINDS = ("application_form", "construction_plan", "agreement", "recommendation", "pledge")


def login(page, live_server, username):
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)


def expect_flash(page, text):
    """The message shown after a form posts; waits for the new page, not the flash of the previous one."""
    expect(page.locator(".flash").first).to_contain_text(text)


def upload_pdfs(page, labels, *, check_name_shown: bool = False):
    """Upload one stamped PDF per kind on an application's page, waiting for each upload's new page: the
    old page already shows the chosen file's name and the previous flash, so text alone cannot tell them
    apart."""
    for index, label in enumerate(labels):
        form = page.locator("form.upload").nth(index)
        name = f"{label}（盖章版）.pdf"
        form.locator("input[type=file]").set_input_files(
            {"name": name, "mimeType": "application/pdf", "buffer": pdf_bytes(label)}
        )
        if check_name_shown:
            expect(form.locator(".file-name")).to_have_text(name)  # shown before uploading
        with page.expect_navigation():
            form.get_by_role("button", name="上传").click()
        expect(page.locator("main")).to_contain_text(name)
        expect_flash(page, "已上传")


def test_a_city_submits_five_the_sixth_is_refused_and_the_centre_checks_them(
    app, live_server, page, users, session, output_dir
):
    with app.test_request_context():
        review_round = make_round(session, quota=5)
    drafts = []
    for n in range(5):
        application = make_city_application(session, review_round, code=f"2026320190{n}", status="draft")
        for kind in KINDS:
            session.add(
                Attachment(application_id=application.id, kind=kind, filename=f"{kind}.pdf", sha256="0" * 64, size=1)
            )
        drafts.append(application)
    drafts[0].revenue_2025 = 8  # fails R3 in the check below
    session.commit()

    login(page, live_server, "nanjing1")
    page.wait_for_url(f"{live_server}/city/")
    page.get_by_role("link", name="新建申报").click()
    page.get_by_label("创新联合体名称").fill("江苏省车规级芯片创新联合体")
    page.get_by_label("技术领域").select_option("集成电路")
    page.get_by_label("牵头单位名称").fill("南京芯华半导体股份有限公司")
    page.get_by_label("牵头单位统一社会信用代码").fill(valid_code())
    page.get_by_label("牵头单位类型").select_option("龙头企业")
    page.get_by_label("2025年销售收入（亿元）").fill("10")
    page.get_by_label("2025年研发投入强度（%）").fill("3")
    for clause in ("责任落实", "协同攻关", "决策运行", "资金筹措", "知识产权", "利益分配"):
        page.get_by_label(clause).check()
    page.get_by_label("单位名称 1").fill("东南大学")
    page.get_by_label("统一社会信用代码 1").fill(valid_code())
    page.get_by_label("单位类型 1").select_option("高校")
    page.get_by_label("独立法人 1").select_option("是")
    page.get_by_role("button", name="增加成员单位").click()
    page.get_by_label("单位名称 2").fill("南京配套电子有限公司")
    page.get_by_label("统一社会信用代码 2").fill(valid_code())
    page.get_by_label("独立法人 2").select_option("是")
    page.get_by_label("必要性意见").fill("车规级芯片是本市集成电路产业链的短板环节。")
    page.get_by_label("可行性意见").fill("牵头单位研发基础扎实，成员分工明确。")
    page.get_by_role("button", name="保存草稿").click()
    expect_flash(page, "草稿已保存")
    upload_pdfs(page, ("申请书", "建设方案", "共建协议", "审核推荐意见", "真实性承诺"))
    page.on("dialog", lambda dialog: dialog.accept())  # "submit to the provincial centre?" and the others
    page.get_by_role("button", name="提交省中心").click()
    expect_flash(page, "已提交省中心")

    for application in drafts[:4]:
        page.goto(f"{live_server}/city/applications/{application.id}")
        page.get_by_role("button", name="提交省中心").click()
        expect_flash(page, "已提交省中心")
    page.goto(f"{live_server}/city/applications/{drafts[4].id}")
    page.get_by_role("button", name="提交省中心").click()
    expect_flash(page, "本市在本轮次已推荐 5 项，已达限额 5 项，不能再提交")
    page.screenshot(path=output_dir / "city-quota.png", full_page=True)
    page.goto(f"{live_server}/city/")
    assert "5 / 5" in page.locator("main").inner_text()
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(re.compile(r".*/auth/login"))

    session.expire_all()
    statuses = [a.status for a in session.exec(select(Application).order_by(Application.id))]
    assert statuses.count("submitted") == 5 and statuses.count("draft") == 1

    login(page, live_server, "admin1")
    page.goto(f"{live_server}/admin/rounds/{review_round.id}")
    # the confirmation "move the round to the formal check?" is accepted by the handler above
    page.get_by_role("button", name="进入：形式审查").click()
    expect_flash(page, "轮次已进入新阶段")
    page.get_by_role("link", name="形式审查", exact=True).first.click()
    page.get_by_role("button", name="运行形式审查").click()
    expect_flash(page, "已审查 5 项申报：1 项有不通过的规则")
    assert page.locator("tr.check-row").count() == 5 * 15
    page.get_by_label("结果").select_option("fail")
    page.get_by_role("button", name="筛选").click()
    rows = page.locator("tr.check-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("低于10亿元")
    page.screenshot(path=output_dir / "admin-check.png", full_page=True)
