"""Review rounds and their criteria sheets."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel, UniqueConstraint

from ._base import enum_type, utcnow


class RoundKind(StrEnum):
    NEW_CONSORTIUM = "new_consortium"  # 新建申报
    ANNUAL_EVALUATION = "annual_evaluation"  # 年度自评


class RoundStage(StrEnum):
    """The stages a round moves through, in order."""

    DRAFT = "draft"
    INTAKE = "intake"
    FORMAL_CHECK = "formal_check"
    ASSIGNMENT = "assignment"
    SCORING = "scoring"
    CLOSED = "closed"
    PUBLISHED = "published"  # 公示: the list is public, objections are received
    DECIDED = "decided"  # the final decision (文号) is recorded: the round is locked for good


class Round(SQLModel, table=True):
    __tablename__ = "rounds"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    year: int
    kind: RoundKind = Field(sa_type=enum_type(RoundKind))
    stage: RoundStage = Field(default=RoundStage.DRAFT, sa_type=enum_type(RoundStage))
    city_deadline: datetime | None = None
    check_deadline: datetime | None = None
    scoring_deadline: datetime | None = None
    experts_per_application: int = 5  # k
    max_load: int = 8
    min_load: int = 0
    city_quota: int = 5
    # Conflict rules beyond the ones that always hold (own org, lead or member org, declared).
    avoid_same_city: bool = False
    org_diverse: bool = True
    pledge_text: str = ""
    tech_fields: str = ""  # the round's controlled 技术领域 list, separated by ';' (empty: the notice's default)
    created_at: datetime = Field(default_factory=utcnow)


class Criterion(SQLModel, table=True):
    """One line of a round's score sheet; the points of a round's criteria add up to 100."""

    __tablename__ = "criteria"
    __table_args__ = (UniqueConstraint("round_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", index=True)
    position: int
    title: str = Field(max_length=200)
    max_points: int
    descriptors: str = ""  # level descriptors shown to the expert, one per line
