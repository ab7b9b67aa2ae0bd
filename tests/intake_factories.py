"""Builders for the intake and formal-check tests (issue 6): rounds in a given stage, units with valid
credit codes, applications with members, and small real PDFs."""

import itertools
from datetime import timedelta
from decimal import Decimal

from sqlmodel import Session, select

from review_app.models import (
    Application,
    ApplicationMember,
    ApplicationStatus,
    Attachment,
    AttachmentKind,
    City,
    CreditStanding,
    Organisation,
    RoundKind,
    RoundStage,
)
from review_app.models._base import utcnow
from review_app.services import rounds
from review_app.services.intake import credit_codes
from review_app.services.intake.organisations import lead_from_register, member_from_register
from review_app.services.intake.self_evaluation import INDICATORS, ReportInput, parse_indicator

ALL_CLAUSES = "责任落实;协同攻关;决策运行;资金筹措;知识产权;利益分配"
_bodies = itertools.count(10_000_001, 7)
# An annual report's structured self-evaluation, complete (R15, R16 pass): each part, each indicator as typed.
REPORT_TEXT = {
    "strategy": "围绕第三代半导体产业链关键环节，联合体全年承担省重大项目三项，"
                "完成碳化硅衬底、外延和器件三项关键技术攻关，项目任务书约定的年度考核指标全部完成。",
    "platforms": "新建省级工程技术研究中心一家、企业重点实验室一家，联合高校共建中试验证平台，"
                 "研发仪器设备共享率达到百分之八十以上，平台对外开放服务成员单位。",
    "team": "引进高层次人才十二人，培养青年骨干四十余人，建立成员单位间人员双聘和联合培养机制，"
            "形成一支结构合理、梯次分明的研发团队，团队稳定性良好。",
    "achievements": "全年转化科技成果十五项，成果转化合同金额三千余万元，其中许可成员单位实施专利八件，"
                    "联合体内部技术交易机制运行顺畅，收益按协议分配。",
    "products": "标志性产品车规级碳化硅功率模块实现批量供货，进入三家整车企业供应链，"
                "年销售收入较上年增长百分之三十五，市场占有率持续提升，应用推广成效明显。",
    "plan": "下年度将聚焦八英寸衬底量产工艺和高可靠封装技术，新增研发投入不少于一亿元，"
            "推动两项团体标准立项，扩大标志性产品在新能源汽车和储能领域的应用。",
}
REPORT_VALUES = {"rd_investment": "8650.5", "invention_patents": "23", "standards": "3", "new_platforms": "2",
                 "team_size": "186", "achievements_transferred": "15", "transfer_value": "3120",
                 "landmark_revenue": "56800"}


def valid_code(division: str = "320100") -> str:
    return credit_codes.make("9", "1", division, f"{next(_bodies):08d}")


def make_round(
    session: Session,
    *,
    name: str = "2026年度测试轮次",
    kind: str = "new_consortium",
    stage: str = "intake",
    quota: int = 5,
    deadline_days: float | None = 10,
):
    review_round = rounds.create_round(session, name=name, kind=RoundKind(kind), year=2026)
    review_round.stage = RoundStage(stage)
    review_round.city_quota = quota
    review_round.city_deadline = utcnow() + timedelta(days=deadline_days) if deadline_days is not None else None
    session.flush()
    return review_round


def make_unit(
    session: Session,
    name: str,
    *,
    code: str | None = None,
    kind: str = "企业",
    province: str = "江苏省",
    city: str = "南京市",
    legal_person: bool = True,
) -> Organisation:
    """A unit in the centre's register."""
    org = Organisation(
        credit_code=code or valid_code(),
        name=name,
        kind=kind,
        province=province,
        city=city,
        is_legal_person=legal_person,
    )
    session.add(org)
    session.flush()
    return org


def make_city_application(
    session: Session,
    review_round,
    *,
    code: str,
    city: str = "南京市",
    lead: Organisation | None = None,
    lead_kind: str = "龙头企业",
    revenue: str | None = "20",
    rd: str | None = "4",
    clauses: str = ALL_CLAUSES,
    members: list[tuple[Organisation, str]] | None = None,
    declared_bad: tuple[str, ...] = (),
    status: str = "submitted",
    necessity: str = "必要性充分",
    feasibility: str = "可行性良好",
    pledge: bool = True,
) -> Application:
    """An application declaring its units as the register has them (units whose credit codes are in
    `declared_bad` declared 失信); by default a 龙头企业 lead above the thresholds, a university and a
    company as members declared independent legal persons, all six clauses, the pledge of truthfulness
    uploaded (`pledge`): it passes every rule."""
    city_row = session.exec(select(City).where(City.name == city)).one()
    lead = lead or make_unit(session, f"{code}牵头股份有限公司", city=city)
    application = Application(
        round_id=review_round.id,
        code=code,
        title=f"江苏省{code}创新联合体",
        field="集成电路",
        city_id=city_row.id,
        lead_kind=lead_kind,
        **lead_from_register(lead),
        lead_credit_standing=CreditStanding.BAD if lead.credit_code in declared_bad else CreditStanding.GOOD,
        revenue_2025=Decimal(revenue) if revenue is not None else None,
        rd_intensity_2025=Decimal(rd) if rd is not None else None,
        agreement_clauses=clauses,
        necessity=necessity,
        feasibility=feasibility,
        status=ApplicationStatus(status),
        submitted_at=utcnow() if status == "submitted" else None,
    )
    session.add(application)
    session.flush()
    if members is None:
        members = [
            (make_unit(session, f"{code}大学", kind="高校"), "高校"),
            (make_unit(session, f"{code}配套企业有限公司"), "企业"),
        ]
    for position, (org, unit_type) in enumerate(members, start=1):
        standing = CreditStanding.BAD if org.credit_code in declared_bad else CreditStanding.GOOD
        session.add(
            ApplicationMember(
                application_id=application.id,
                unit_type=unit_type,
                position=position,
                credit_standing=standing,
                is_legal_person=True,
                **member_from_register(org),
            )
        )
    if pledge:  # the applicant's 真实性承诺 (R12), as if uploaded
        session.add(Attachment(application_id=application.id, kind=AttachmentKind.PLEDGE, filename="真实性承诺.pdf",
                               sha256="0" * 64, size=1))
    session.flush()
    return application


def pdf_bytes(text: str = "test", pad: int = 0) -> bytes:
    """A small, well-formed PDF (one empty A4 page, `text` as its title), padded by about `pad` bytes."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": text, **({"/Padding": "x" * pad} if pad else {})})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def complete_report(*, scale: float = 1.0) -> ReportInput:
    """REPORT_TEXT and REPORT_VALUES as the city's form gives them to self_evaluation.save, the indicators
    `scale` times these (counts rounded to whole numbers): a stronger or weaker year of the same report."""
    indicators = {i.key: parse_indicator(REPORT_VALUES[i.key], i)[0] for i in INDICATORS}
    if scale != 1.0:
        indicators = {key: round(value * scale) if isinstance(value, int)
                      else (value * Decimal(str(scale))).quantize(Decimal("0.0001"))
                      for key, value in indicators.items()}
    return ReportInput(sections=dict(REPORT_TEXT), indicators=indicators)
