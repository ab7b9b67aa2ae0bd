"""A panel round in Chromium (issue 18): grouping, the panel solve and its preview, publication, the meeting
and the lot, one member scoring offline (the workbook downloaded, filled, imported) and one online, then
the ranking with the panels' comparability."""

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlmodel import select

from review_app.models import Criterion, Expert, PanelSeat, ScoreSheet, SheetStatus
from review_app.models._base import utcnow
from tests.factories import make_expert, make_user
from tests.intake_factories import make_city_application, make_round
from tests.test_e2e.test_full_round import COMMENT, _advance, _login, _logout, pass_the_formal_check, score_all

pytestmark = pytest.mark.browser


@pytest.fixture
def checked_round(session):
    """Two applications that pass every rule, three experts of their field with accounts."""
    review_round = make_round(session, name="2026年度分组评审测试", stage="formal_check", deadline_days=-1)
    review_round.check_deadline = utcnow()
    review_round.scoring_deadline = utcnow() + timedelta(days=7)
    for n, city in enumerate(["南京市", "苏州市"]):
        make_city_application(session, review_round, code=f"PNL{n}", city=city)
    for n in range(3):
        expert = make_expert(session, code=f"E88{n}", name=f"会评专家{n}", city="扬州市")
        make_user(session, f"e88{n}", "expert", expert_code=expert.code)
    make_user(session, "centre", "admin")
    session.commit()
    return review_round


def test_a_panel_round_from_grouping_to_ranking(live_server, page, session, checked_round, output_dir):
    base, rid = live_server, checked_round.id
    page.on("dialog", lambda dialog: dialog.accept())
    criteria = list(session.exec(select(Criterion).where(Criterion.round_id == rid).order_by(Criterion.position)))

    _login(page, base, "centre")
    pass_the_formal_check(page, base, rid)

    # Panel mode, two experts a panel; the groups proposed from the field.
    page.goto(f"{base}/admin/rounds/{rid}/panels")
    settings = page.locator("#panel-settings")
    settings.get_by_label("本轮采用分组评审（会评）").check()
    settings.get_by_label("专家组最少人数").fill("2")
    settings.get_by_label("专家组最多人数").fill("2")
    settings.get_by_role("button", name="保存").click()
    expect(page.locator("#panel-settings")).to_contain_text("每组专家 2 至 2 位")
    page.get_by_role("button", name="按技术领域和文本建议分组").click()
    expect(page.locator("#groups")).to_contain_text("PNL0")
    expect(page.locator("#group-1")).to_contain_text("PNL1")

    # The panel solve as a job, its preview, publication.
    page.get_by_label("随机种子", exact=False).fill("18")
    page.get_by_role("button", name="遴选专家组").click()
    page.wait_for_url(re.compile(r".*/panels/runs/\d+$"))
    expect(page.locator("#panel-1")).to_contain_text("组长")
    page.screenshot(path=output_dir / "panel-proposal.png", full_page=True)
    page.get_by_role("button", name="发布给专家").click()
    expect(page.locator("main")).to_contain_text("专家组已发布：4 份评分表")

    # The meeting and the lot.
    page.get_by_role("link", name="专家组会议：日期、会议室、答辩顺序、日程").click()
    page.get_by_label("会议日期").fill("2026-07-08")
    page.get_by_label("会议室").fill("省科技会堂")
    page.locator("#meeting-1").get_by_role("button", name="保存").click()
    page.get_by_label("抽签随机种子", exact=False).fill("708")
    page.get_by_role("button", name="抽签确定答辩顺序").click()
    expect(page.locator("main")).to_contain_text("答辩顺序已抽签确定（随机种子 708）")

    # One member scores offline: their workbook downloaded, filled, imported.
    session.rollback()
    members = [session.get(Expert, s.expert_id).code for s in session.exec(select(PanelSeat).where(
        PanelSeat.state == "active")) if session.get(Expert, s.expert_id).code.startswith("E88")]
    assert len(members) == 2
    offline_code, online_code = sorted(members)
    page.goto(f"{base}/admin/rounds/{rid}/panels/offline")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(f"^{offline_code} ")).click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    ws = book["评分表"]
    for row in (3, 4):
        for i, criterion in enumerate(criteria):
            ws.cell(row=row, column=5 + i).value = criterion.max_points - 5
        ws.cell(row=row, column=6 + len(criteria)).value = "推荐"
        ws.cell(row=row, column=7 + len(criteria)).value = COMMENT
    filled = output_dir / f"{offline_code}.xlsx"
    book.save(filled)
    page.get_by_label("已填写的评分表（.xlsx）").set_input_files(str(filled))
    page.get_by_role("button", name="导入并提交").click()
    expect(page.locator("main")).to_contain_text("已导入并提交 2 份评分表（来源：线下）")
    _logout(page)

    # The other member scores online.
    _login(page, base, online_code.lower())
    score_all(page, base, criteria, drop_for=lambda title: 4)
    _logout(page)
    session.rollback()
    statuses = [s.status for s in session.exec(select(ScoreSheet).where(ScoreSheet.round_id == rid))]
    assert statuses == [SheetStatus.SUBMITTED] * 4

    # Close, aggregate: the ranking page speaks of the panels.
    _login(page, base, "centre")
    _advance(page, base, rid, "评审结束")
    page.goto(f"{base}/admin/rounds/{rid}/results")
    page.get_by_role("button", name="汇总评分").click()
    expect(page.locator("main")).to_contain_text("评分已汇总")
    expect(page.locator("#panel-comparison")).to_contain_text("第 1 组")
    page.screenshot(path=output_dir / "panel-results.png", full_page=True)
    ranked = page.locator("table.ranking tbody tr td:nth-child(2)").all_inner_texts()
    assert sorted(ranked) == ["PNL0", "PNL1"]
