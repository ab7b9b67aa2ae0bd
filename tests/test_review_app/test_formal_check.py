"""The formal check: each rule with passing and failing examples, edge values, overrides, the report."""

import csv
import io
from decimal import Decimal

import pytest
from sqlmodel import select

from review_app.models import AuditEvent, CheckResult, Verdict
from review_app.services.check import report as check_report
from review_app.services.check import runner as check_runner
from review_app.services.intake import credit_codes, rules
from tests.intake_factories import make_city_application, make_round, make_unit, valid_code

# Real published codes (Huawei, Alibaba China, Tencent Shenzhen, and two more), and broken variants.
KNOWN_VALID = ["914403001922038216", "91330100799655058B", "9144030071526726XG", "91110108551385082Q"]
KNOWN_INVALID = {
    "914403001922038217": "check",
    "91330100799655068B": "org_code_check",
    "9144030071526726X": "length",
    "9144030071526726IG": "characters",
}


def verdicts(session, review_round, code=None) -> dict:
    """{(application code, rule): (verdict, message)} after running the check."""
    check_runner.run_check(session, review_round=review_round, by=None)
    rows = check_runner.table(session, round_id=review_round.id)
    return {(r.application.code, r.result.rule): (r.effective, r.result.message) for r in rows}


def verdict(session, review_round, code, rule):
    return verdicts(session, review_round)[(code, rule)]


@pytest.fixture
def rnd(app, session):
    with app.test_request_context():
        yield make_round(session)


def test_credit_codes_known_valid_and_invalid():
    for code in KNOWN_VALID:
        assert credit_codes.problem(code) is None, code
    for code, problem in KNOWN_INVALID.items():
        assert credit_codes.problem(code) == problem, code


def test_a_clean_application_passes_every_rule(app, session, rnd):
    make_city_application(session, rnd, code="A1")
    found = verdicts(session, rnd)
    assert {rule for _c, rule in found} == set(rules.RULES)
    assert all(v == Verdict.PASS for v, _m in found.values()), found


def test_r0_names_each_malformed_code_of_lead_and_members(app, session, rnd):
    bad_lead = make_unit(session, "坏码牵头公司", code="914403001922038217")
    bad_member = make_unit(session, "坏码成员大学", code="91330100799655068B", kind="高校")
    make_city_application(session, rnd, code="A1", lead=bad_lead, members=[(bad_member, "高校")])
    good_lead = make_unit(session, "好码公司", code=KNOWN_VALID[0])
    make_city_application(session, rnd, code="A2", lead=good_lead)
    found = verdicts(session, rnd)
    v, message = found[("A1", "R0")]
    assert v == Verdict.FAIL
    assert "坏码牵头公司" in message and "914403001922038217" in message and "校验位错误" in message
    assert "坏码成员大学" in message and "组织机构代码校验位错误" in message
    assert found[("A2", "R0")][0] == Verdict.PASS


def test_r1_fails_every_application_of_a_city_over_its_quota(app, session, rnd):
    rnd.city_quota = 2
    for n in range(3):
        make_city_application(session, rnd, code=f"NJ{n}", city="南京市")
    for n in range(2):
        make_city_application(session, rnd, code=f"SZ{n}", city="苏州市")
    make_city_application(session, rnd, code="NJ-draft", city="南京市", status="draft")
    found = verdicts(session, rnd)
    for n in range(3):
        v, message = found[(f"NJ{n}", "R1")]
        assert v == Verdict.FAIL and "南京市推荐 3 项，超过限额 2 项" in message
    assert all(found[(f"SZ{n}", "R1")][0] == Verdict.PASS for n in range(2))
    assert ("NJ-draft", "R1") not in found  # drafts were never recommended: not checked


def test_r2_fails_a_unit_leading_two_applications_by_credit_code(app, session, rnd):
    lead = make_unit(session, "同一牵头单位有限公司")
    make_city_application(session, rnd, code="A1", lead=lead)
    make_city_application(session, rnd, code="A2", lead=lead, city="苏州市")
    make_city_application(session, rnd, code="A3")
    found = verdicts(session, rnd)
    assert found[("A1", "R2")][0] == Verdict.FAIL and "A2" in found[("A1", "R2")][1]
    assert found[("A2", "R2")][0] == Verdict.FAIL and "A1" in found[("A2", "R2")][1]
    assert found[("A3", "R2")][0] == Verdict.PASS


@pytest.mark.parametrize(
    ("revenue", "rd", "expected"),
    [
        ("10", "3", Verdict.PASS),  # exactly the thresholds
        ("10.0000", "3.000", Verdict.PASS),
        ("9.9999", "5", Verdict.FAIL),
        ("50", "2.999", Verdict.FAIL),
        (None, "5", Verdict.FAIL),
        ("50", None, Verdict.FAIL),
    ],
)
def test_r3_dragon_head_thresholds(app, session, rnd, revenue, rd, expected):
    make_city_application(session, rnd, code="A1", lead_kind="龙头企业", revenue=revenue, rd=rd)
    v, message = verdict(session, rnd, "A1", "R3")
    assert v == expected, message
    if revenue == "10" and rd == "3":
        assert message == "2025年销售收入10亿元 ≥ 10亿元，研发投入强度3% ≥ 3%。"


def test_r3_does_not_apply_to_other_leads(app, session, rnd):
    make_city_application(session, rnd, code="A1", lead_kind="领军企业", revenue="1", rd="1")
    v, message = verdict(session, rnd, "A1", "R3")
    assert v == Verdict.PASS and "不适用" in message


@pytest.mark.parametrize(("rd", "expected"), [("3", Verdict.PASS), ("2.99", Verdict.FAIL), (None, Verdict.FAIL)])
def test_r4_unicorn_rd_intensity(app, session, rnd, rd, expected):
    make_city_application(session, rnd, code="A1", lead_kind="独角兽企业", revenue="0.5", rd=rd)
    found = verdicts(session, rnd)
    assert found[("A1", "R4")][0] == expected
    assert found[("A1", "R3")][0] == Verdict.PASS  # revenue matters for dragon-heads only


def test_r5_platform_kinds(app, session, rnd):
    make_city_application(session, rnd, code="A1", lead_kind="省技术创新中心")
    make_city_application(session, rnd, code="A2", lead_kind="市级研发中心")
    found = verdicts(session, rnd)
    assert found[("A1", "R5")][0] == Verdict.PASS
    assert found[("A2", "R5")] == (Verdict.FAIL, "牵头单位类型“市级研发中心”不在通知允许的类型之内。")


def test_r6_warns_without_university_or_institute(app, session, rnd):
    company = make_unit(session, "配套企业有限公司")
    institute = make_unit(session, "某研究所", kind="科研院所")
    make_city_application(session, rnd, code="A1", members=[(company, "企业")])
    make_city_application(session, rnd, code="A2", members=[(company, "企业"), (institute, "科研院所")])
    found = verdicts(session, rnd)
    assert found[("A1", "R6")][0] == Verdict.WARN and "原则上" in found[("A1", "R6")][1]
    assert found[("A2", "R6")][0] == Verdict.PASS and "某研究所" in found[("A2", "R6")][1]


def test_r7_bad_credit_or_not_a_legal_person_fails(app, session, rnd):
    bad = make_unit(session, "失信成员有限公司")
    branch = make_unit(session, "某公司南京分公司", legal_person=False)
    make_city_application(session, rnd, code="A1", members=[(bad, "企业")], declared_bad=(bad.credit_code,))
    make_city_application(session, rnd, code="A2", members=[(branch, "企业")])
    found = verdicts(session, rnd)
    assert found[("A1", "R7")][0] == Verdict.FAIL and "失信成员有限公司" in found[("A1", "R7")][1]
    assert found[("A2", "R7")][0] == Verdict.FAIL and "独立法人" in found[("A2", "R7")][1]


def test_r8_agreement_must_cover_the_six_mechanisms(app, session, rnd):
    make_city_application(session, rnd, code="A1", clauses="责任落实、协同攻关、决策运行、资金筹措、知识产权、利益分配")
    make_city_application(session, rnd, code="A2", clauses="责任落实;协同攻关")
    make_city_application(session, rnd, code="A3", clauses="")
    found = verdicts(session, rnd)
    assert found[("A1", "R8")][0] == Verdict.PASS
    assert found[("A2", "R8")][0] == Verdict.FAIL and "决策运行、资金筹措、知识产权、利益分配" in found[("A2", "R8")][1]
    assert found[("A3", "R8")][0] == Verdict.FAIL


def test_r9_bonus_flags_never_fail(app, session, rnd):
    delta = make_unit(session, "上海交通大学", kind="高校", province="上海市", city="上海市")
    service = make_unit(session, "江苏省技术产权交易市场", kind="成果转移转化机构")
    make_city_application(session, rnd, code="A1", members=[(delta, "高校"), (service, "成果转移转化机构")])
    make_city_application(session, rnd, code="A2")
    found = verdicts(session, rnd)
    v, message = found[("A1", "R9")]
    assert v == Verdict.PASS and "上海交通大学（上海市）" in message and "江苏省技术产权交易市场" in message
    assert found[("A2", "R9")] == (Verdict.PASS, "无加分项。")


def test_annual_rounds_check_the_lead_only(app, session):
    with app.test_request_context():
        annual = make_round(session, name="年度自评", kind="annual_evaluation")
    make_city_application(session, annual, code="ZP1", lead_kind="", revenue=None, rd=None, clauses="")
    found = verdicts(session, annual)
    assert all(v == Verdict.PASS for (_c, rule), (v, _m) in found.items() if rule in rules.RULES)
    assert "年度自评" in found[("ZP1", "R3")][1]
    # and the report's own completeness (R15–R18, test_self_evaluation): nothing is filed here
    assert [found[("ZP1", r)][0] for r in ("R15", "R16", "R18")] == [Verdict.FAIL, Verdict.FAIL, Verdict.PASS]


def test_failing_applications_stay_with_their_reasons_and_reruns_keep_one_row_each(app, session, rnd):
    make_city_application(session, rnd, code="A1", revenue="1")
    verdicts(session, rnd)
    verdicts(session, rnd)
    rows = session.exec(select(CheckResult)).all()
    assert len(rows) == len(rules.RULES)
    assert check_runner.counts(session, round_id=rnd.id) == {"checked": 1, "pass": 0, "warn": 0, "fail": 1}


def test_override_needs_a_reason_is_audited_and_survives_a_rerun(app, session, rnd, users):
    make_city_application(session, rnd, code="A1", revenue="9.5")
    verdicts(session, rnd)
    result = session.exec(select(CheckResult).where(CheckResult.rule == "R3")).one()
    with app.test_request_context():
        with pytest.raises(check_runner.CheckError):
            check_runner.override(session, result_id=result.id, verdict=Verdict.PASS, reason=" ", by=users["admin"])
        check_runner.override(
            session, result_id=result.id, verdict=Verdict.PASS, reason="经核实审计报告收入为10.2亿元", by=users["admin"]
        )
    session.commit()
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "check.override")).one()
    assert event.actor == "admin1" and "10.2亿元" in event.details
    found = verdicts(session, rnd)
    assert found[("A1", "R3")][0] == Verdict.PASS  # the override holds: the facts did not change
    assert check_runner.failing_application_ids(session, round_id=rnd.id) == set()
    row = check_report.report_rows(session, round_id=rnd.id)[3]
    assert row[:3] == ("A1", "R3", "通过") and "人工改判" in row[3] and "10.2亿元" in row[3]


def test_an_override_is_cleared_when_the_facts_change(app, session, rnd, users):
    application = make_city_application(session, rnd, code="A1", revenue="9.5")
    verdicts(session, rnd)
    result = session.exec(select(CheckResult).where(CheckResult.rule == "R3")).one()
    with app.test_request_context():
        check_runner.override(
            session, result_id=result.id, verdict=Verdict.PASS, reason="核实后通过", by=users["admin"]
        )
    application.revenue_2025 = Decimal("12")
    summary = check_runner.run_check(session, review_round=rnd, by=None)
    assert summary.overrides_cleared == 1
    assert session.get(CheckResult, result.id).override_verdict is None


def test_the_report_csv_has_the_contract_columns(app, session, rnd):
    make_city_application(session, rnd, code="A2", revenue="1")
    make_city_application(session, rnd, code="A1")
    verdicts(session, rnd)
    data = check_report.report_csv(session, round_id=rnd.id)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["申报编号", "规则", "结果", "说明"]
    assert len(rows) == 1 + 2 * len(rules.RULES)
    assert [r[:2] for r in rows[1:3]] == [["A1", "R0"], ["A1", "R1"]]
    assert {r[2] for r in rows[1:]} <= {"通过", "不通过", "提示"}
    assert ["A2", "R3", "不通过"] == rows[1 + len(rules.RULES) + 3][:3]


def test_the_check_is_frozen_once_scoring_begins(app, session, rnd):
    make_city_application(session, rnd, code="A1")
    rnd.stage = "scoring"
    with app.test_request_context(), pytest.raises(check_runner.CheckError):
        check_runner.run_check(session, review_round=rnd, by=None)


def test_valid_codes_made_for_tests_are_valid():
    assert credit_codes.is_valid(valid_code())
