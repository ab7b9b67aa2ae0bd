"""The centre runs a whole round in Chromium: formal check, diagnosis, assignment, publication, several
experts scoring, closing, ranking, selection and export; the exported files are opened and read."""

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlmodel import select

from review_app.models import Criterion, Expert, RankingRun, RoundStage, ScoreSheet, SheetStatus
from review_app.models._base import utcnow
from tests.conftest import PASSWORD
from tests.factories import make_expert, make_user
from tests.intake_factories import make_city_application, make_round

pytestmark = pytest.mark.browser

CITIES = ["南京市", "苏州市", "无锡市"]
COMMENT = "联合体组织架构清晰，攻关任务聚焦产业链关键环节，成员分工明确，共建协议完备，建议支持。"


@pytest.fixture
def checked_round(session):
    """Three applications that pass every rule, four experts of their field with accounts."""
    review_round = make_round(session, name="2026年度全流程测试", stage="formal_check", deadline_days=-1)
    review_round.experts_per_application = 2
    review_round.check_deadline = utcnow()
    review_round.scoring_deadline = utcnow() + timedelta(days=7)
    for n, city in enumerate(CITIES):
        make_city_application(session, review_round, code=f"E2E{n}", city=city)
    for n in range(4):
        expert = make_expert(session, code=f"E77{n}", name=f"专家{n}", city="扬州市")
        make_user(session, f"e77{n}", "expert", expert_code=expert.code)
    make_user(session, "centre", "admin")
    session.commit()
    return review_round


def _login(page, base, username):
    page.goto(f"{base}/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    # The click only starts the navigation: wait until the browser has left the login page.
    page.wait_for_url(lambda url: "/auth/login" not in url)


def _logout(page):
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(re.compile(r".*/auth/login"))


def _advance(page, base, round_id, stage_label):
    page.goto(f"{base}/admin/rounds/{round_id}")
    page.get_by_role("button", name=f"进入：{stage_label}").click()
    expect(page.locator(".badge").first).to_contain_text(stage_label)


def pass_the_formal_check(page, base, round_id):
    """The centre runs the formal check (every application passes) and moves the round on to the assignment."""
    page.goto(f"{base}/admin/rounds/{round_id}/check")
    page.get_by_role("button", name="运行形式审查").click()
    expect(page.locator("main")).to_contain_text("通过")
    _advance(page, base, round_id, "专家分配")


def score_all(page, base, criteria, drop_for, comment=COMMENT):
    """The expert accepts the pledge and scores every sheet on their dashboard: each criterion's full marks
    less `drop_for(page title)` (the sheet's title names the application's code)."""
    page.get_by_role("link", name="阅读承诺书").click()
    page.get_by_label("本人已阅读并同意遵守上述承诺。").check()
    page.get_by_role("button", name="接受并继续").click()
    # The click only starts the navigation: count the links on the dashboard, not on the pledge page.
    expect(page.locator("main")).to_contain_text("已于")
    while page.get_by_role("link", name="评分", exact=True).count():
        page.get_by_role("link", name="评分", exact=True).first.click()
        page.get_by_label("无利益冲突", exact=False).check()
        page.get_by_role("button", name="确认声明").click()
        # The click only starts the navigation: read the title on the sheet, not on the declaration page.
        expect(page.get_by_label(criteria[0].title)).to_be_visible()
        drop = drop_for(page.title())
        for criterion in criteria:
            page.get_by_label(criterion.title).fill(str(max(criterion.max_points - drop, 0)))
        page.get_by_label("评审意见").fill(comment)
        page.get_by_label("推荐", exact=True).check()
        page.get_by_role("button", name="检查并提交…").click()
        page.get_by_role("button", name="确认提交评分表").click()
        expect(page.locator("main")).to_contain_text("评分表已提交并锁定")
        page.goto(f"{base}/expert/")


def test_the_centre_runs_a_whole_round(live_server, page, session, checked_round, output_dir):
    base, rid = live_server, checked_round.id
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations of data-confirm buttons
    criteria = list(session.exec(select(Criterion).where(Criterion.round_id == rid).order_by(Criterion.position)))

    # Formal check, then on to the assignment.
    _login(page, base, "centre")
    pass_the_formal_check(page, base, rid)

    # The feasibility check, a seeded run followed on its progress page, the preview, publication.
    page.goto(f"{base}/admin/rounds/{rid}/assignment")
    expect(page.locator("#diagnosis")).to_contain_text("尚未检查可行性")
    page.get_by_role("button", name="检查可行性").click()  # a job; its page opens the console when done
    page.wait_for_url(re.compile(r".*/assignment#diagnosis$"))
    expect(page.locator("#diagnosis")).to_contain_text("存在有效的分配方案")
    page.get_by_label("随机种子", exact=False).fill("2026")
    page.get_by_role("button", name="运行专家分配").click()
    page.wait_for_url(re.compile(r".*/assignment/runs/\d+$"))
    expect(page.locator("main")).to_contain_text("2026")
    page.screenshot(path=output_dir / "proposal.png", full_page=True)
    page.get_by_role("button", name="发布给专家").click()
    expect(page.locator("main")).to_contain_text("分配方案已发布")
    _logout(page)

    # Every expert with work scores it; the second expert is more lenient than the others.
    session.rollback()
    with_work = {e.code for e in session.exec(select(Expert).join(ScoreSheet).where(ScoreSheet.round_id == rid))}
    assert len(with_work) >= 2
    for n in range(4):
        if f"E77{n}" not in with_work:
            continue
        _login(page, base, f"e77{n}")
        score_all(page, base, criteria, drop_for=lambda title, n=n: 1 if n == 1 else 4)
        _logout(page)
    session.rollback()  # end the read transaction: see what the server wrote since
    statuses = [s.status for s in session.exec(select(ScoreSheet).where(ScoreSheet.round_id == rid))]
    assert len(statuses) == 6 and set(statuses) == {SheetStatus.SUBMITTED}

    # Close scoring, aggregate, set the cut-off, approve, export, publish.
    _login(page, base, "centre")
    _advance(page, base, rid, "评审结束")
    page.goto(f"{base}/admin/rounds/{rid}/results")
    page.get_by_role("button", name="汇总评分").click()
    expect(page.locator("main")).to_contain_text("评分已汇总")
    page.get_by_label("入选排名前").fill("2")
    page.get_by_role("button", name="设置入选线").click()
    expect(page.locator("main")).to_contain_text("已入选")
    page.get_by_role("button", name="确定为最终结果").click()
    expect(page.locator("main")).to_contain_text("最终结果")
    page.screenshot(path=output_dir / "results.png", full_page=True)
    ranked_codes = page.locator("table.ranking tbody tr td:nth-child(2)").all_inner_texts()
    assert sorted(ranked_codes) == ["E2E0", "E2E1", "E2E2"]

    with page.expect_download() as download:
        page.get_by_role("link", name="Excel").click()
    workbook = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert download.value.suggested_filename.endswith(".xlsx")
    assert [row[1] for row in workbook["排名"].iter_rows(min_row=2, values_only=True)] == ranked_codes
    assert workbook["评分明细"].max_row == 1 + 6
    with page.expect_download() as download:
        page.get_by_role("link", name="公示名单预览（PDF）").click()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(download.value.path().read_bytes())).pages)
    assert "公示名单" in text and ranked_codes[0] in text and ranked_codes[1] in text
    _advance(page, base, rid, "已公示")

    session.rollback()  # end the read transaction: see what the server wrote since
    final = session.exec(select(RankingRun).where(RankingRun.round_id == rid, RankingRun.is_final)).one()
    assert final.cutoff == 2 and session.get(type(checked_round), rid).stage == RoundStage.PUBLISHED
