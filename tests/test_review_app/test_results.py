"""The results screens: aggregate, ranking beside the trimmed mean, explanation, selection, approval,
downloads; the auditor reads everything and changes nothing."""

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select

from review_app.models import AuditEvent, RankingResult, RankingRun, Round

pytestmark = pytest.mark.demo


@pytest.fixture
def demo_round(session):
    return session.exec(select(Round).order_by(Round.id)).first()


def _runs_of(demo_round):
    """The demo round's ranking runs (the demo's round under public notice has its own)."""
    return select(RankingRun).where(RankingRun.round_id == demo_round.id)


def _aggregate(auth, round_id):
    return auth.post(
        f"/admin/rounds/{round_id}/results/aggregate", {"method": "calibrated", "seed": "0"}, follow_redirects=True
    )


def test_aggregate_shows_the_ranking_beside_the_trimmed_mean(client, auth, users, session, demo_round):
    auth.login("admin1")
    assert "尚未汇总" in client.get(f"/admin/rounds/{demo_round.id}/results").text
    page = _aggregate(auth, demo_round.id).text
    assert "评分已汇总" in page and "去掉最高分和最低分" in page
    runs = session.exec(_runs_of(demo_round).order_by(RankingRun.id)).all()
    assert [r.method for r in runs] == ["calibrated", "trimmed"]
    first = session.exec(
        select(RankingResult).where(RankingResult.ranking_run_id == runs[0].id, RankingResult.rank == 1)
    ).first()
    assert f'/applications/{first.application_id}"' in page
    ranked = len(session.exec(select(RankingResult).where(RankingResult.ranking_run_id == runs[0].id)).all())
    # One page of 50, then the rest on page 2; the counts are the whole run's.
    assert ranked > 50 and page.count('<svg class="interval"') == 50
    assert f"第 1–50 条，共 {ranked} 条" in page
    second = client.get(f"/admin/rounds/{demo_round.id}/results?page=2").text
    assert second.count('<svg class="interval"') == ranked - 50 and f"第 51–{ranked} 条，共 {ranked} 条" in second


def test_an_application_page_explains_its_place(client, auth, users, session, demo_round):
    auth.login("admin1")
    _aggregate(auth, demo_round.id)
    run = session.exec(_runs_of(demo_round).where(RankingRun.method == "calibrated")).one()
    top = session.exec(
        select(RankingResult).where(RankingResult.ranking_run_id == run.id).order_by(RankingResult.rank)
    ).first()
    url = f"/admin/rounds/{demo_round.id}/results/runs/{run.id}/applications/{top.application_id}"
    page = client.get(url).text
    assert "宽严度" in page and "调整后" in page and "牵头单位实力与组织能力" in page
    assert page.count('class="comment"') == top.n_reviews
    auth.logout()
    auth.login("auditor1")
    auditor_page = client.get(url).text
    assert "宽严度" in auditor_page and "<th>评审专家</th>" not in auditor_page  # codes only, no names
    assert "<th>评审专家</th>" in page


def test_cutoff_selection_approval_and_downloads(client, auth, users, session, demo_round):
    auth.login("admin1")
    _aggregate(auth, demo_round.id)
    run = session.exec(_runs_of(demo_round).where(RankingRun.method == "calibrated")).one()
    base = f"/admin/rounds/{demo_round.id}/results"
    assert "已入选" in auth.post(f"{base}/runs/{run.id}/cutoff", {"cutoff": "10"}, follow_redirects=True).text
    outside = session.exec(
        select(RankingResult).where(RankingResult.ranking_run_id == run.id, RankingResult.rank > 20)
    ).first()
    refused = auth.post(f"{base}/{outside.id}/select", {"selected": "1", "reason": ""}, follow_redirects=True)
    assert "须填写理由" in refused.text
    auth.post(f"{base}/{outside.id}/select", {"selected": "1", "reason": "填补区域空白"})
    session.expire_all()
    assert session.get(RankingResult, outside.id).selected
    assert "请先结束评分" in auth.post(f"{base}/runs/{run.id}/approve", follow_redirects=True).text
    auth.post(f"/admin/rounds/{demo_round.id}/stage", {"to_stage": "closed"})
    auth.post(f"{base}/runs/{run.id}/approve")
    session.expire_all()
    assert session.get(RankingRun, run.id).is_final

    workbook = load_workbook(io.BytesIO(client.get(f"{base}/ranking.xlsx").data))
    assert workbook.sheetnames[0] == "排名"
    publication = client.get(f"{base}/publication.pdf")
    assert publication.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(publication.data)).pages)
    selected = session.exec(
        select(RankingResult).where(RankingResult.ranking_run_id == run.id, RankingResult.selected)
    ).all()
    assert "公示名单" in text and f"共 {len(selected)} 个" in text
    exports = session.exec(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [e.details for e in exports] == [
        '{"format": "xlsx", "list": "ranking"}',
        '{"format": "pdf", "list": "publication"}',
    ]


def test_the_auditor_reads_results_but_every_post_is_refused(client, auth, users, session, demo_round):
    auth.login("admin1")
    _aggregate(auth, demo_round.id)
    run = session.exec(_runs_of(demo_round).where(RankingRun.method == "calibrated")).one()
    result = session.exec(select(RankingResult).where(RankingResult.ranking_run_id == run.id)).first()
    auth.logout()
    auth.login("auditor1")
    base = f"/admin/rounds/{demo_round.id}/results"
    page = client.get(base).text
    assert "排名" in page and "汇总评分" not in page  # no aggregate form for the auditor
    for url, data in [
        (f"{base}/aggregate", {"method": "mean"}),
        (f"{base}/runs/{run.id}/cutoff", {"cutoff": "3"}),
        (f"{base}/{result.id}/select", {"selected": "1", "reason": "x"}),
        (f"{base}/runs/{run.id}/approve", {}),
    ]:
        assert auth.post(url, data).status_code == 403, url
    session.expire_all()
    assert session.get(RankingRun, run.id).cutoff is None and not session.get(RankingRun, run.id).is_final


def test_the_command_line_and_the_page_give_the_same_ranking(client, auth, users, runner, session, demo_round):
    import csv
    import re

    auth.login("admin1")
    pages = [_aggregate(auth, demo_round.id).text, client.get(f"/admin/rounds/{demo_round.id}/results?page=2").text]
    tables = [page[page.index('<table class="table ranking">') :] for page in pages]  # 50 a page
    page_codes = [c for t in tables for c in re.findall(r"<tr class=\"[^\"]*\">\s*<td>\d+</td><td>(\w+)</td>", t)]
    result = runner.invoke(args=["rank", "--round", str(demo_round.id), "--method", "calibrated", "--seed", "0"])
    cli_codes = [row["code"] for row in csv.DictReader(io.StringIO(result.output))]
    first = session.exec(_runs_of(demo_round).where(RankingRun.method == "calibrated").order_by(RankingRun.id)).first()
    ranked = session.exec(select(RankingResult).where(RankingResult.ranking_run_id == first.id)).all()
    assert len(page_codes) == len(ranked) > 0 and page_codes == cli_codes


def _approve_on_the_page(client, auth, session, demo_round, cutoff: int) -> tuple[str, RankingRun]:
    """The admin aggregates, cuts at `cutoff`, closes scoring and approves; returns the results URL and run.
    Before the approval, the page's exports say there is no approved ranking."""
    auth.login("admin1")
    _aggregate(auth, demo_round.id)
    run = session.exec(_runs_of(demo_round).where(RankingRun.method == "calibrated")).one()
    base = f"/admin/rounds/{demo_round.id}/results"
    auth.post(f"{base}/runs/{run.id}/cutoff", {"cutoff": str(cutoff)})
    no_approval = client.get(f"{base}/ranking.xlsx", follow_redirects=True).text
    assert "本轮尚无审定的排名" in no_approval and "本次汇总（未审定）" in no_approval
    auth.post(f"/admin/rounds/{demo_round.id}/stage", {"to_stage": "closed"})
    auth.post(f"{base}/runs/{run.id}/approve")
    return base, run


def test_an_approved_ranking_locks_the_page_until_a_reopen_with_a_reason(client, auth, users, session, demo_round):
    base, run = _approve_on_the_page(client, auth, session, demo_round, 10)

    page = client.get(base).text
    assert f"已审定：第 {run.id} 号汇总" in page and "撤回审定的理由" in page
    assert "/results/aggregate" not in page and f"/runs/{run.id}/cutoff" not in page and "/select" not in page
    assert f'href="{base}/ranking.xlsx"' in page and f"{base}/runs/{run.id}/approve" not in page
    refused = auth.post(f"{base}/runs/{run.id}/cutoff", {"cutoff": "3"}, follow_redirects=True).text
    assert "已锁定" in refused
    assert "已锁定" in auth.post(f"{base}/aggregate", {"method": "mean", "seed": "0"}, follow_redirects=True).text
    session.expire_all()
    assert session.get(RankingRun, run.id).cutoff == 10 and len(session.exec(_runs_of(demo_round)).all()) == 2
    sheets_page = client.get(f"/admin/rounds/{demo_round.id}/sheets?status=submitted").text
    assert "撤回审定之前，已提交的评分表不能重新开放" in sheets_page and "/reopen\"" not in sheets_page

    assert "请填写撤回审定的理由" in auth.post(f"{base}/reopen", {"reason": ""}, follow_redirects=True).text
    reopened = auth.post(f"{base}/reopen", {"reason": "复核第十名的回避情况"}, follow_redirects=True).text
    assert "审定已撤回" in reopened and "已撤回的审定" in reopened and "复核第十名的回避情况" in reopened
    assert "/results/aggregate" in reopened and f"/runs/{run.id}/cutoff" not in reopened  # kept as approved
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "ranking.reopen")).one()
    assert event.actor_id == users["admin"].id
    assert "/reopen\"" in client.get(f"/admin/rounds/{demo_round.id}/sheets?status=submitted").text

    auth.logout()
    auth.login("auditor1")
    assert "复核第十名的回避情况" in client.get(base).text
    assert auth.post(f"{base}/reopen", {"reason": "审计员不能撤回"}).status_code == 403


def test_a_published_round_refuses_the_reopen_and_points_to_the_objections(client, auth, users, session, demo_round):
    base, run = _approve_on_the_page(client, auth, session, demo_round, 7)
    auth.post(f"/admin/rounds/{demo_round.id}/stage", {"to_stage": "published"})
    page = client.get(base).text
    assert "本轮已公示" in page and "公示异议处理程序" in page and "撤回审定的理由" not in page
    refused = auth.post(f"{base}/reopen", {"reason": "公示后发现问题"}, follow_redirects=True).text
    assert "审定不能撤回" in refused
    publication = client.get(f"{base}/publication.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(publication.data)).pages)
    chosen = session.exec(select(RankingResult).where(RankingResult.ranking_run_id == run.id, RankingResult.selected))
    assert f"共 {len(chosen.all())} 个" in text
    session.expire_all()
    assert session.get(RankingRun, run.id).is_final
