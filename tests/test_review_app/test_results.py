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


def _aggregate(auth, round_id):
    return auth.post(
        f"/admin/rounds/{round_id}/results/aggregate", {"method": "calibrated", "seed": "0"}, follow_redirects=True
    )


def test_aggregate_shows_the_ranking_beside_the_trimmed_mean(client, auth, users, session, demo_round):
    auth.login("admin1")
    assert "尚未汇总" in client.get(f"/admin/rounds/{demo_round.id}/results").text
    page = _aggregate(auth, demo_round.id).text
    assert "评分已汇总" in page and "去掉最高分和最低分" in page
    runs = session.exec(select(RankingRun).order_by(RankingRun.id)).all()
    assert [r.method for r in runs] == ["calibrated", "trimmed"]
    first = session.exec(
        select(RankingResult).where(RankingResult.ranking_run_id == runs[0].id, RankingResult.rank == 1)
    ).first()
    assert f'/applications/{first.application_id}"' in page
    assert page.count('<svg class="interval"') == len(
        session.exec(select(RankingResult).where(RankingResult.ranking_run_id == runs[0].id)).all()
    )


def test_an_application_page_explains_its_place(client, auth, users, session, demo_round):
    auth.login("admin1")
    _aggregate(auth, demo_round.id)
    run = session.exec(select(RankingRun).where(RankingRun.method == "calibrated")).one()
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
    run = session.exec(select(RankingRun).where(RankingRun.method == "calibrated")).one()
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
    auth.post(f"{base}/runs/{run.id}/approve")
    session.expire_all()
    assert session.get(RankingRun, run.id).is_final

    workbook = load_workbook(io.BytesIO(client.get(f"{base}/runs/{run.id}/ranking.xlsx").data))
    assert workbook.sheetnames[0] == "排名"
    publication = client.get(f"{base}/runs/{run.id}/publication.pdf")
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
    run = session.exec(select(RankingRun).where(RankingRun.method == "calibrated")).one()
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
    page = _aggregate(auth, demo_round.id).text
    table = page[page.index('<table class="table ranking">') :]
    page_codes = re.findall(r"<tr class=\"[^\"]*\">\s*<td>\d+</td><td>(\w+)</td>", table)
    result = runner.invoke(args=["rank", "--round", str(demo_round.id), "--method", "calibrated", "--seed", "0"])
    cli_codes = [row["code"] for row in csv.DictReader(io.StringIO(result.output))]
    first = session.exec(select(RankingRun).where(RankingRun.method == "calibrated").order_by(RankingRun.id)).first()
    ranked = session.exec(select(RankingResult).where(RankingResult.ranking_run_id == first.id)).all()
    assert len(page_codes) == len(ranked) > 0 and page_codes == cli_codes
