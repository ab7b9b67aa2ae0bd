"""The grades of an annual evaluation: the round's grading rule (thresholds, or a share for 优秀), and each
consortium's grade as published, or as changed by hand before publication (with its reason)."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel, UniqueConstraint

from ._base import enum_type, utcnow


class Grade(StrEnum):
    """The four grades of the notice, best first."""

    EXCELLENT = "excellent"  # 优秀
    GOOD = "good"  # 良好
    PASS = "pass"  # 合格
    FAIL = "fail"  # 不合格


class GradeMethod(StrEnum):
    THRESHOLDS = "thresholds"  # 优秀/良好/合格 by score thresholds
    SHARE = "share"  # 优秀: the best share of the round; 良好/合格 by thresholds


class GradeRule(SQLModel, table=True):
    """How a round grades its consortia from its approved ranking, and the publication of the grades
    (发布等级): once published, the rule, the grades and the ranking they stand on are fixed."""

    __tablename__ = "grade_rules"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", unique=True)
    method: GradeMethod = Field(default=GradeMethod.THRESHOLDS, sa_type=enum_type(GradeMethod))
    excellent_min: float = 90.0  # 优秀 at or above (thresholds)
    good_min: float = 80.0  # 良好 at or above
    pass_min: float = 60.0  # 合格 at or above; below is 不合格
    excellent_share: int = 20  # percent of the graded consortia that may be 优秀 (share)
    updated_at: datetime | None = None
    updated_by_id: int | None = Field(default=None, foreign_key="users.id")
    ranking_run_id: int | None = Field(default=None, foreign_key="ranking_runs.id")  # the run published
    published_at: datetime | None = None
    published_by_id: int | None = Field(default=None, foreign_key="users.id")


class ConsortiumGrade(SQLModel, table=True):
    """One consortium's grade in a round, from one ranking run. Before publication a row exists only for
    a grade changed by hand; publication writes one row per ranked report (the rule's grade, and the
    grade that stands), and nothing changes afterwards."""

    __tablename__ = "consortium_grades"
    __table_args__ = (UniqueConstraint("ranking_run_id", "application_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", index=True)
    ranking_run_id: int = Field(foreign_key="ranking_runs.id")
    application_id: int = Field(foreign_key="applications.id")
    consortium_id: int | None = Field(default=None, foreign_key="consortia.id", index=True)
    rank: int
    score: float
    computed: Grade = Field(sa_type=enum_type(Grade))  # the rule's grade (when written)
    grade: Grade = Field(sa_type=enum_type(Grade))  # the grade that stands
    reason: str = Field(default="", max_length=500)  # a change by hand: why (empty: the rule's grade)
    changed_by_id: int | None = Field(default=None, foreign_key="users.id")
    changed_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
