"""In Chromium, an annual evaluation from the registry to published grades (issue 22): the centre imports
the registry; a city files its consortia's structured reports (parts, indicators, PDF, opinion); the centre
checks, assigns and publishes; experts score online; the centre ranks, approves, changes a grade with its
reason and publishes the grades; the Excel list is read; the consortium's page shows last year and this
year side by side; the city downloads its own consortia's grades."""

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlmodel import select

from review_app.models import Consortium, Criterion, Expert, Round, ScoreSheet
from review_app.models._base import utcnow
from review_app.services.results import grades
from tests.factories import make_expert, make_user
from tests.grade_factories import file_reports, scored_annual_round
from tests.intake_factories import make_round
from tests.registry_factories import consortium_row, member_row, registry_workbook
from tests.test_e2e.test_city_intake import expect_flash, upload_pdfs
from tests.test_e2e.test_full_round import _advance, _login, _logout, score_all

pytestmark = pytest.mark.browser

PART = (
    "本年度联合体围绕产业链关键环节推进重大任务攻关，成员单位分工协作，"
    "平台建设、人才引育和成果转化均按计划完成，成效明显。"
)
COMMENT = "年度自评报告内容翔实，重大任务推进有力，成果转化成效明显，建议继续支持。"


@pytest.fixture
def accounts(session):
    for n in range(3):
        expert = make_expert(session, code=f"E88{n}", name=f"专家{n}", city="扬州市")
        make_user(session, f"e88{n}", "expert", expert_code=expert.code)
    make_user(session, "centre", "admin")
    make_user(session, "nj", "city", city="南京市")
    session.commit()


def _import_registry(page, base, tmp_path):
    rows = [consortium_row(n, city="南京市", year=2023) for n in (1, 2)]
    path = tmp_path / "联合体名录.xlsx"
    path.write_bytes(registry_workbook(rows, [member_row(r["联合体编号"], n) for n, r in enumerate(rows, start=1)]))
    page.goto(f"{base}/admin/consortia")
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="导入", exact=True).click()
    expect_flash(page, "名录已导入：新增 2 个")


def _file_report(page, base, name, indicators):
    """The city opens a consortium's report, writes its parts and indicators, uploads the PDF, gives its
    opinion and submits."""
    page.goto(f"{base}/city/")
    row = page.locator("tr", has_text=name)
    row.get_by_role("button", name="准备自评报告").click()
    page.get_by_role("link", name="填写自评内容").click()
    for area in page.locator("form textarea").all():
        area.fill(PART)
    for field, value in zip(page.locator("input.indicator").all(), indicators, strict=True):
        field.fill(str(value))
    page.get_by_role("button", name="保存自评内容").click()
    expect_flash(page, "自评内容已保存")
    upload_pdfs(page, ("自评报告",))
    page.get_by_label("必要性意见").fill("联合体年度任务推进情况属实，同意报送。")
    page.get_by_label("可行性意见").fill("下年度工作计划目标明确、措施可行。")
    page.get_by_role("button", name="保存意见").click()
    page.get_by_role("button", name="提交省中心").click()
    expect_flash(page, "已提交省中心")


def test_an_annual_round_from_the_registry_to_published_grades(live_server, page, session, accounts, tmp_path):
    base = live_server
    page.on("dialog", lambda dialog: dialog.accept())
    _login(page, base, "centre")
    _import_registry(page, base, tmp_path)
    _logout(page)

    # Last year's evaluation, graded and published (the consortia imported above), and this year's round.
    session.rollback()
    strong, weak = session.exec(select(Consortium).order_by(Consortium.code)).all()
    last_year = [make_expert(session, code=f"E25{n}", fields="生物医药") for n in range(3)]  # not in 2026
    last, _run, reports = scored_annual_round(session, year=2025, totals=[(strong, 84), (weak, 55)], experts=last_year)
    file_reports(session, reports, {strong.id: 1.0, weak.id: 1.0})
    grades.publish(session, review_round=last, by=None)
    this = make_round(session, name="2026年度自评（浏览器）", kind="annual_evaluation", stage="intake")
    this.experts_per_application, this.scoring_deadline = 3, utcnow() + timedelta(days=7)
    session.commit()
    rid = this.id

    _login(page, base, "nj")
    _file_report(page, base, strong.name, (6800, 40, 4, 3, 220, 18, 1200, 56000))
    _file_report(page, base, weak.name, (900, 3, 0, 0, 60, 1, 40, 2000))
    _logout(page)

    # The centre: formal check, the solver's assignment, publication.
    _login(page, base, "centre")
    _advance(page, base, rid, "形式审查")
    page.goto(f"{base}/admin/rounds/{rid}/check")
    page.get_by_role("button", name="运行形式审查").click()
    expect(page.locator("main")).to_contain_text("通过")
    _advance(page, base, rid, "专家分配")
    page.goto(f"{base}/admin/rounds/{rid}/assignment")
    page.get_by_role("button", name="运行专家分配").click()
    page.wait_for_url(re.compile(r".*/assignment/runs/\d+$"))
    page.get_by_role("button", name="发布给专家").click()
    expect(page.locator("main")).to_contain_text("分配方案已发布")
    _logout(page)

    session.rollback()
    criteria = list(session.exec(select(Criterion).where(Criterion.round_id == rid).order_by(Criterion.position)))
    assert criteria[0].title == "战略目标与重大任务执行"
    with_work = {e.code for e in session.exec(select(Expert).join(ScoreSheet).where(ScoreSheet.round_id == rid))}
    for n in range(3):
        if f"E88{n}" in with_work:
            _login(page, base, f"e88{n}")
            score_all(page, base, criteria, lambda title: 1 if f"ZP2026{strong.id:04d}" in title else 6, COMMENT)
            _logout(page)

    # Close, aggregate, approve; the grades: a change by hand with its reason, publication, the Excel list.
    _login(page, base, "centre")
    _advance(page, base, rid, "评审结束")
    page.goto(f"{base}/admin/rounds/{rid}/results")
    page.get_by_role("button", name="汇总评分").click()
    expect(page.locator("main")).to_contain_text("评分已汇总")
    page.get_by_role("button", name="确定为最终结果").click()
    expect(page.locator("main")).to_contain_text("最终结果")
    page.get_by_role("link", name="联合体等级评定").click()
    expect(page.locator("#grade-list")).to_contain_text("优秀")
    weak_row = page.locator("#grade-list tr", has_text=weak.name)
    weak_row.locator("summary").click()
    weak_row.get_by_label("调整为").select_option("fail")
    weak_row.get_by_label("调整理由").fill("标志性产品收入连续下滑，年度任务未完成")
    weak_row.get_by_role("button", name="调整等级").click()
    expect_flash(page, "等级已调整")
    expect(page.locator("#grade-list tr", has_text=weak.name)).to_contain_text("人工调整")
    page.get_by_role("button", name="发布等级").click()
    expect_flash(page, "等级已发布")
    expect(page.locator("#changes")).to_contain_text("第二次不合格")
    with page.expect_download() as download:
        page.get_by_role("link", name="等级名单（Excel）").click()
    rows = list(load_workbook(io.BytesIO(download.value.path().read_bytes())).active.iter_rows(values_only=True))
    graded = {row[2]: row[5] for row in rows[5:]}
    assert graded == {strong.name: "优秀", weak.name: "不合格"}

    # Year on year on the consortium's page.
    page.get_by_role("link", name=weak.name).first.click()
    years = page.locator("#year-on-year")
    expect(years).to_contain_text("2025")
    expect(years).to_contain_text("2026")
    expect(years.locator("tr.yoy-grade")).to_contain_text("不合格")
    expect(years.locator("tr.yoy-indicator").first).to_contain_text("▼")
    _logout(page)

    # The city downloads its own consortia's grades.
    _login(page, base, "nj")
    with page.expect_download() as download:
        page.get_by_role("link", name="我市联合体等级（Excel）").first.click()
    rows = list(load_workbook(io.BytesIO(download.value.path().read_bytes())).active.iter_rows(values_only=True))
    assert {row[2] for row in rows[5:]} == {strong.name, weak.name}
    session.rollback()
    assert session.get(Round, rid).stage == "closed"
