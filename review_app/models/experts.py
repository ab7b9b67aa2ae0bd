"""The expert pool (专家库) and conflicts of interest (回避)."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from ._base import enum_type, utcnow


class Expert(SQLModel, table=True):
    __tablename__ = "experts"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)  # 专家编号
    name: str = Field(max_length=64)
    org_id: int | None = Field(default=None, foreign_key="organisations.id", index=True)
    city: str = Field(default="", max_length=32)
    fields: str = ""  # 专业领域, separated by ';'
    title: str = Field(default="", max_length=64)  # 职称
    max_load: int | None = None  # None: the round's limit
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=128)
    id_number: str | None = Field(default=None, max_length=32)
    research_areas: str = ""  # 研究方向
    achievements: str = ""  # 代表性成果
    keywords: str = ""  # 关键词, separated by ';'
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def field_list(self) -> list[str]:
        return [f for f in self.fields.split(";") if f]


class ConflictSource(StrEnum):
    OWN_ORG = "own_org"  # the expert works at the lead or a member unit
    APPLICANT_NAMED = "applicant_named"  # the applicant asked for the expert to be avoided
    DECLARED = "declared"  # the expert declared it when opening the application
    RULE = "rule"  # a rule of the round, e.g. same city
    MANUAL = "manual"  # recorded by the centre


class Conflict(SQLModel, table=True):
    """The expert must never review the application (or anything led or joined by the org)."""

    __tablename__ = "conflicts"

    id: int | None = Field(default=None, primary_key=True)
    expert_id: int = Field(foreign_key="experts.id", index=True)
    application_id: int | None = Field(default=None, foreign_key="applications.id", index=True)
    org_id: int | None = Field(default=None, foreign_key="organisations.id")
    source: ConflictSource = Field(sa_type=enum_type(ConflictSource))
    reason: str = ""
    created_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
