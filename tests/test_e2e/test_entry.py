"""In Chromium, issue 16 end to end: a city bureau enters an application with a service-body member (the
field from the round's list, each member's 独立法人, the testing body's CMA number, the pledge of
truthfulness), submits it as its fifth, orders its five, prints the summary and uploads the stamped scan;
the centre sends one back for correction and corrects another's field at the check; the city corrects the
returned one and resubmits it, and the check runs again."""

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from review_app.models import Application, Attachment, AuditEvent, CitySubmission, SendBack
from tests.intake_factories import make_city_application, make_round, pdf_bytes, valid_code
from tests.test_e2e.test_city_intake import expect_flash, login, upload_pdfs

pytestmark = pytest.mark.browser

KINDS = ("application_form", "construction_plan", "agreement", "recommendation", "pledge")
UPLOADS = ("申请书", "建设方案", "共建协议", "审核推荐意见", "真实性承诺")


def logout(page):
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(re.compile(r".*/auth/login"))


def test_a_city_enters_orders_and_stamps_the_centre_sends_back_and_corrects(
    app, live_server, page, users, session, output_dir
):
    with app.test_request_context():
        review_round = make_round(session, quota=5)
    others = []
    for n in range(4):
        application = make_city_application(session, review_round, code=f"2026320180{n}")
        application.recommend_rank = n + 1  # submitted through the portal earlier
        for kind in KINDS[:4]:
            session.add(Attachment(application_id=application.id, kind=kind, filename=f"{kind}.pdf",
                                   sha256="0" * 64, size=1))
        others.append(application)
    others[3].field = "智能网联汽车"  # a free-text field from before the list: the centre corrects it
    session.commit()
    page.on("dialog", lambda dialog: dialog.accept())  # every confirmation is accepted

    # the city enters its fifth application, with a testing body among the members
    login(page, live_server, "nanjing1")
    page.get_by_role("link", name="新建申报").click()
    page.get_by_label("创新联合体名称").fill("江苏省车规级碳化硅创新联合体")
    page.get_by_label("技术领域").select_option("第三代半导体")
    page.get_by_label("牵头单位名称").fill("南京芯华半导体股份有限公司")
    page.get_by_label("牵头单位统一社会信用代码").fill(valid_code())
    page.get_by_label("牵头单位类型").select_option("领军企业")
    for clause in ("责任落实", "协同攻关", "决策运行", "资金筹措", "知识产权", "利益分配"):
        page.get_by_label(clause).check()
    page.get_by_label("单位名称 1").fill("东南大学")
    page.get_by_label("统一社会信用代码 1").fill(valid_code())
    page.get_by_label("单位类型 1").select_option("高校")
    page.get_by_label("独立法人 1").select_option("是")
    page.get_by_role("button", name="增加成员单位").click()
    page.get_by_label("单位名称 2").fill("江苏省产品质量监督检验研究院")
    page.get_by_label("统一社会信用代码 2").fill(valid_code())
    page.get_by_label("单位类型 2").select_option("检验检测机构")
    page.get_by_label("独立法人 2").select_option("是")
    page.get_by_label("资质或服务能力 2").fill("CMA 201019000123")
    page.get_by_label("必要性意见").fill("碳化硅功率器件是本市集成电路产业链的短板环节。")
    page.get_by_label("可行性意见").fill("牵头单位研发基础扎实，检验检测机构提供车规级认证。")
    expect(page.locator(".char-count").first).to_be_visible()
    page.get_by_role("button", name="保存草稿").click()
    expect_flash(page, "草稿已保存")
    expect(page.locator("main")).to_contain_text("CMA 201019000123")
    expect(page.locator("main")).to_contain_text("PDF 格式，不超过 20 MB")
    upload_pdfs(page, UPLOADS, check_name_shown=True)
    page.get_by_role("button", name="提交省中心").click()
    expect_flash(page, "已提交省中心")
    session.expire_all()
    entered = session.exec(select(Application).where(Application.title == "江苏省车规级碳化硅创新联合体")).one()
    assert entered.recommend_rank == 5

    # it orders its five: the new one first, prints the summary and uploads the stamped scan
    page.goto(f"{live_server}/city/")
    page.get_by_role("link", name="推荐排序及上传盖章汇总表").click()
    expect(page.locator("tr.recommendation")).to_have_count(5)
    page.get_by_label(f"{entered.code} 的排序").fill("1")
    for n, application in enumerate(others, start=2):
        page.get_by_label(f"{application.code} 的排序").fill(str(n))
    page.get_by_role("button", name="保存排序").click()
    expect_flash(page, "排序已保存")
    with page.expect_download() as download:
        page.get_by_role("link", name="打印推荐汇总表（PDF）").click()
    assert download.value.suggested_filename.endswith(".pdf")
    page.locator("form.upload input[type=file]").set_input_files(
        {"name": "南京市推荐汇总表（盖章）.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("盖章")}
    )
    page.get_by_role("button", name="上传盖章扫描件").click()
    expect_flash(page, "本市本轮次报送完成")
    expect(page.locator(".submission-state")).to_contain_text("报送已完成")
    page.screenshot(path=output_dir / "city-order.png", full_page=True)
    logout(page)

    # the centre moves to the formal check, runs it, sends one back and corrects another's field
    login(page, live_server, "admin1")
    page.goto(f"{live_server}/admin/rounds/{review_round.id}")
    page.get_by_role("button", name="进入：形式审查").click()
    expect_flash(page, "轮次已进入新阶段")
    page.get_by_role("link", name="形式审查", exact=True).first.click()
    page.get_by_role("button", name="运行形式审查").click()
    expect_flash(page, "已审查 5 项申报")
    expect(page.locator("tr.check-row")).to_have_count(5 * 15)
    page.get_by_label("规则").select_option("R13")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("tr.check-row", has_text="不通过")).to_contain_text("智能网联汽车")
    page.get_by_role("link", name="各市推荐排序及汇总表").click()
    expect(page.locator("tr.city-row")).to_contain_text("南京市推荐汇总表（盖章）.pdf")
    expect(page.locator("ol.order li").first).to_contain_text(entered.code)

    page.goto(f"{live_server}/admin/applications/{others[3].id}")
    page.locator("form[action$='correct-field'] select[name=field]").select_option("新能源汽车")
    page.get_by_label("理由（记入审计日志）").fill("申报书所述方向属新能源汽车领域")
    page.get_by_role("button", name="更正技术领域").click()
    expect_flash(page, "技术领域已更正")

    page.goto(f"{live_server}/admin/applications/{entered.id}")
    page.get_by_label("需修改的内容").fill("检验检测机构的CMA证书编号与证书不一致，请核对后更正。")
    page.get_by_label("修改截止时间（北京时间）").fill("2036-06-30T17:00")
    page.get_by_role("button", name="退回修改").click()
    expect_flash(page, "已退回设区市修改")
    page.screenshot(path=output_dir / "admin-send-back.png", full_page=True)
    logout(page)

    # the city reads why, corrects and resubmits; the check runs again
    login(page, live_server, "nanjing1")
    page.goto(f"{live_server}/city/applications/{entered.id}")
    expect(page.locator(".send-back")).to_contain_text("CMA证书编号与证书不一致")
    expect(page.locator("main")).to_contain_text("R11 服务机构资质与服务能力")
    page.get_by_role("link", name="编辑", exact=True).click()
    page.get_by_label("资质或服务能力 2").fill("CMA 201019000456")
    page.get_by_role("button", name="保存草稿").click()
    expect_flash(page, "已保存")
    page.get_by_role("button", name="修改完成，重新提交省中心").click()
    expect_flash(page, "已重新提交省中心，形式审查已重新运行")
    page.screenshot(path=output_dir / "city-resubmitted.png", full_page=True)

    session.expire_all()
    assert session.get(Application, entered.id).status == "submitted"
    assert session.get(Application, others[3].id).field == "新能源汽车"
    assert session.exec(select(SendBack)).one().resubmitted_at is not None
    assert session.exec(select(CitySubmission)).one().order_codes.startswith(entered.code)
    actions = {e.action for e in session.exec(select(AuditEvent))}
    assert {"application.send_back", "application.resubmit", "application.correct", "recommendations.order",
            "recommendations.summary"} <= actions
