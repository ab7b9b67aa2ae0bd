"""Issue 16, complete declarations: the rules R10–R14 with passing and failing examples, the notice's
wording in their reasons, and the report listing them."""

import csv
import io

import pytest
from sqlmodel import select

from review_app.models import ApplicationMember, Attachment, AttachmentKind, Verdict
from review_app.services.check import report as check_report
from review_app.services.check import runner as check_runner
from review_app.services.intake import rules
from tests.intake_factories import make_city_application, make_round, make_unit


@pytest.fixture
def rnd(app, session):
    with app.test_request_context():
        yield make_round(session)


def verdict(session, review_round, code, rule):
    check_runner.run_check(session, review_round=review_round, by=None)
    rows = check_runner.table(session, round_id=review_round.id, rule=rule)
    found = {r.application.code: (r.effective, r.result.message) for r in rows}
    return found[code]


def members(session, application):
    return list(session.exec(select(ApplicationMember).where(ApplicationMember.application_id == application.id)))


def test_the_new_rules_are_checked_and_listed_in_the_report(app, session, rnd):
    make_city_application(session, rnd, code="A1")
    check_runner.run_check(session, review_round=rnd, by=None)
    rows = list(csv.reader(io.StringIO(check_report.report_csv(session, round_id=rnd.id).decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["R0", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9",
                                       "R10", "R11", "R12", "R13", "R14"]
    assert all(r[2] == "通过" for r in rows[1:]), rows
    assert rules.RULES[-5:] == ("R10", "R11", "R12", "R13", "R14")


def test_r10_a_member_not_declared_or_declared_not_a_legal_person_fails(app, session, rnd):
    application = make_city_application(session, rnd, code="A1")
    first, second = members(session, application)
    first.is_legal_person, second.is_legal_person = None, False
    session.flush()
    found, message = verdict(session, rnd, "A1", "R10")
    assert found == Verdict.FAIL
    assert f"声明不是独立法人：{second.name}" in message and f"未声明是否为独立法人：{first.name}" in message
    assert "重大科技平台或其他组织机构等独立法人单位" in message  # the notice's words
    first.is_legal_person = second.is_legal_person = True
    session.flush()
    assert verdict(session, rnd, "A1", "R10")[0] == Verdict.PASS


def test_r11_service_bodies_must_declare_what_the_notice_asks(app, session, rnd):
    lab = make_unit(session, "江苏省检测研究院", kind="检验检测机构")
    poc = make_unit(session, "苏州概念验证中心", kind="概念验证机构")
    application = make_city_application(
        session, rnd, code="A1",
        members=[(make_unit(session, "东南大学", kind="高校"), "高校"), (lab, "检验检测机构"), (poc, "概念验证机构")],
    )
    found, message = verdict(session, rnd, "A1", "R11")
    assert found == Verdict.FAIL
    assert "检验检测机构江苏省检测研究院：未填写CMA或CNAS资质证书编号" in message
    assert "应具有相关资质，并拥有与其从事检验检测活动相适应的技术人员" in message
    assert "概念验证机构苏州概念验证中心：未说明其专业服务团队和服务经验（不少于20字）" in message
    for member in members(session, application):
        if member.unit_type == "检验检测机构":
            member.qualification = "CMA 201019000123"
        elif member.unit_type == "概念验证机构":
            member.qualification = "专业化服务团队28人，近三年完成原理验证和原型制备项目40余项，服务企业60家。"
    session.flush()
    found, message = verdict(session, rnd, "A1", "R11")
    assert found == Verdict.PASS and "CMA 201019000123" in message


def test_r11_does_not_apply_without_service_bodies(app, session, rnd):
    make_city_application(session, rnd, code="A1")
    assert verdict(session, rnd, "A1", "R11") == (Verdict.PASS, "成员单位中无服务机构，不适用。")


def test_r12_the_pledge_of_truthfulness_must_be_uploaded(app, session, rnd):
    make_city_application(session, rnd, code="A1", pledge=False)
    found, message = verdict(session, rnd, "A1", "R12")
    assert found == Verdict.FAIL and "未上传申报单位真实性承诺" in message
    assert "真实性、有效性、完整性和合法性" in message
    application = make_city_application(session, rnd, code="A2")
    assert session.exec(select(Attachment).where(Attachment.application_id == application.id,
                                                 Attachment.kind == AttachmentKind.PLEDGE)).one()
    assert verdict(session, rnd, "A2", "R12")[0] == Verdict.PASS


def test_r13_the_field_must_be_on_the_rounds_list(app, session, rnd):
    application = make_city_application(session, rnd, code="A1")
    application.field = "智能网联汽车"
    session.flush()
    found, message = verdict(session, rnd, "A1", "R13")
    assert found == Verdict.FAIL and "技术领域“智能网联汽车”不在本轮次的新兴产业、未来产业领域列表中" in message
    application.field = "新能源汽车"
    session.flush()
    assert verdict(session, rnd, "A1", "R13")[0] == Verdict.PASS
    rnd.tech_fields = "集成电路;量子科技"  # the centre's own list replaces the default
    session.flush()
    assert verdict(session, rnd, "A1", "R13")[0] == Verdict.FAIL


def test_r14_an_imported_application_passes_a_city_ranked_one_warns_until_the_scan(app, session, rnd):
    make_city_application(session, rnd, code="A1")
    found, message = verdict(session, rnd, "A1", "R14")
    assert found == Verdict.PASS and "省中心导入" in message
    ranked = make_city_application(session, rnd, code="A2")
    ranked.recommend_rank = 1
    session.flush()
    found, message = verdict(session, rnd, "A2", "R14")
    assert found == Verdict.WARN and "南京市推荐排序第 1 位（共 2 项）" in message and "尚未上传" in message


def test_annual_rounds_do_not_apply_the_new_rules(app, session):
    with app.test_request_context():
        annual = make_round(session, name="年度自评", kind="annual_evaluation")
    make_city_application(session, annual, code="Y1", pledge=False)
    check_runner.run_check(session, review_round=annual, by=None)
    rows = check_runner.table(session, round_id=annual.id)
    assert {r.result.rule: r.result.message for r in rows if r.result.rule in rules.RULES[-5:]} == {
        rule: "年度自评轮次，不适用。" for rule in rules.RULES[-5:]
    }
