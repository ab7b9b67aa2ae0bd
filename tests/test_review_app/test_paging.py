"""Long lists in pages (issue 20): every list a national round makes long shows one page with the true total,
the next page shows the rest, and the filters and the search stay in every page link."""

import html
import re
from urllib.parse import unquote

from sqlmodel import select

from review_app.models import Expert, Role, User
from review_app.services.check import runner as check_runner
from review_app.services.compliance import audit
from review_app.services.platform import paging
from tests.factories import make_expert, make_scoring_round
from tests.intake_factories import make_city_application, make_round


def links(page: str) -> list[str]:
    """The pager's links of a page, unescaped."""
    nav = re.search(r'<nav class="pager".*?</nav>', page, re.S)
    return [unquote(html.unescape(h)) for h in re.findall(r'href="([^"]+)"', nav.group(0))] if nav else []


def test_a_page_knows_its_place_in_the_list():
    page = paging.of_list(list(range(130)), number=2, size=50)
    assert (page.items[0], page.first, page.last, page.total, page.pages) == (50, 51, 100, 130, 3)
    assert page.has_previous and page.has_next
    assert paging.of_list(list(range(130)), number=99, size=50).number == 3  # past the end: the last page
    assert paging.of_list([], number=1).first == 0 and paging.Page([], 10, 50, 1000).window() == [
        1, None, 8, 9, 10, 11, 12, None, 20,
    ]


def test_the_expert_pool_shows_every_expert_in_pages_with_the_true_total(client, auth, users, session):
    for n in range(130):
        make_expert(session, code=f"P{n:04d}", name=f"专家{n}", fields="人工智能" if n < 105 else "集成电路")
    session.commit()
    total = session.exec(select(Expert)).all().__len__()  # the users fixture's expert too
    auth.login("admin1")
    first = client.get("/admin/experts").text
    assert f"共 {total} 位专家" in first and first.count('href="/admin/experts/') >= 100
    assert f"第 1–100 条，共 {total} 条" in first
    second = client.get("/admin/experts?page=2").text
    assert f"第 101–{total} 条，共 {total} 条" in second and "P0129" in second and "P0000" not in second
    # A search keeps its words in every page link, and its own total.
    found = client.get("/admin/experts?q=人工智能").text
    assert "共 105 位专家" in found and any("q=人工智能" in h and "page=2" in h for h in links(found))
    rest = client.get("/admin/experts?q=人工智能&page=2").text
    assert "第 101–105 条，共 105 条" in rest and "P0104" in rest and "P0110" not in rest


def test_the_formal_check_table_pages_keep_the_filters(app, client, auth, users, session):
    with app.test_request_context():
        rnd = make_round(session, quota=20)
        for n in range(12):
            make_city_application(session, rnd, code=f"A{n:02d}")
        check_runner.run_check(session, review_round=rnd, by=None)
    session.commit()
    auth.login("admin1")
    verdicts = 12 * len(check_runner.rules.RULES)
    first = client.get(f"/admin/rounds/{rnd.id}/check").text
    assert f"第 1–100 条，共 {verdicts} 条" in first and first.count('class="check-row"') == 100
    second = client.get(f"/admin/rounds/{rnd.id}/check?page=2").text
    assert second.count('class="check-row"') == verdicts - 100
    # The counts are the whole round's, whatever the page; a filter keeps itself in the page links.
    assert re.search(r'<div class="stat-value">12</div><div class="stat-label">已审查申报', second)
    passing = client.get(f"/admin/rounds/{rnd.id}/check?verdict=pass").text
    assert any("verdict=pass" in h and "page=2" in h for h in links(passing))
    one = client.get(f"/admin/rounds/{rnd.id}/check?q=A07").text
    assert one.count('class="check-row"') == len(check_runner.rules.RULES) and "A08" not in one


def test_the_accounts_page_pages_and_filters_by_role(client, auth, users, session):
    for n in range(120):
        session.add(User(username=f"city{n:03d}", role=Role.CITY, display_name=f"市局{n}", password_hash="x"))
    session.commit()
    auth.login("admin1")
    total = len(session.exec(select(User)).all())
    first = client.get("/admin/accounts").text
    assert f"第 1–100 条，共 {total} 条" in first
    assert f"第 101–{total} 条" in client.get("/admin/accounts?page=2").text
    cities = client.get("/admin/accounts?role=city").text
    assert "共 122 条" in cities  # the fixture's two city accounts and these
    assert any("role=city" in h and "page=2" in h for h in links(cities))
    assert "city042" in client.get("/admin/accounts?q=市局42").text


def test_the_score_sheets_page_counts_every_sheet_and_pages_each_filter(client, auth, users, session):
    experts = [make_expert(session, code=f"S{n:03d}") for n in range(11)]
    review_round, _apps, _sheets = make_scoring_round(session, experts=experts, applications=10)
    session.commit()
    auth.login("admin1")
    first = client.get(f"/admin/rounds/{review_round.id}/sheets").text
    assert "第 1–100 条，共 110 条" in first and "(110)" in first
    untouched = client.get(f"/admin/rounds/{review_round.id}/sheets?status=untouched").text
    assert any("status=untouched" in h and "page=2" in h for h in links(untouched))
    assert "第 101–110 条" in client.get(f"/admin/rounds/{review_round.id}/sheets?status=untouched&page=2").text
    drafts = client.get(f"/admin/rounds/{review_round.id}/sheets?status=draft").text
    assert "共 0 条" in drafts and "(110)" in drafts  # the tab counts stay the round's
    assert "第 1–10 条，共 10 条" in client.get(f"/admin/rounds/{review_round.id}/sheets?q=S004").text


def test_the_progress_page_pages_experts_and_applications_on_their_own(client, auth, users, session):
    experts = [make_expert(session, code=f"Q{n:03d}") for n in range(60)]
    review_round, _apps, _sheets = make_scoring_round(session, experts=experts, applications=2)
    session.commit()
    auth.login("admin1")
    page = client.get(f"/admin/rounds/{review_round.id}/progress").text
    assert re.search(r'<div class="stat-value">120</div><div class="stat-label">未开始', page)
    assert "第 1–50 条，共 60 条" in page and "第 1–2 条，共 2 条" in page
    second = client.get(f"/admin/rounds/{review_round.id}/progress?experts_page=2").text
    assert "第 51–60 条，共 60 条" in second and "Q059" in second


def test_the_audit_log_pages_from_the_newest_and_keeps_the_search(app, client, auth, users, session):
    with app.test_request_context():
        for n in range(120):
            audit.record(session, action="export" if n % 2 else "audit.export", by=None, details={"n": n})
    session.commit()
    auth.login("admin1")
    page = client.get("/audit/events").text
    total = int(re.search(r"第 1–50 条，共 (\d+) 条", page).group(1))
    assert total > 120
    older = client.get("/audit/events?page=2").text
    assert f"第 51–100 条，共 {total} 条" in older
    seqs = [int(s) for s in re.findall(r'href="/audit/events/(\d+)"', page)]
    assert seqs == sorted(seqs, reverse=True)
    assert max(int(s) for s in re.findall(r'href="/audit/events/(\d+)"', older)) < min(seqs)
    exports = client.get("/audit/events?action=export").text
    assert "第 1–50 条，共 60 条" in exports and any("action=export" in h and "page=2" in h for h in links(exports))
