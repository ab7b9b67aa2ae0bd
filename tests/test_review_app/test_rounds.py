"""Rounds: creation and settings through the admin pages, the criteria sheet, the stage machine and
its guards, the check page, and the CLI report agreeing with the page's export."""

import re

from sqlmodel import select

from review_app.models import Application, AuditEvent, CheckResult, City, Consortium, Criterion, Round, RoundStage
from review_app.services import rounds
from review_app.services.check import runner as check_runner
from review_app.services.intake.annual import annual_report
from tests.intake_factories import make_city_application, make_round, make_unit


def round_named(session, name):
    session.expire_all()
    return session.exec(select(Round).where(Round.name == name)).one()


def test_admin_creates_a_round_and_edits_its_settings(client, auth, users, session):
    auth.login("admin1")
    response = auth.post("/admin/rounds/new", {"name": "2027年度新建申报", "kind": "new_consortium", "year": "2027"})
    review_round = round_named(session, "2027年度新建申报")
    assert response.location == f"/admin/rounds/{review_round.id}/settings"
    form = {
        "name": "2027年度新建申报",
        "year": "2027",
        "city_deadline": "2027-06-15T17:00",
        "check_deadline": "2027-06-30T17:00",
        "scoring_deadline": "2027-07-31T17:00",
        "experts_per_application": "7",
        "max_load": "10",
        "min_load": "1",
        "city_quota": "5",
        "avoid_same_city": "y",
        "pledge_text": "承诺",
    }
    response = auth.post(f"/admin/rounds/{review_round.id}/settings", form)
    assert response.status_code == 302
    review_round = round_named(session, "2027年度新建申报")
    assert review_round.experts_per_application == 7 and review_round.avoid_same_city
    assert not review_round.org_diverse
    # 17:00 in Beijing is 09:00 UTC
    assert (review_round.city_deadline.hour, review_round.city_deadline.day) == (9, 15)
    page = client.get(f"/admin/rounds/{review_round.id}").text
    assert "2027-06-15 17:00" in page and "进入：设区市推荐" in page
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "round.update")).one()
    assert "experts_per_application" in event.details

    form["scoring_deadline"] = "2027-06-01T17:00"  # before the city deadline
    response = auth.post(f"/admin/rounds/{review_round.id}/settings", form, follow_redirects=True)
    assert "截止时间须依次为" in response.text


def test_criteria_must_total_100_and_lock_once_scoring_begins(app, client, auth, users, session):
    with app.test_request_context():
        review_round = make_round(session, stage="draft")
    session.commit()
    auth.login("admin1")
    page = client.get(f"/admin/rounds/{review_round.id}/criteria").text
    assert "牵头单位实力与组织能力" in page
    rows = {f"rows-{i}-title": t for i, (t, _p) in enumerate(rounds.DEFAULT_CRITERIA[review_round.kind])}
    rows |= {f"rows-{i}-max_points": str(p) for i, (_t, p) in enumerate(rounds.DEFAULT_CRITERIA[review_round.kind])}
    rows["rows-0-max_points"] = "30"
    response = auth.post(f"/admin/rounds/{review_round.id}/criteria", rows)
    assert "各项分值合计须为 100 分，当前为 110 分" in response.text
    rows["rows-0-max_points"] = "10"
    rows["rows-1-max_points"] = "25"
    rows["rows-5-title"] = ""  # removes 预期目标与示范带动 (15)
    rows["rows-2-max_points"] = "40"
    response = auth.post(f"/admin/rounds/{review_round.id}/criteria", rows)
    assert response.status_code == 302
    session.expire_all()
    criteria = session.exec(select(Criterion).where(Criterion.round_id == review_round.id)).all()
    assert len(criteria) == 5 and sum(c.max_points for c in criteria) == 100

    review_round = session.get(Round, review_round.id)
    review_round.stage = RoundStage.SCORING
    session.commit()
    response = auth.post(f"/admin/rounds/{review_round.id}/criteria", rows, follow_redirects=True)
    assert "专家评分开始后不能修改评分指标" in response.text


def test_stage_guards(app, session, users):
    with app.test_request_context():
        review_round = make_round(session, stage="draft", deadline_days=None)
        blockers = rounds.blockers(session, review_round, RoundStage.INTAKE)
        assert blockers == ["请先设置设区市报送截止时间。"]
        review_round.city_deadline = review_round.created_at
        rounds.advance(session, review_round=review_round, to_stage=RoundStage.INTAKE, by=users["admin"])
        assert rounds.blockers(session, review_round, RoundStage.FORMAL_CHECK) == ["尚无已提交或已导入的申报。"]
        make_city_application(session, review_round, code="A1")
        rounds.advance(session, review_round=review_round, to_stage=RoundStage.FORMAL_CHECK, by=users["admin"])
        # no assignment before the check is done
        assert rounds.blockers(session, review_round, RoundStage.ASSIGNMENT)[0].startswith("请先运行形式审查")
        check_runner.run_check(session, review_round=review_round, by=users["admin"])
        assert rounds.blockers(session, review_round, RoundStage.ASSIGNMENT) == []
        # a change after the check makes it stale again
        make_city_application(session, review_round, code="A2", city="苏州市")
        assert rounds.blockers(session, review_round, RoundStage.ASSIGNMENT)
        check_runner.run_check(session, review_round=review_round, by=users["admin"])
        rounds.advance(session, review_round=review_round, to_stage=RoundStage.ASSIGNMENT, by=users["admin"])
        assert rounds.blockers(session, review_round, RoundStage.SCORING) == ["请先发布专家分配。"]
        assert rounds.blockers(session, review_round, RoundStage.PUBLISHED) == ["轮次不能从当前阶段转到该阶段。"]
        try:
            rounds.advance(session, review_round=review_round, to_stage=RoundStage.SCORING, by=users["admin"])
        except rounds.RoundError as error:
            assert "请先发布专家分配" in str(error)
        else:
            raise AssertionError("moved to scoring without an assignment")
    session.commit()
    moves = session.exec(select(AuditEvent).where(AuditEvent.action == "round.stage")).all()
    assert [m.details for m in moves][-1].count("assignment") == 1 and len(moves) == 3


def test_an_annual_round_opens_one_report_per_existing_consortium(app, session, users):
    lead = make_unit(session, "已建联合体牵头公司", city="苏州市")
    other = make_unit(session, "另一牵头研究院", kind="重大科技平台", city="无锡市")
    city_ids = dict(session.exec(select(City.name, City.id)).all())
    for code, name, city, org, field in (
        ("LHT2024001", "江苏省某某创新联合体", "苏州市", lead, "集成电路"),
        ("LHT2024002", "江苏省另一创新联合体", "无锡市", other, "新材料"),
    ):
        session.add(Consortium(code=code, name=name, city_id=city_ids[city], lead_org_id=org.id, field=field,
                               established_year=2024))
    with app.test_request_context():
        annual = make_round(session, name="2026年度自评", kind="annual_evaluation", stage="draft")
        rounds.advance(session, review_round=annual, to_stage=RoundStage.INTAKE, by=users["admin"])
        for consortium in session.exec(select(Consortium)).all():
            report = annual_report(
                session, review_round=annual, consortium_id=consortium.id, city_id=consortium.city_id, by=None
            )
            assert report.code == f"ZP2026{consortium.id:04d}"
        # a city asking for another city's consortium gets nothing
        assert (
            annual_report(
                session, review_round=annual, consortium_id=consortium.id, city_id=city_ids["南京市"], by=None
            )
            is None
        )
    reports = session.exec(select(Application).where(Application.round_id == annual.id)).all()
    assert sorted(r.title for r in reports) == ["江苏省另一创新联合体", "江苏省某某创新联合体"]
    assert all(r.consortium_id and r.status == "draft" for r in reports)
    criteria = session.exec(select(Criterion).where(Criterion.round_id == annual.id).order_by(Criterion.position)).all()
    assert criteria[0].title == "战略目标与重大任务执行"


def test_check_page_filters_override_and_export_match_the_cli(app, client, auth, users, session, runner, tmp_path):
    with app.test_request_context():
        review_round = make_round(session, stage="formal_check")
    make_city_application(session, review_round, code="A1")
    make_city_application(session, review_round, code="A2", revenue="9")
    session.commit()
    auth.login("admin1")
    response = auth.post(f"/admin/rounds/{review_round.id}/check/run")
    assert response.status_code == 302
    page = client.get(f"/admin/rounds/{review_round.id}/check?verdict=fail").text
    assert page.count('class="check-row"') == 1 and "低于10亿元" in page
    page = client.get(f"/admin/rounds/{review_round.id}/check?rule=R3").text
    assert page.count('class="check-row"') == 2
    result_id = session.exec(
        select(CheckResult.id)
        .join(Application, Application.id == CheckResult.application_id)
        .where(Application.code == "A2", CheckResult.rule == "R3")
    ).one()
    response = auth.post(f"/admin/checks/{result_id}/override", {"verdict": "pass", "reason": ""})
    assert response.status_code == 200  # the reason is required
    response = auth.post(f"/admin/checks/{result_id}/override", {"verdict": "pass", "reason": "补充材料证明收入达标"})
    assert response.status_code == 302
    page = client.get(f"/admin/rounds/{review_round.id}/check?verdict=fail").text
    assert page.count('class="check-row"') == 0

    exported = client.get(f"/admin/rounds/{review_round.id}/check.csv")
    assert exported.headers["Content-Type"].startswith("text/csv")
    out = tmp_path / "report.csv"
    result = runner.invoke(args=["formal-check", "--round", str(review_round.id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == exported.data
    assert "人工改判" in out.read_text(encoding="utf-8-sig")


def test_formal_check_cli_errors_are_one_line(runner, tmp_path):
    result = runner.invoke(args=["formal-check", "--round", "999", "--out", str(tmp_path / "r.csv")])
    assert result.exit_code == 1 and "no round with id 999" in result.output


def test_the_auditor_reads_round_pages_but_cannot_change_them(app, client, auth, users, session):
    with app.test_request_context():
        review_round = make_round(session, stage="formal_check")
    session.commit()
    auth.login("auditor1")
    assert client.get(f"/admin/rounds/{review_round.id}").status_code == 200
    assert client.get(f"/admin/rounds/{review_round.id}/check").status_code == 200
    assert auth.post(f"/admin/rounds/{review_round.id}/check/run").status_code == 403
    assert auth.post(f"/admin/rounds/{review_round.id}/stage", {"to_stage": "assignment"}).status_code == 403
    auth.logout()
    auth.login("nanjing1")
    assert client.get(f"/admin/rounds/{review_round.id}").status_code == 403


def test_round_pages_of_an_unknown_round_are_404(client, auth, users):
    auth.login("admin1")
    for path in ("/admin/rounds/999", "/admin/rounds/999/check", "/admin/rounds/999/applications"):
        assert client.get(path).status_code == 404, path
    assert re.search("404", client.get("/admin/rounds/999/settings").text)
