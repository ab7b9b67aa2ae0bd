"""Issue 16's part of `flask seed-demo`: complete declarations on the demo round's applications (each
member unit declared an independent legal person, each service body's qualification, the applicant's
before the demo's formal check runs (the pledge of truthfulness comes with the other PDFs, `materials`);
and a supplementary round in the formal
check where 无锡市 has ordered its three recommendations, uploaded its stamped summary, and has one of
them sent back for correction.

Idempotent: only what is still undeclared is declared, and the supplementary round is made once.
"""

from datetime import timedelta
from decimal import Decimal

from sqlmodel import Session, select

from ..models import (
    Application,
    ApplicationMember,
    ApplicationStatus,
    City,
    CitySubmission,
    Organisation,
    Round,
    RoundKind,
    RoundStage,
)
from ..models._base import utcnow
from ..services import rounds
from ..services.check import runner as check_runner
from ..services.check import sendback
from ..services.intake import credit_codes, fields, recommendations
from ..services.intake.organisations import Declared, Register, declare_lead, set_members
from ..services.intake.summary_pdf import summary_document
from ..services.platform.storage import FolderStore
from . import materials

# What each demo service body declares (the notice asks a testing body for its CMA/CNAS certificate, the
# others for their service team and experience).
QUALIFICATIONS = {
    "江苏省技术产权交易市场": "技术经理人队伍46人，近三年促成技术交易1200余项，成交额38亿元。",
    "苏州工业园区概念验证中心": "专业化服务团队32人，近三年完成原理验证、原型制备和商业前景验证项目85项。",
    "江苏省产品质量监督检验研究院": "CMA 201019000123；CNAS L0265",
    "江苏省科技融资担保有限公司": "为初创期科技型中小企业提供创业辅导和融资担保服务十余年，累计服务企业3000余家。",
    "南京技术转移中心": "技术经理人28人，专注高校院所成果与企业需求精准对接，年均撮合项目200余项。",
    "无锡检验检测认证研究院": "CMA 191012340567；CNAS L4411",
}


def declare(session: Session, *, round_name: str) -> None:
    """The round's members (the demo round's) declared independent legal persons, with each service body's
    qualification, where still undeclared (its documents, the 真实性承诺 included, come from `materials`)."""
    review_round = session.exec(select(Round).where(Round.name == round_name)).first()
    if review_round is None:
        return
    ids = select(Application.id).where(Application.round_id == review_round.id)
    for member in session.exec(select(ApplicationMember).where(ApplicationMember.application_id.in_(ids))):
        if member.is_legal_person is None:
            member.is_legal_person = True
            member.qualification = QUALIFICATIONS.get(member.name, "")
            session.add(member)
    session.flush()


# A second batch in the formal check: a city's ordered recommendations with its stamped summary, one of
# them sent back for correction, so that the centre's and the city's pages show issue 16 at work.
SECOND_ROUND_NAME = "2026年度江苏省创新联合体建设（补充推荐）"
SECOND_CITY = "无锡市"
SECOND_APPLICATIONS = [
    ("江苏省车规级功率半导体创新联合体", "第三代半导体", "无锡华芯功率半导体股份有限公司", "12345678"),
    ("江苏省工业互联网安全创新联合体", "工业互联网", "无锡云安工业互联网有限公司", "23456789"),
    ("江苏省新型储能系统创新联合体", "新型储能", "无锡储能科技集团有限公司", "34567891"),
]
SECOND_MEMBERS = [("江南大学", "高校", "46600807"), ("无锡检验检测认证研究院", "检验检测机构", "46600915")]
SENT_BACK_REASONS = (
    "共建协议缺少知识产权条款的盖章页；成员单位“无锡检验检测认证研究院”的CMA证书编号与证书不一致，请核对后更正。"
)


def second_batch(session: Session, store: FolderStore) -> None:
    """The supplementary round of 无锡市 (once): three ordered recommendations, the stamped summary, one
    application sent back for correction, the formal check run."""
    if session.exec(select(Round).where(Round.name == SECOND_ROUND_NAME)).first() is not None:
        return
    city = session.exec(select(City).where(City.name == SECOND_CITY)).one()
    review_round = rounds.create_round(session, name=SECOND_ROUND_NAME, kind=RoundKind.NEW_CONSORTIUM, year=2026)
    review_round.tech_fields = ";".join(fields.DEFAULT_FIELDS)  # the centre's list, as kept for this round
    review_round.city_deadline = utcnow() - timedelta(days=2)
    review_round.check_deadline = utcnow() + timedelta(days=12)
    review_round.stage = RoundStage.FORMAL_CHECK
    session.flush()
    register = Register(session)
    made = []
    for place, (title, field, lead_name, body) in enumerate(SECOND_APPLICATIONS, start=1):
        lead = Declared.lead(credit_code=credit_codes.make("9", "1", city.code, body), name=lead_name,
                             lead_kind="领军企业", city=city.name)
        application = Application(round_id=review_round.id, code=f"2026{city.code[:4]}9{place}", title=title,
                                  field=field, city_id=city.id, lead_org_id=0, lead_kind="领军企业",
                                  revenue_2025=Decimal("8.6"), rd_intensity_2025=Decimal("6.2"),
                                  agreement_clauses="责任落实;协同攻关;决策运行;资金筹措;知识产权;利益分配",
                                  necessity=f"{title}聚焦{field}领域关键核心技术，是{city.name}重点培育方向。",
                                  feasibility="牵头单位研发投入强度高，成员单位分工明确，具备实施条件。",
                                  status=ApplicationStatus.SUBMITTED, submitted_at=utcnow() - timedelta(days=3),
                                  recommend_rank=place)
        declare_lead(session, application=application, lead=lead, register=register)
        session.add(application)
        session.flush()
        members = [
            Declared(_code(session, name, city, body), name, kind, "江苏省", city.name, legal=True,
                     qualification=QUALIFICATIONS.get(name, ""))
            for name, kind, body in SECOND_MEMBERS
        ]
        set_members(session, application=application, members=members, register=register)
        made.append(application)
    session.flush()
    materials.attach_all(session, store, [SECOND_ROUND_NAME])  # the five PDFs, 真实性承诺 included
    found = recommendations.city_recommendations(session, review_round=review_round, city_id=city.id)
    scan = summary_document(found)
    session.add(CitySubmission(round_id=review_round.id, city_id=city.id, order_codes=";".join(found.codes),
                               filename="无锡市推荐汇总表（盖章）.pdf", sha256=store.put(scan), size=len(scan)))
    session.flush()
    check_runner.run_check(session, review_round=review_round, by=None)
    sendback.send_back(session, application_id=made[1].id, reasons=SENT_BACK_REASONS,
                       deadline=utcnow() + timedelta(days=7), by=None)
    session.flush()


def _code(session: Session, name: str, city: City, body: str) -> str:
    """The unit's credit code in the register (the main demo round may have entered it), else a new one."""
    org = session.exec(select(Organisation).where(Organisation.name == name)).first()
    return org.credit_code if org is not None else credit_codes.make("1", "2", city.code, body)
