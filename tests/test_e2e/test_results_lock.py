"""The centre approves a ranking in Chromium, finds the results locked, reopens them with a reason,
approves a new ranking and publishes it; the publication list it then downloads is the approved one."""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlmodel import select

from review_app.models import Criterion, RankingRun, RoundStage, ScoreItem, SheetStatus
from review_app.models._base import utcnow
from review_app.services.results import rank
from tests.factories import make_expert, make_scoring_round, make_user
from tests.test_e2e.test_full_round import _advance, _login

pytestmark = pytest.mark.browser

REASON = "复核第二名的利益冲突声明"


@pytest.fixture
def closed_round(session):
    """Four applications scored by three experts, scoring closed; the centre's account."""
    experts = [make_expert(session, code=f"E55{n}", name=f"专家{n}", city="扬州市") for n in range(3)]
    review_round, _apps, sheets = make_scoring_round(session, experts=experts, applications=4, name="审定锁定测试")
    criteria = session.exec(select(Criterion).where(Criterion.round_id == review_round.id)).all()
    for index, sheet in enumerate(sheets.values()):
        total = 0
        for criterion in criteria:
            points = max(criterion.max_points - 1 - sheet.application_id % 4 - index % 2, 0)
            session.add(ScoreItem(sheet_id=sheet.id, criterion_id=criterion.id, points=points))
            total += points
        sheet.total, sheet.status, sheet.submitted_at, sheet.recommend = total, SheetStatus.SUBMITTED, utcnow(), True
    review_round.stage = RoundStage.CLOSED
    make_user(session, "centre", "admin")
    session.commit()
    return review_round


def _aggregate_cut_and_approve(page, cutoff: int) -> None:
    page.get_by_role("button", name="汇总评分").click()
    expect(page.locator("main")).to_contain_text("评分已汇总")
    page.get_by_label("入选排名前").fill(str(cutoff))
    page.get_by_role("button", name="设置入选线").click()
    expect(page.locator("main")).to_contain_text("已入选")
    expect(page.locator("#exports")).to_contain_text("本轮尚无审定的排名")
    page.get_by_role("button", name="确定为最终结果").click()
    expect(page.locator("#lock")).to_contain_text("已审定")


def _expect_locked(page) -> None:
    for name in ("汇总评分", "设置入选线", "确定为最终结果"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    expect(page.locator("table.ranking summary")).to_have_count(0)  # no change of the selection by hand


def test_the_centre_approves_finds_it_locked_reopens_reapproves_and_publishes(
    live_server, page, session, closed_round, output_dir
):
    base, rid = live_server, closed_round.id
    page.on("dialog", lambda dialog: dialog.accept())
    _login(page, base, "centre")
    page.goto(f"{base}/admin/rounds/{rid}/results")
    _aggregate_cut_and_approve(page, 2)
    _expect_locked(page)
    expect(page.locator("#exports").get_by_role("link", name="Excel")).to_have_count(1)
    page.screenshot(path=output_dir / "locked.png", full_page=True)

    # Reopen: the reason is required; the approval is withdrawn and shown as history.
    page.locator("#lock summary").click()
    page.get_by_label("撤回审定的理由").fill(REASON)
    page.get_by_role("button", name="撤回审定并重新开放").click()
    expect(page.locator("main")).to_contain_text("审定已撤回")
    expect(page.locator("#approval-history")).to_contain_text(REASON)
    expect(page.locator("main")).to_contain_text("按审定时的原样保留")
    expect(page.get_by_role("button", name="设置入选线")).to_have_count(0)  # the withdrawn run stays as it was

    # A new ranking, cut at 1, approved; then the round is published and the reopen is gone.
    _aggregate_cut_and_approve(page, 1)
    _expect_locked(page)
    _advance(page, base, rid, "已公示")
    page.goto(f"{base}/admin/rounds/{rid}/results")
    expect(page.locator("#lock")).to_contain_text("本轮已公示")
    expect(page.locator("#lock")).to_contain_text("异议")
    expect(page.get_by_label("撤回审定的理由")).to_have_count(0)
    page.screenshot(path=output_dir / "published.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="公示名单预览（PDF）").click()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(download.value.path().read_bytes())).pages)
    session.rollback()  # see what the server wrote
    final = session.exec(select(RankingRun).where(RankingRun.round_id == rid, RankingRun.is_final)).one()
    withdrawn = session.exec(select(RankingRun).where(RankingRun.withdrawn_reason == REASON)).one()
    assert final.id > withdrawn.id and final.cutoff == 1 and withdrawn.cutoff == 2
    chosen = [r.application.code for r in rank.results(session, run=final) if r.result.selected]
    others = [r.application.code for r in rank.results(session, run=final) if not r.result.selected]
    assert "共 1 个" in text and chosen[0] in text and not any(code in text for code in others)
    assert re.search(rf"round{rid}-run{final.id}-publication\.pdf", download.value.suggested_filename)
