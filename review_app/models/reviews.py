"""Assignment runs, assignments, score sheets, pledges and ranking results."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel, UniqueConstraint

from ._base import enum_type, utcnow


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PROPOSED = "proposed"  # solved; the admin previews it
    INFEASIBLE = "infeasible"
    FAILED = "failed"
    PUBLISHED = "published"  # the experts see it
    SUPERSEDED = "superseded"


class AssignmentRun(SQLModel, table=True):
    """One solve of a round's assignment: its options, seed and outcome, kept for replay."""

    __tablename__ = "assignment_runs"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", index=True)
    status: RunStatus = Field(default=RunStatus.QUEUED, sa_type=enum_type(RunStatus))
    seed: int | None = None
    options_json: str = "{}"
    summary_json: str = "{}"
    objective: float | None = None
    created_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    published_at: datetime | None = None


class AssignmentState(StrEnum):
    ACTIVE = "active"
    RECUSED = "recused"  # the expert declared a conflict; a replacement is needed
    REPLACED = "replaced"


class Assignment(SQLModel, table=True):
    """One expert on one application's panel."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("run_id", "application_id", "expert_id"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="assignment_runs.id", index=True)
    round_id: int = Field(foreign_key="rounds.id", index=True)
    application_id: int = Field(foreign_key="applications.id", index=True)
    expert_id: int = Field(foreign_key="experts.id", index=True)
    affinity: float = 0.0
    shared_terms: str = ""  # the terms the application's and the expert's texts share most, separated by ';'
    pinned: bool = False
    state: AssignmentState = Field(default=AssignmentState.ACTIVE, sa_type=enum_type(AssignmentState))
    created_at: datetime = Field(default_factory=utcnow)


class PinKind(StrEnum):
    PIN = "pin"
    FORBID = "forbid"


class AssignmentPin(SQLModel, table=True):
    """An admin's decision that a pair must (pin) or must not (forbid) be on a panel."""

    __tablename__ = "assignment_pins"
    __table_args__ = (UniqueConstraint("round_id", "application_id", "expert_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", index=True)
    application_id: int = Field(foreign_key="applications.id")
    expert_id: int = Field(foreign_key="experts.id")
    kind: PinKind = Field(sa_type=enum_type(PinKind))
    reason: str = ""
    created_by_id: int | None = Field(default=None, foreign_key="users.id")


class SheetStatus(StrEnum):
    UNTOUCHED = "untouched"
    DRAFT = "draft"
    SUBMITTED = "submitted"


class ConflictDeclaration(StrEnum):
    NONE_DECLARED = "none_declared"  # 无利益冲突
    CONFLICT = "conflict"  # 申请回避


class ScoreSheet(SQLModel, table=True):
    """An expert's 评分表 for one assignment; locked once submitted."""

    __tablename__ = "score_sheets"

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignments.id", unique=True)
    round_id: int = Field(foreign_key="rounds.id", index=True)
    application_id: int = Field(foreign_key="applications.id", index=True)
    expert_id: int = Field(foreign_key="experts.id", index=True)
    status: SheetStatus = Field(default=SheetStatus.UNTOUCHED, sa_type=enum_type(SheetStatus))
    declaration: ConflictDeclaration | None = Field(default=None, sa_type=enum_type(ConflictDeclaration))
    declaration_reason: str = ""
    comment: str = ""
    recommend: bool | None = None  # 推荐 / 不推荐
    total: Decimal | None = Field(default=None, max_digits=6, decimal_places=2)
    version: int = 0  # bumped on every save, so a stale tab cannot overwrite a newer draft
    saved_at: datetime | None = None
    submitted_at: datetime | None = None
    reopened_reason: str | None = None


class ScoreItem(SQLModel, table=True):
    __tablename__ = "score_items"
    __table_args__ = (UniqueConstraint("sheet_id", "criterion_id"),)

    id: int | None = Field(default=None, primary_key=True)
    sheet_id: int = Field(foreign_key="score_sheets.id", index=True)
    criterion_id: int = Field(foreign_key="criteria.id")
    points: Decimal = Field(max_digits=6, decimal_places=2)


class PledgeAcceptance(SQLModel, table=True):
    """The expert accepted the round's 评审承诺书, at this time."""

    __tablename__ = "pledge_acceptances"
    __table_args__ = (UniqueConstraint("round_id", "expert_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id")
    expert_id: int = Field(foreign_key="experts.id")
    accepted_at: datetime = Field(default_factory=utcnow)


class RankingRun(SQLModel, table=True):
    """One aggregation of a round's submitted sheets."""

    __tablename__ = "ranking_runs"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", index=True)
    method: str = Field(max_length=32)
    seed: int = 0
    cutoff: int | None = None  # how many places are selected
    is_final: bool = False  # approved, and the approval not withdrawn: the round's one approved ranking
    created_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
    # The approval, and its withdrawal by an explicit reopen (kept as history: the run stays as approved).
    # Who acted is a user id kept as the audit log keeps its actor: a record, not a reference.
    approved_at: datetime | None = None
    approved_by_id: int | None = None
    withdrawn_at: datetime | None = None
    withdrawn_by_id: int | None = None
    withdrawn_reason: str | None = Field(default=None, max_length=500)


class RankingResult(SQLModel, table=True):
    __tablename__ = "ranking_results"
    __table_args__ = (
        UniqueConstraint("ranking_run_id", "application_id"),
        Index("ix_ranking_results_run_rank", "ranking_run_id", "rank"),  # a page of the ranking, by place
    )

    id: int | None = Field(default=None, primary_key=True)
    ranking_run_id: int = Field(foreign_key="ranking_runs.id", index=True)
    application_id: int = Field(foreign_key="applications.id")
    rank: int
    score: float
    ci_low: int
    ci_high: int
    n_reviews: int
    flags: str = ""  # flag codes separated by ';'
    selected: bool = False
    selection_reason: str = ""
    # How the score is composed (scoring.composition), stored with it; None in runs made before 0005.
    raw_mean: float | None = None
    adjusted_mean: float | None = None
    shrink: float | None = None
    target: float | None = None
    # The application's connected part and weakly linked group of the reviewer graph (scoring.linkage).
    graph_part: int | None = None
    graph_group: int | None = None
