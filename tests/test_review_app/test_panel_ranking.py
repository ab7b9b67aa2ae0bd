"""Ranking a panel round (issue 18, step 5): the results page says how comparable the panels are (shared
experts or none) and, when they share none, selects by a quota per panel."""

import io
import json

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from review_app.models import AuditEvent, PanelApplication, PanelGroup, RankingResult
from review_app.services.assign import panel_groups
from review_app.services.meeting import offline
from review_app.services.platform.storage import store_for
from review_app.services.results import rank
from tests.factories import make_panel_round

pytestmark = pytest.mark.demo

COMMENT = "技术路线清晰，产学研分工明确，攻关任务与产业需求结合紧密，建议予以支持。"


@pytest.fixture
def ranked(app, session):
    """A panel round of two panels sharing no expert, every sheet submitted offline, aggregated."""
    review_round = make_panel_round(session, store_for(app.config))
    key = offline.signing_key(app.config["SECRET_KEY"])
    files = []
    for group, _apps in panel_groups.groups(session, review_round.id):
        book = load_workbook(io.BytesIO(offline.export_workbook(session, group=group, key=key)))
        ws = book["评分表"]
        n = ws.max_column - 7
        for row in range(3, ws.max_row + 1):
            for col in range(5, 5 + n):
                ws.cell(row=row, column=col).value = 1 + (row * 7 + col) % 5
            ws.cell(row=row, column=6 + n).value = "推荐"
            ws.cell(row=row, column=7 + n).value = COMMENT
        buffer = io.BytesIO()
        book.save(buffer)
        files.append((f"第{group.number}组.xlsx", buffer.getvalue()))
    offline.import_workbooks(session, review_round=review_round, files=files, key=key, by=None)
    run = rank.aggregate(session, review_round=review_round, by=None)
    session.commit()
    return review_round, run


def test_unlinked_panels_are_said_so_and_selected_by_quota(client, auth, users, session, ranked):
    review_round, run = ranked
    auth.login("admin1")
    page = client.get(f"/admin/rounds/{review_round.id}/results").text
    assert "各专家组之间没有共同专家" in page and "第 1 组名额" in page
    done = auth.post(f"/admin/rounds/{review_round.id}/results/runs/{run.id}/panel-quotas",
                     {"quota_1": "1", "quota_2": "2"}, follow_redirects=True).text
    assert "已按各组名额选中 3 项申请" in done
    group_of = {p.application_id: session.get(PanelGroup, p.group_id).number
                for p in session.exec(select(PanelApplication).where(PanelApplication.round_id == review_round.id))}
    session.expire_all()
    chosen = [r for r in session.exec(select(RankingResult).where(RankingResult.ranking_run_id == run.id))
              if r.selected]
    assert sorted(group_of[r.application_id] for r in chosen) == [1, 2, 2]
    for number in (1, 2):  # the best of each panel by the run's ranking
        ranks = sorted(r.rank for r in session.exec(select(RankingResult).where(RankingResult.ranking_run_id == run.id))
                       if group_of[r.application_id] == number)
        assert sorted(r.rank for r in chosen if group_of[r.application_id] == number) == ranks[: number]
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "ranking.panel_quota")).one()
    assert json.loads(event.details)["quotas"] == {"1": 1, "2": 2}
