"""Year on year (issue 22): a consortium's page lays its annual evaluations side by side (score, published
grade, each key indicator with its trend, a small chart); its city sees it, another city does not."""

from review_app.models import Grade
from review_app.services.registry import history, year_on_year
from review_app.services.results import grades
from tests.grade_factories import file_reports, make_consortia, scored_annual_round


def _two_years(session, users):
    a, b = make_consortia(session, ["南京市", "苏州市"])
    first, _run, reports = scored_annual_round(session, year=2024, totals=[(a, 84), (b, 58)])
    file_reports(session, reports, {a.id: 1.0, b.id: 1.0})
    grades.publish(session, review_round=first, by=users["admin"])
    session.commit()
    second, _run, reports = scored_annual_round(session, year=2025, totals=[(a, 93), (b, 52)])
    file_reports(session, reports, {a.id: 1.5, b.id: 0.5})
    grades.change_grade(session, review_round=second, application_id=reports[b.id].id, grade=Grade.PASS,
                        reason="整改材料已核实", by=users["admin"])
    grades.publish(session, review_round=second, by=users["admin"])
    session.commit()
    return a, b


def test_the_years_side_by_side_with_grades_indicators_and_trends(session, users):
    a, b = _two_years(session, users)
    side = year_on_year.year_on_year(history.history(session, a))
    assert [row.round.year for row in side.years] == [2024, 2025]
    assert [row.grade for row in side.years] == [Grade.GOOD, Grade.EXCELLENT]
    patents = next(line for line in side.lines if line.indicator.key == "invention_patents")
    assert patents.values == [23, 34] and patents.trends == [None, "up"] and patents.bars == [23 / 34, 1.0]
    weak = year_on_year.year_on_year(history.history(session, b))
    assert [row.grade for row in weak.years] == [Grade.FAIL, Grade.PASS] and weak.years[1].grade_changed
    assert next(line for line in weak.lines if line.indicator.key == "team_size").trends == [None, "down"]


def test_the_consortium_page_shows_it_to_the_centre_and_its_city_only(session, users, auth, client):
    a, _b = _two_years(session, users)
    auth.login("admin1")
    page = client.get(f"/admin/consortia/{a.id}").text
    section = page.split('id="year-on-year"')[1]
    assert "逐年对比" in page and "2024" in section and "2025" in section
    assert section.count("<rect") >= 2 and "优秀" in section and "良好" in section
    assert "发明专利授权" in section and "23" in section and "34 ▲" in section
    auth.logout()
    auth.login("nanjing1")
    assert 'id="year-on-year"' in client.get(f"/city/consortia/{a.id}").text
    auth.logout()
    auth.login("suzhou1")
    assert client.get(f"/city/consortia/{a.id}").status_code == 404
