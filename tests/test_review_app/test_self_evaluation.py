"""The structured annual self-evaluation (issue 22): the city's form (drafts, kept input, full-width digits),
the completeness rules R15–R18 of the formal check, the city's opinion required, the generated PDF, what the
centre and the expert see, and that a city reaches only its own reports."""

import csv
import io
from decimal import Decimal

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from sqlmodel import select

from review_app.models import (
    Application,
    AuditEvent,
    ConflictDeclaration,
    Consortium,
    PledgeAcceptance,
    RoundKind,
    SelfEvaluation,
    Verdict,
)
from review_app.services.check import report as check_report
from review_app.services.check import runner as check_runner
from review_app.services.intake import annual, rules, self_evaluation
from review_app.services.intake.self_evaluation import INDICATORS, MIN_SECTION_CHARS, SECTIONS, parse_indicator
from tests.intake_factories import REPORT_TEXT as TEXT
from tests.intake_factories import REPORT_VALUES as VALUES
from tests.intake_factories import make_city_application, make_round, make_unit, pdf_bytes


def form_data(**over) -> dict:
    data = {f"section_{k}": v for k, v in TEXT.items()} | {f"indicator_{k}": v for k, v in VALUES.items()}
    return data | over


@pytest.fixture
def report(app, session, users):
    """A draft annual report of 南京市's consortium in an annual round open for intake."""
    lead = make_unit(session, "南京晶芯半导体股份有限公司")
    consortium = Consortium(code="LHT-T-001", name="江苏省第三代半导体创新联合体", city_id=users["nanjing"].city_id,
                            lead_org_id=lead.id, field="集成电路", established_year=2024)
    session.add(consortium)
    with app.test_request_context():
        annual_round = make_round(session, name="2026年度自评", kind="annual_evaluation")
        application = annual.annual_report(session, review_round=annual_round, consortium_id=consortium.id,
                                           city_id=consortium.city_id, by=None)
    session.commit()
    return application


def stored(session, application) -> SelfEvaluation | None:
    session.expire_all()
    return session.exec(select(SelfEvaluation).where(SelfEvaluation.application_id == application.id)).first()


def file_report(session, application, **over) -> SelfEvaluation:
    """A complete report stored directly, with `over` replacing parts or indicators."""
    numbers = {i.key: (int(VALUES[i.key]) if i.type == "int" else Decimal(VALUES[i.key])) for i in INDICATORS}
    values = {**TEXT, **numbers}
    row = SelfEvaluation(application_id=application.id, **{**values, **over})
    session.add(row)
    session.flush()
    return row


# The one list ------------------------------------------------------------------------------------


def test_the_parts_and_indicators_are_listed_once_and_stored_as_numbers(app):
    columns = SelfEvaluation.__table__.columns
    assert [s.key for s in SECTIONS] == ["strategy", "platforms", "team", "achievements", "products", "plan"]
    assert len(INDICATORS) == 8 and {i.unit for i in INDICATORS} == {"万元", "件", "项", "个", "人"}
    for indicator in INDICATORS:
        expected = sa.Integer if indicator.type == "int" else sa.Numeric
        assert isinstance(columns[indicator.key].type, expected), indicator.key
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert [str(s.label) for s in SECTIONS] == [
            "战略目标实施和重大项目任务执行情况", "高水平研发平台建设情况", "人员团队建设情况", "科技成果转化情况",
            "标志性产品应用推广情况", "下年度工作计划"]
        assert [(str(i.label), i.unit) for i in INDICATORS][:2] == [("研发投入", "万元"), ("发明专利授权", "件")]


def test_indicator_entries_as_people_type_them(app):
    patents, amount = INDICATORS[1], INDICATORS[0]
    with app.test_request_context():
        assert parse_indicator("２３", patents) == (23, None)
        assert parse_indicator(" 1,234.5 ", amount) == (Decimal("1234.5"), None)
        assert parse_indicator("１２３４．５", amount) == (Decimal("1234.5"), None)
        assert parse_indicator("0", patents) == (0, None)
        assert parse_indicator("", patents) == (None, None)
        for bad in ("-3", "1e3", "三", "+5"):
            assert parse_indicator(bad, patents)[1], bad
        assert "整数" in parse_indicator("2.5", patents)[1]
        assert "四位小数" in parse_indicator("1.23456", amount)[1]


# The city's form ---------------------------------------------------------------------------------


def test_a_city_saves_a_draft_incomplete_and_it_is_audited(client, auth, session, report):
    auth.login("nanjing1")
    page = client.get(f"/city/applications/{report.id}").text
    assert "填写自评内容" in page and "形式审查将报告自评内容不完整" in page
    form = client.get(f"/city/applications/{report.id}/self-evaluation").text
    assert "战略目标实施和重大项目任务执行情况" in form and "研发投入（万元）" in form
    partial = form_data(section_plan="", indicator_standards="", indicator_invention_patents="２３")
    response = auth.post(f"/city/applications/{report.id}/self-evaluation", partial)
    assert response.status_code == 302 and response.location == f"/city/applications/{report.id}"
    row = stored(session, report)
    assert row.invention_patents == 23 and row.standards is None and row.plan == ""
    assert row.rd_investment == Decimal("8650.5") and isinstance(row.team_size, int)
    page = client.get(f"/city/applications/{report.id}").text
    assert "自评内容已保存" in page and "下年度工作计划" in page and "制定标准" in page  # what is still missing
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "self_evaluation.save")).one()
    assert event.actor_id is not None and '"invention_patents": "23"' in event.details
    assert session.get(Application, report.id).status == "draft"


def test_a_refused_entry_keeps_everything_typed_and_stores_nothing(client, auth, session, report):
    auth.login("nanjing1")
    long_text = "很长的内容" * 2001  # 10,005 characters
    response = auth.post(f"/city/applications/{report.id}/self-evaluation",
                         form_data(indicator_team_size="-3", indicator_rd_investment="很多", section_team=long_text))
    assert response.status_code == 200
    page = response.text
    assert "自评内容未能保存" in page
    assert "“很多”不是有效的数值" in page and "“-3”不是有效的数值" in page
    assert long_text in page and TEXT["strategy"] in page and 'value="-3"' in page and 'value="23"' in page
    assert stored(session, report) is None
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "self_evaluation.save")).first() is None


def test_a_city_reaches_only_its_own_reports(client, auth, session, report):
    auth.login("suzhou1")
    base = f"/city/applications/{report.id}"
    assert client.get(f"{base}/self-evaluation").status_code == 404
    assert auth.post(f"{base}/self-evaluation", form_data()).status_code == 404
    assert client.get(f"{base}/self-evaluation.pdf").status_code == 404
    assert stored(session, report) is None


def test_a_new_consortium_application_has_no_self_evaluation_form(client, auth, session, draft):
    auth.login("nanjing1")
    assert client.get(f"/city/applications/{draft.id}/self-evaluation").status_code == 404


def test_the_report_cannot_change_once_submitted(client, auth, session, report):
    report.status = "submitted"
    session.commit()
    auth.login("nanjing1")
    response = auth.post(f"/city/applications/{report.id}/self-evaluation", form_data(), follow_redirects=True)
    assert "已提交的申报已锁定" in response.text
    assert stored(session, report) is None


def test_the_citys_opinion_is_required_to_submit_an_annual_report(client, auth, session, report):
    auth.login("nanjing1")
    auth.post(f"/city/applications/{report.id}/upload",
              {"kind": "self_evaluation", "file": (io.BytesIO(pdf_bytes("自评")), "自评报告.pdf")},
              content_type="multipart/form-data")
    response = auth.post(f"/city/applications/{report.id}/submit", follow_redirects=True)
    assert "提交前请补充：必要性意见、可行性意见" in response.text
    assert session.get(Application, report.id).status == "draft"
    auth.post(f"/city/applications/{report.id}/opinion", {"necessity": "运行规范", "feasibility": "计划可行"})
    assert "已提交省中心" in auth.post(f"/city/applications/{report.id}/submit", follow_redirects=True).text


# The formal check: R15–R18 -------------------------------------------------------------------------


def checked(session, application) -> dict[str, tuple[Verdict, str]]:
    application.status = "submitted"
    session.flush()
    review_round = session.get(type(application), application.id)
    from review_app.models import Round  # noqa: PLC0415

    check_runner.run_check(session, review_round=session.get(Round, review_round.round_id), by=None)
    rows = check_runner.table(session, round_id=application.round_id, application_id=application.id)
    return {r.result.rule: (r.effective, r.result.message) for r in rows}


def attach_pdf(session, application):
    from review_app.models import Attachment, AttachmentKind  # noqa: PLC0415

    session.add(Attachment(application_id=application.id, kind=AttachmentKind.SELF_EVALUATION, filename="自评报告.pdf",
                           sha256="0" * 64, size=1))


def complete(session, application, **over):
    file_report(session, application, **over)
    attach_pdf(session, application)
    application.necessity, application.feasibility = "运行规范，成效明显", "工作计划可行"


def test_a_complete_report_passes_r15_to_r18(app, session, report):
    complete(session, report)
    with app.test_request_context():
        found = checked(session, report)
    assert [found[r][0] for r in ("R15", "R16", "R17", "R18")] == [Verdict.PASS] * 4
    assert found["R16"][1] == "8 项主要指标均已填写。" and "自评报告.pdf" in found["R17"][1]


@pytest.mark.parametrize("broken, rule, words", [
    ({"plan": "下年度继续努力。"}, "R15", ["下年度工作计划", f"至少 {MIN_SECTION_CHARS} 个字"]),
    ({"team": " \n" * 40 + "人员稳定"}, "R15", ["人员团队建设情况"]),  # spaces and line breaks do not count
    ({"standards": None, "landmark_revenue": None}, "R16", ["未填写：制定标准、标志性产品销售收入"]),
    ({"new_platforms": -1}, "R16", ["为负数：新建研发平台"]),
    ({"pdf": False}, "R17", ["未上传自评报告"]),
    ({"necessity": ""}, "R18", ["缺少设区市科技局意见：必要性"]),
])
def test_each_completeness_rule_fails_alone_with_its_reason(app, session, report, broken, rule, words):
    over = {k: v for k, v in broken.items() if k not in ("pdf", "necessity")}
    file_report(session, report, **over)
    if broken.get("pdf", True):
        attach_pdf(session, report)
    report.necessity, report.feasibility = broken.get("necessity", "运行规范"), "工作计划可行"
    with app.test_request_context():
        found = checked(session, report)
    failing = sorted(r for r, (v, _m) in found.items() if v == Verdict.FAIL)
    assert failing == [rule]
    for word in words:
        assert word in found[rule][1]


def test_the_section_minimum_is_exact(app, session, report):
    complete(session, report, plan="计" * MIN_SECTION_CHARS)
    with app.test_request_context():
        assert checked(session, report)["R15"][0] == Verdict.PASS
    session.exec(select(SelfEvaluation)).one().plan = "计" * (MIN_SECTION_CHARS - 1)
    session.flush()
    with app.test_request_context():
        assert checked(session, report)["R15"][0] == Verdict.FAIL


def test_an_unfiled_report_fails_r15_and_r16(app, session, report):
    with app.test_request_context():
        found = checked(session, report)
    assert found["R15"][0] == found["R16"][0] == found["R17"][0] == found["R18"][0] == Verdict.FAIL


def test_the_report_lists_r0_to_r18_in_numeric_order_and_new_rounds_keep_r0_to_r14(app, session, report):
    complete(session, report)
    with app.test_request_context():
        checked(session, report)
        rows = list(csv.reader(io.StringIO(check_report.report_csv(session, round_id=report.round_id)
                                           .decode("utf-8-sig"))))
        assert [r[1] for r in rows[1:]] == [f"R{n}" for n in range(19)]
        new_round = make_round(session, name="新建轮次")
        make_city_application(session, new_round, code="N1")
        check_runner.run_check(session, review_round=new_round, by=None)
        assert [r.result.rule for r in check_runner.table(session, round_id=new_round.id)] == list(rules.RULES)
        assert check_runner.is_current(session, review_round=new_round)
    assert rules.rules_for(new_round) == rules.RULES and len(rules.RULES) == 15


def test_saving_the_report_makes_the_check_stale(app, session, users, report):
    complete(session, report)
    with app.test_request_context():
        checked(session, report)
        from review_app.models import Round  # noqa: PLC0415

        review_round = session.get(Round, report.round_id)
        assert check_runner.is_current(session, review_round=review_round)
        report.status = "draft"
        self_evaluation.save(session, application=report, by=users["nanjing"], data=self_evaluation.ReportInput(
            sections=TEXT, indicators={i.key: 1 for i in INDICATORS}))
        report.status = "submitted"
        assert not check_runner.is_current(session, review_round=review_round)


# What the centre and the expert read ----------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_generated_pdf_holds_the_parts_and_the_indicators(client, auth, session, report):
    complete(session, report, rd_investment=Decimal("8650.5000"))
    session.commit()
    auth.login("admin1")
    response = client.get(f"/admin/applications/{report.id}/self-evaluation.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    for label in ("战略目标实施和重大项目任务执行情况", "下年度工作计划", "研发投入", "标志性产品销售收入", "万元"):
        assert label in text, label
    assert "8650.5" in text and "8650.5000" not in text and "186" in text
    assert "八英寸衬底量产工艺" in text and report.code in text
    page = client.get(f"/admin/applications/{report.id}").text
    assert TEXT["products"] in page and "56800" in page and "self-evaluation.pdf" in page
    # the city opens the same document for its own report
    auth.logout()
    auth.login("nanjing1")
    assert "八英寸衬底量产工艺" in pdf_text(client.get(f"/city/applications/{report.id}/self-evaluation.pdf").data)


def test_a_new_application_has_no_generated_report(client, auth, session, draft):
    auth.login("admin1")
    assert client.get(f"/admin/applications/{draft.id}/self-evaluation.pdf").status_code == 404


def test_the_expert_sees_the_parts_and_indicators_beside_the_sheet(client, auth, session, users, scoring):
    application = scoring.apps[0]
    scoring.round.kind = RoundKind.ANNUAL_EVALUATION
    consortium = Consortium(code="LHT-T-002", name="江苏省既有创新联合体", city_id=application.city_id,
                            lead_org_id=application.lead_org_id, field="集成电路", established_year=2024)
    session.add(consortium)
    session.flush()
    application.consortium_id = consortium.id
    file_report(session, application)
    session.add(PledgeAcceptance(round_id=scoring.round.id, expert_id=users["expert"].expert_id))
    session.commit()
    auth.login("expert1")
    sheet_url = f"/expert/sheets/{scoring.sheet.id}"
    before = client.get(sheet_url).text  # not declared yet: the head only
    assert TEXT["strategy"] not in before
    assert client.get(f"{sheet_url}/self-evaluation.pdf").status_code == 404
    scoring.sheet.declaration = ConflictDeclaration.NONE_DECLARED
    session.commit()
    page = client.get(sheet_url).text
    assert TEXT["strategy"] in page and "科技成果转化情况" in page and "8650.5" in page and "发明专利授权" in page
    assert "sheet-form" in page and f"{sheet_url}/self-evaluation.pdf" in page
    response = client.get(f"{sheet_url}/self-evaluation.pdf")
    assert response.status_code == 200 and "八英寸衬底量产工艺" in pdf_text(response.data)
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "self_evaluation.read")).one()
