"""Applications (申请书), their member units, attachments and formal-check verdicts."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, UniqueConstraint

from ._base import enum_type, utcnow
from .orgs import CreditStanding


class ApplicationStatus(StrEnum):
    DRAFT = "draft"  # the city is still editing
    SUBMITTED = "submitted"  # recommended to the province
    WITHDRAWN = "withdrawn"
    RETURNED = "returned"  # sent back by the centre for correction (退回修改); still a recommendation


class Consortium(SQLModel, table=True):
    """A registered innovation consortium (联合体), which files an annual self-evaluation: imported by the
    centre, entered on its page, or founded by an application selected in a new-consortium round
    (`application_id`). Its lead unit's name is kept as the registry records it; `lead_org_id` is the
    unit's entry in the centre's register (its identity, by credit code)."""

    __tablename__ = "consortia"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)  # 联合体编号
    name: str = Field(max_length=200)
    city_id: int = Field(foreign_key="cities.id", index=True)
    lead_org_id: int = Field(foreign_key="organisations.id")
    lead_name: str = Field(default="", max_length=200)  # 牵头单位名称 as the registry records it
    field: str = Field(max_length=64)
    established_year: int  # 认定年度
    # The application it came from (None: imported or entered). Applications point to consortia too (an
    # annual report's consortium_id), so this key is added after both tables (use_alter), named.
    application_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Integer,
            sa.ForeignKey("applications.id", use_alter=True, name="fk_consortia_application_id"),
            index=True,
            nullable=True,
        ),
    )
    updated_at: datetime = Field(default_factory=utcnow)


class Application(SQLModel, table=True):
    """One application as its city declared it. The lead unit's facts as declared (name, credit code,
    province, city, credit standing; its type follows from `lead_kind`) are a snapshot of this
    application's own: what another application declares about the same unit never changes them.
    `lead_org_id` names the unit's entry in the centre's register (its identity, by credit code)."""

    __tablename__ = "applications"
    __table_args__ = (UniqueConstraint("round_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", index=True)
    code: str = Field(max_length=32)  # 申报编号
    title: str = Field(max_length=200)  # 创新联合体名称
    field: str = Field(max_length=64)  # 技术领域
    city_id: int = Field(foreign_key="cities.id", index=True)
    consortium_id: int | None = Field(default=None, foreign_key="consortia.id")  # annual rounds
    lead_org_id: int = Field(foreign_key="organisations.id", index=True)
    lead_kind: str = Field(max_length=32)  # 牵头单位类型
    lead_name: str = Field(default="", max_length=200)  # the lead unit as declared
    lead_credit_code: str = Field(default="", max_length=32, index=True)
    lead_province: str | None = Field(default=None, max_length=32)
    lead_city: str | None = Field(default=None, max_length=32)
    lead_credit_standing: CreditStanding = Field(default=CreditStanding.GOOD, sa_type=enum_type(CreditStanding))
    revenue_2025: Decimal | None = Field(default=None, max_digits=14, decimal_places=4)  # 亿元
    rd_intensity_2025: Decimal | None = Field(default=None, max_digits=7, decimal_places=3)  # %
    agreement_clauses: str = ""  # covered mechanisms, separated by ';'
    city_opinion: str = ""  # 市科技局推荐意见
    keywords: str = ""  # 关键词, separated by ';'
    abstract: str = ""  # 摘要
    necessity: str = ""  # 必要性
    feasibility: str = ""  # 可行性
    recommend_rank: int | None = None  # the city's order of its recommendations, 1..n (好中选优)
    status: ApplicationStatus = Field(default=ApplicationStatus.DRAFT, sa_type=enum_type(ApplicationStatus))
    submitted_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class MemberUnit(SQLModel):
    """A member unit's columns as declared (the applications' and the registry's member tables)."""

    org_id: int = Field(foreign_key="organisations.id", index=True)  # the unit's register entry
    unit_type: str = Field(max_length=32)  # 单位类型
    position: int = 0
    name: str = Field(default="", max_length=200)  # as declared
    credit_code: str = Field(default="", max_length=32, index=True)
    province: str | None = Field(default=None, max_length=32)
    city: str | None = Field(default=None, max_length=32)
    credit_standing: CreditStanding = Field(default=CreditStanding.GOOD, sa_type=enum_type(CreditStanding))
    is_legal_person: bool | None = None  # 独立法人 as declared (None: not declared, e.g. an older import)
    qualification: str = ""  # a service body's qualification: CMA/CNAS number, or its service capability


class ApplicationMember(MemberUnit, table=True):
    """A member unit of one application, with its facts as that application declared them."""

    __tablename__ = "application_members"
    __table_args__ = (UniqueConstraint("application_id", "org_id"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="applications.id", index=True)


class ConsortiumMember(MemberUnit, table=True):
    """A member unit of a registered consortium (成员单位), as the registry records it."""

    __tablename__ = "consortium_members"
    __table_args__ = (UniqueConstraint("consortium_id", "org_id"),)

    id: int | None = Field(default=None, primary_key=True)
    consortium_id: int = Field(foreign_key="consortia.id", index=True)


class AttachmentKind(StrEnum):
    APPLICATION_FORM = "application_form"  # 申请书
    CONSTRUCTION_PLAN = "construction_plan"  # 建设方案
    AGREEMENT = "agreement"  # 共建协议
    RECOMMENDATION = "recommendation"  # 审核推荐意见
    SELF_EVALUATION = "self_evaluation"  # 自评报告
    PLEDGE = "pledge"  # 真实性承诺 of the applicant


class Attachment(SQLModel, table=True):
    """A PDF; the bytes live in the upload store under their SHA-256."""

    __tablename__ = "attachments"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="applications.id", index=True)
    kind: AttachmentKind = Field(sa_type=enum_type(AttachmentKind))
    filename: str = Field(max_length=255)
    sha256: str = Field(max_length=64, index=True)
    size: int
    content_type: str = Field(default="application/pdf", max_length=64)
    text: str = ""  # the first pages' text (申请书, 建设方案), read by the assignment's text affinity
    uploaded_by_id: int | None = Field(default=None, foreign_key="users.id")
    uploaded_at: datetime = Field(default_factory=utcnow)


class Verdict(StrEnum):
    PASS = "pass"  # 通过
    FAIL = "fail"  # 不通过
    WARN = "warn"  # 提示


class CheckResult(SQLModel, table=True):
    """One rule's verdict on one application, with the reason and any override."""

    __tablename__ = "check_results"
    __table_args__ = (UniqueConstraint("application_id", "rule"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="applications.id", index=True)
    rule: str = Field(max_length=8)  # R0..R9
    verdict: Verdict = Field(sa_type=enum_type(Verdict))
    message: str = ""
    override_verdict: Verdict | None = Field(default=None, sa_type=enum_type(Verdict))
    override_reason: str | None = None
    overridden_by_id: int | None = Field(default=None, foreign_key="users.id")
    checked_at: datetime = Field(default_factory=utcnow)
