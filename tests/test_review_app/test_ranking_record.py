"""A ranking run is a stored record (issue 14): pages read it and never re-run the aggregation, the
per-application page shows a composition that adds up, the totals chart is binned in the service, and the
ranking page names the groups of applications no shared expert links."""

import html
import re
from decimal import Decimal

import pytest
from sqlmodel import select

from review_app.labels import AGGREGATION_METHOD
from review_app.models import (
    Assignment,
    AssignmentState,
    RankingResult,
    RankingRun,
    RankingSheet,
    Round,
    ScoreSheet,
    SheetStatus,
)
from review_app.services.results import rank, record, standings
from tests.factories import make_expert, make_scoring_round


@pytest.fixture
def demo_round(session):
    return session.exec(select(Round).order_by(Round.id)).first()


def _figures(page: str) -> dict[str, float]:
    return {k: float(v) for k, v in re.findall(r'data-figure="(\w+)">([-\d.]+)<', page)}


def _sheet_parts(page: str) -> list[dict[str, float]]:
    rows = re.findall(r'<tr class="sheet-part">(.*?)</tr>', page, re.S)
    parts = []
    for row in rows:
        cells = dict(re.findall(r'<td class="(\w+)">([^<]*)</td>', row))
        parts.append(
            {
                "total": float(cells["total"]),
                "clipped": float(cells["clipped"]),
                "leniency": None if cells["leniency"] == "—" else float(cells["leniency"]),
                "adjusted": float(cells["adjusted"]),
                "share": float(cells["share"].rstrip("%")) / 100,
            }
        )
    return parts


@pytest.mark.demo
@pytest.mark.parametrize("method", list(AGGREGATION_METHOD))
def test_the_composition_on_the_page_adds_up_to_the_final_score(client, auth, users, session, demo_round, method):
    run = rank.aggregate(session, review_round=demo_round, method=method, seed=0, by=None)
    session.commit()
    results = session.exec(select(RankingResult).where(RankingResult.ranking_run_id == run.id)).all()
    # The top, the bottom and the applications with a clipped sheet or the most shrinkage.
    clipped = {s.application_id for s in record.sheets(session, run=run) if abs(s.robust - s.total) > 0.01}
    chosen = {min(results, key=lambda r: r.rank).application_id, max(results, key=lambda r: r.rank).application_id}
    chosen |= set(sorted(clipped)[:3]) | {min(results, key=lambda r: r.shrink).application_id}
    auth.login("admin1")
    for application_id in chosen:
        page = client.get(f"/admin/rounds/{demo_round.id}/results/runs/{run.id}/applications/{application_id}").text
        figures, parts = _figures(page), _sheet_parts(page)
        assert parts and sum(p["share"] for p in parts) == pytest.approx(1.0, abs=1e-4)
        assert figures["raw_mean"] == pytest.approx(sum(p["total"] for p in parts) / len(parts), abs=0.01)
        adjusted_mean = sum(p["share"] * p["adjusted"] for p in parts)
        assert adjusted_mean == pytest.approx(figures["adjusted_mean"], abs=0.01)
        final = adjusted_mean
        if "shrink" in figures:  # calibrated, affine: pulled towards the group's level
            final = figures["target"] + figures["shrink"] * (adjusted_mean - figures["target"])
        else:
            assert method not in ("calibrated", "affine")
        assert final == pytest.approx(figures["score"], abs=0.01), (method, application_id)
        if method in ("calibrated", "bias"):  # adjusted = total + clipped − leniency, per sheet
            for p in parts:
                assert p["total"] + p["clipped"] - p["leniency"] == pytest.approx(p["adjusted"], abs=0.015)
        if method in ("mean", "trimmed", "median"):
            assert all(p["adjusted"] == p["total"] and p["clipped"] == 0 for p in parts)


@pytest.mark.demo
def test_pages_read_the_stored_run_not_the_sheets_of_today(client, auth, users, session, demo_round):
    run = rank.aggregate(session, review_round=demo_round, method="calibrated", seed=0, by=None)
    session.commit()
    top = session.exec(
        select(RankingResult).where(RankingResult.ranking_run_id == run.id, RankingResult.rank == 1)
    ).one()
    stored = record.sheets(session, run=run, application_id=top.application_id)
    # A sheet reopened and submitted again with another total after the run was made.
    sheet = session.get(ScoreSheet, stored[0].sheet_id)
    sheet.total = Decimal("1.00")
    session.commit()
    auth.login("admin1")
    page = client.get(f"/admin/rounds/{demo_round.id}/results/runs/{run.id}/applications/{top.application_id}").text
    assert _figures(page)["score"] == pytest.approx(top.score, abs=0.005)
    assert sorted(p["total"] for p in _sheet_parts(page)) == sorted(round(s.total, 2) for s in stored)
    assert "1.00" not in re.findall(r'<td class="total">([^<]*)</td>', page)
    results = client.get(f"/admin/rounds/{demo_round.id}/results").text
    assert f"{top.score:.2f}" in results
    runs = session.exec(select(RankingRun).where(RankingRun.round_id == demo_round.id)).all()
    assert runs == [run]  # nothing ran again


@pytest.mark.demo
def test_the_totals_chart_is_binned_from_the_stored_run(client, auth, users, session, demo_round):
    run = rank.aggregate(session, review_round=demo_round, method="calibrated", seed=0, by=None)
    session.commit()
    totals = [s.total for s in session.exec(select(RankingSheet).where(RankingSheet.ranking_run_id == run.id))]
    bins = standings.page(session, review_round=demo_round).total_bins
    assert len(bins) == 10 and sum(b.count for b in bins) == len(totals) > 100
    for b in bins:
        inside = [t for t in totals if b.low <= t < b.high or (b.high == 100 and t == 100)]
        assert b.count == len(inside)
    assert standings.bin_totals([0, 9.99, 10, 99.5, 100]) == [
        standings.Bin(0, 10, 2),
        standings.Bin(10, 20, 1),
        *[standings.Bin(lo, lo + 10, 0) for lo in range(20, 90, 10)],
        standings.Bin(90, 100, 2),
    ]
    auth.login("admin1")
    page = client.get(f"/admin/rounds/{demo_round.id}/results").text
    drawn = [int(c) for c in re.findall(r'<rect class="bin"[^>]*data-count="(\d+)"', page)]
    assert drawn == [b.count for b in bins]  # one bar per bin, not one per sheet


def _split_round(session, linked: bool = False):
    """Four applications: two in 集成电路 scored by S1–S3 only, two in 生物医药 by S4–S6 only (`linked`:
    S3 scores all four)."""
    experts = [make_expert(session, code=f"S{n}", fields="集成电路") for n in range(1, 7)]
    review_round, apps, sheets = make_scoring_round(session, experts=experts, applications=4, name="分组轮次")
    for application in apps[2:]:
        application.field = "生物医药"
    for (code, app_code), sheet in sheets.items():
        first_half = app_code in (apps[0].code, apps[1].code)
        if first_half != (code in ("S1", "S2", "S3")) and not (linked and code == "S3"):
            session.get(Assignment, sheet.assignment_id).state = AssignmentState.REPLACED
            continue
        sheet.status = SheetStatus.SUBMITTED
        sheet.total = Decimal(60 + 5 * int(code[1]) + (3 if app_code == apps[0].code else 0))
        sheet.recommend = True
    session.commit()
    return review_round, apps


def test_the_ranking_page_names_the_groups_no_expert_links(client, auth, users, session):
    review_round, apps = _split_round(session)
    rank.aggregate(session, review_round=review_round, method="calibrated", seed=0, by=None)
    session.commit()
    auth.login("admin1")
    page = client.get(f"/admin/rounds/{review_round.id}/results").text
    assert "以下 2 组申请之间没有共同的评审专家" in page
    assert f"第 1 组（集成电路），共 2 项申请：{apps[0].code}、{apps[1].code} · " in page
    assert f"第 2 组（生物医药），共 2 项申请：{apps[2].code}、{apps[3].code} · " in page


def test_a_large_group_is_named_by_its_size_and_first_codes_and_links_its_ranking(client, auth, users, session,
                                                                                 monkeypatch):
    """At national scale a group has thousands of applications: the page names the first few and the
    count, and links the ranking filtered to the group."""
    review_round, apps = _split_round(session)
    run = rank.aggregate(session, review_round=review_round, method="calibrated", seed=0, by=None)
    session.commit()
    monkeypatch.setattr(standings, "PART_CODES", 1)
    auth.login("admin1")
    page = client.get(f"/admin/rounds/{review_round.id}/results").text
    assert f"第 2 组（生物医药），共 2 项申请：{apps[2].code} 等 2 项" in page and f"{apps[3].code} 等" not in page
    second = next(p for p in standings.parts(session, run) if p.position == 2)
    link = f"/admin/rounds/{review_round.id}/results?part={second.number}#ranking"
    assert link in html.unescape(page)
    ranking = client.get(link.split("#")[0]).text
    table = ranking[ranking.index('id="ranking"'):]
    assert "仅显示第 2 组（生物医药）的 2 项申请" in table
    assert apps[2].title in table and apps[3].title in table and apps[0].title not in table
    assert f'name="part" value="{second.number}"' in table  # the search keeps the group


@pytest.mark.demo
def test_the_leniency_chart_draws_evenly_spaced_experts_when_there_are_too_many(session, demo_round, monkeypatch):
    run = rank.aggregate(session, review_round=demo_round, method="calibrated", seed=0, by=None)
    session.commit()
    every = standings._leniencies(session, run)
    assert len(every) > 6 and [v for _c, v in every] == sorted(v for _c, v in every)
    monkeypatch.setattr(standings, "MAX_BARS", 5)
    drawn = standings._leniencies(session, run)
    n = len(every)
    assert drawn == [every[round(i * (n - 1) / 4)] for i in range(5)] and drawn[0] == every[0]
    assert drawn[-1] == every[-1]


def test_a_linked_round_says_nothing_about_groups(client, auth, users, session):
    review_round, apps = _split_round(session, linked=True)
    rank.aggregate(session, review_round=review_round, method="calibrated", seed=0, by=None)
    session.commit()
    auth.login("admin1")
    page = client.get(f"/admin/rounds/{review_round.id}/results").text
    assert "没有共同的评审专家" not in page and apps[3].code in page


@pytest.mark.demo
def test_a_stored_run_refuses_every_change_but_the_selection(session, demo_round):
    run = rank.aggregate(session, review_round=demo_round, method="calibrated", seed=0, by=None)
    session.commit()
    result = session.exec(select(RankingResult).where(RankingResult.ranking_run_id == run.id)).first()
    result.selected, result.selection_reason = True, "填补区域空白"
    session.commit()  # the selection may change (selection.py guards when)
    for row, column in (
        (result, "score"),
        (record.sheets(session, run=run)[0], "adjusted"),
        (next(iter(record.experts(session, run=run).values())), "leniency"),
    ):
        setattr(row, column, 1.0)
        with pytest.raises(record.StoredRunChanged, match=column):
            session.commit()
        session.rollback()
    session.expire_all()
    assert session.get(RankingResult, result.id).score != 1.0 and session.get(RankingResult, result.id).selected
