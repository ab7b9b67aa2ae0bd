"""Grades of an annual evaluation (issue 22): by thresholds and by a share for 优秀 (ties, empty), from the
approved stored ranking; the rule form (audited); a change by hand needs a reason, is audited with before
and after, and shows as changed; publication fixes everything; the files for the 高新处 (openpyxl, pypdf);
cities download their own consortia's grades only; the table of changes since the previous year."""

import io
import json

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select

from review_app.models import AuditEvent, ConsortiumGrade, Grade, GradeMethod, ScoreSheet
from review_app.services.results import approval, grade_changes, grades, grading
from tests.grade_factories import make_consortia, scored_annual_round

CITIES = ["南京市", "南京市", "苏州市", "苏州市", "无锡市"]


@pytest.fixture
def graded(session, users):
    """Five consortia (南京 ×2, 苏州 ×2, 无锡) scored 95, 85, 70, 50, 80 in 2026, approved."""
    consortia = make_consortia(session, CITIES)
    totals = list(zip(consortia, [95, 85, 70, 50, 80], strict=True))
    review_round, run, reports = scored_annual_round(session, year=2026, totals=totals)
    return review_round, run, consortia, reports


def _grades(session, review_round) -> dict[str, Grade]:
    return {line.title: line.grade for line in grades.grade_list(session, review_round=review_round).lines}


def _events(session, action):
    return [json.loads(e.details) for e in session.exec(select(AuditEvent).where(AuditEvent.action == action))]


def test_thresholds_grade_the_stored_scores_and_the_page_shows_them(session, auth, client, graded):
    review_round, run, consortia, _reports = graded
    assert _grades(session, review_round) == {
        consortia[0].name: Grade.EXCELLENT,
        consortia[1].name: Grade.GOOD,
        consortia[2].name: Grade.PASS,
        consortia[3].name: Grade.FAIL,
        consortia[4].name: Grade.GOOD,  # exactly at the threshold of 良好
    }
    auth.login("admin1")
    page = client.get(f"/admin/rounds/{review_round.id}/grades").text
    assert "优秀 ≥ 90; 良好 ≥ 80，合格 ≥ 60" in page
    assert page.count('class="badge grade grade-fail"') == 1 and "不合格" in page
    assert f"依据审定的排名（第 {run.id} 号汇总" in page
    # The results page of an annual round links to its grades; a new-consortium round has none.
    assert f"/admin/rounds/{review_round.id}/grades" in client.get(f"/admin/rounds/{review_round.id}/results").text


def test_grades_come_from_the_stored_run_not_a_fresh_aggregation(session, graded):
    review_round, run, consortia, reports = graded
    weak = reports[consortia[3].id]
    # Even if a sheet's total changed behind the lock, the grades read the approved run as stored.
    for sheet in session.exec(select(ScoreSheet).where(ScoreSheet.application_id == weak.id)):
        sheet.total = 99
    session.commit()
    line = next(x for x in grades.grade_list(session, review_round=review_round).lines if x.application_id == weak.id)
    assert (line.score, line.grade, line.rank) == (pytest.approx(50), Grade.FAIL, 5)
    listed = grades.grade_list(session, review_round=review_round)
    assert [x.rank for x in listed.lines] == [1, 2, 3, 4, 5] and listed.run == run


def test_a_share_for_excellent_caps_it_and_keeps_ties_together(session, users):
    consortia = make_consortia(session, ["南京市"] * 5)
    review_round, _run, _reports = scored_annual_round(
        session, year=2026, totals=list(zip(consortia, [95, 92, 92, 85, 55], strict=True))
    )
    grades.save_rule(
        session, review_round=review_round, method=GradeMethod.SHARE, excellent_min=90, good_min=80, pass_min=60,
        excellent_share=40, by=users["admin"],
    )
    got = _grades(session, review_round)
    # 40 % of 5 is 2 places; the two 92s would make 3, so only the 95 is 优秀 and the tie stays together.
    assert [got[c.name] for c in consortia] == [Grade.EXCELLENT, Grade.GOOD, Grade.GOOD, Grade.GOOD, Grade.FAIL]
    grades.save_rule(
        session, review_round=review_round, method=GradeMethod.SHARE, excellent_min=90, good_min=80, pass_min=60,
        excellent_share=60, by=users["admin"],
    )
    got = _grades(session, review_round)
    assert [got[c.name] for c in consortia][:3] == [Grade.EXCELLENT] * 3  # 3 places: the tie fits


def test_the_rule_on_plain_numbers_ties_empty_and_the_share_floor():
    share = grading.Rule(GradeMethod.SHARE, excellent_share=20)
    assert grading.grade_scores([], share) == [] and grading.grade_scores([], grading.Rule()) == []
    assert grading.grade_scores([99.0, 98.0, 97.0, 96.0], share) == [Grade.GOOD] * 4  # ⌊4 × 20 %⌋ = 0 places
    assert grading.grade_scores([85.0, 85.0, 85.0, 85.0, 85.0], share) == [Grade.GOOD] * 5  # no place
    assert grading.grade_scores([79.0] * 10, share) == [Grade.PASS] * 10  # below 良好: never 优秀 by share
    assert grading.grade_scores([89.994, 89.995], grading.Rule()) == [Grade.GOOD, Grade.EXCELLENT]  # as shown


def test_the_rule_form_is_audited_and_refuses_bad_thresholds(session, auth, client, graded, users):
    review_round, *_ = graded
    auth.login("admin1")
    url = f"/admin/rounds/{review_round.id}/grades/rule"
    bad = auth.post(url, {"method": "thresholds", "excellent_min": "70", "excellent_share": "20", "good_min": "80",
                          "pass_min": "60"}, follow_redirects=True).text
    assert "从合格、良好到优秀依次升高" in bad
    assert grades.rule_of(session, round_id=review_round.id).id is None and _events(session, "grade.rule") == []
    auth.post(url, {"method": "thresholds", "excellent_min": "85", "excellent_share": "20", "good_min": "75",
                    "pass_min": "60"})
    session.expire_all()
    assert _grades(session, review_round)[graded[2][1].name] == Grade.EXCELLENT  # 85 is now 优秀
    (event,) = _events(session, "grade.rule")
    assert event["before"]["excellent_min"] == 90 and event["after"]["excellent_min"] == 85
    auth.logout()
    auth.login("auditor1")
    assert "等级评定规则已修改" in client.get("/audit/events").text
    page = client.get(f"/admin/rounds/{review_round.id}/grades").text
    assert 'action="/admin/rounds/' not in page.split('id="rule"')[1].split("</section>")[0]  # read-only


def test_a_change_by_hand_needs_a_reason_is_audited_and_shows_as_changed(session, auth, client, graded):
    review_round, _run, consortia, reports = graded
    auth.login("admin1")
    weak = reports[consortia[3].id]
    url = f"/admin/rounds/{review_round.id}/grades/{weak.id}/change"
    page = auth.post(url, {"grade": "pass", "reason": ""}, follow_redirects=True).text
    assert "人工调整等级须说明理由" in page
    page = auth.post(url, {"grade": "pass", "reason": "好"}, follow_redirects=True).text
    assert "请填写调整等级的理由（至少 4 个字）" in page
    session.expire_all()
    assert _grades(session, review_round)[consortia[3].name] == Grade.FAIL and _events(session, "grade.change") == []
    page = auth.post(url, {"grade": "pass", "reason": "年报数据经核实后补正"}, follow_redirects=True).text
    assert "人工调整" in page and "年报数据经核实后补正" in page
    session.expire_all()
    assert _grades(session, review_round)[consortia[3].name] == Grade.PASS
    (event,) = _events(session, "grade.change")
    assert (event["before"], event["after"], event["computed"]) == ("fail", "pass", "fail")
    assert event["reason"] == "年报数据经核实后补正"


def test_publication_fixes_the_grades_the_rule_and_the_ranking(session, auth, client, graded, users):
    review_round, run, consortia, reports = graded
    grades.change_grade(session, review_round=review_round, application_id=reports[consortia[2].id].id,
                        grade=Grade.GOOD, reason="现场核查表现突出", by=users["admin"])
    session.commit()
    auth.login("admin1")
    page = auth.post(f"/admin/rounds/{review_round.id}/grades/publish", follow_redirects=True).text
    assert "等级已发布，不能再修改" in page
    session.expire_all()
    rows = session.exec(select(ConsortiumGrade).where(ConsortiumGrade.round_id == review_round.id)).all()
    assert len(rows) == 5 and {r.ranking_run_id for r in rows} == {run.id}
    changed = [r for r in rows if r.reason]
    assert [(r.computed, r.grade) for r in changed] == [(Grade.PASS, Grade.GOOD)]
    with pytest.raises(grades.GradeError, match="已发布"):
        grades.save_rule(session, review_round=review_round, method=GradeMethod.THRESHOLDS, excellent_min=50,
                         good_min=40, pass_min=30, excellent_share=20, by=None)
    session.rollback()
    with pytest.raises(grades.GradeError, match="已发布"):
        grades.change_grade(session, review_round=review_round, application_id=reports[consortia[0].id].id,
                            grade=Grade.FAIL, reason="测试一下理由", by=None)
    session.rollback()
    with pytest.raises(approval.LockedError, match="等级"):
        approval.reopen(session, review_round=review_round, reason="复核评分数据", by=None)
    session.rollback()
    page = client.get(f"/admin/rounds/{review_round.id}/grades").text
    assert "/grades/publish" not in page and "/change" not in page and "人工调整" in page
    assert len(_events(session, "grade.publish")) == 1


def test_the_grade_list_files_open_with_openpyxl_and_pypdf(session, auth, client, graded):
    review_round, _run, consortia, _reports = graded
    auth.login("admin1")
    xlsx = client.get(f"/admin/rounds/{review_round.id}/grades.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "2026年度自评：等级名单" and "草稿：尚未发布" in values[2][0]
    header = values[4]
    assert header[:6] == ("排名", "报告编号", "创新联合体名称", "设区市", "得分", "等级")
    body = {row[2]: row for row in values[5:]}
    assert body[consortia[0].name][5] == "优秀" and body[consortia[3].name][5] == "不合格"
    pdf = client.get(f"/admin/rounds/{review_round.id}/grades.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert consortia[3].name in text and "不合格" in text and "优秀 ≥ 90" in text
    assert [e["format"] for e in _events(session, "export")] == ["xlsx", "pdf"]


def test_cities_download_their_own_consortia_grades_only_once_published(session, auth, client, graded, users):
    review_round, _run, consortia, _reports = graded
    auth.login("nanjing1")
    url = f"/city/rounds/{review_round.id}/grades.xlsx"
    assert client.get(url).status_code == 404  # not published yet
    assert client.get(f"/admin/rounds/{review_round.id}/grades").status_code == 403
    grades.publish(session, review_round=review_round, by=users["admin"])
    session.commit()
    assert "我市联合体等级（Excel）" in client.get("/city/").text
    sheet = load_workbook(io.BytesIO(client.get(url).data)).active
    names = {row[2] for row in sheet.iter_rows(min_row=6, values_only=True)}
    assert names == {consortia[0].name, consortia[1].name}
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(client.get(url[:-4] + "pdf").data)).pages)
    assert consortia[0].name in text and consortia[2].name not in text and consortia[4].name not in text
    auth.logout()
    auth.login("suzhou1")
    sheet = load_workbook(io.BytesIO(client.get(url).data)).active
    assert {row[2] for row in sheet.iter_rows(min_row=6, values_only=True)} == {consortia[2].name, consortia[3].name}


def test_the_changes_table_flags_improvement_decline_and_a_second_fail(session, auth, client, users):
    consortia = make_consortia(session, ["南京市", "苏州市", "无锡市", "南京市"])
    a, b, c, d = consortia
    last, _r, _x = scored_annual_round(session, year=2025, totals=[(a, 85), (b, 70), (c, 50)])
    grades.publish(session, review_round=last, by=users["admin"])
    session.commit()
    this, _run, _reports = scored_annual_round(session, year=2026, totals=[(a, 93), (b, 55), (c, 40), (d, 75)])
    listed = grade_changes.round_changes(session, grade_list=grades.grade_list(session, review_round=this))
    changes = {x.line.title: x for x in listed}
    assert (changes[a.name].trend, changes[a.name].previous) == ("improved", Grade.GOOD)
    assert changes[b.name].trend == "fell" and not changes[b.name].repeat_fail
    assert changes[c.name].repeat_fail and changes[c.name].fails == 2 and changes[c.name].trend == "same"
    assert changes[d.name].trend == "new" and changes[d.name].previous is None
    auth.login("admin1")
    page = client.get(f"/admin/rounds/{this.id}/grades").text
    section = page.split('id="changes"')[1]
    assert "第二次不合格" in section and c.name in section.split("</p>")[0]
    assert section.index(c.name) < section.index(b.name) < section.index(a.name)  # repeat fail, fell, improved
