"""The structured annual self-evaluation report (自评报告) of an existing consortium: one row per annual
report application, with the notice's six parts as text and the key indicators as numbers. Which parts
and indicators there are (their labels and units) is said once, in services.intake.self_evaluation."""

from datetime import datetime
from decimal import Decimal

from sqlmodel import Field, SQLModel

from ._base import utcnow


class SelfEvaluation(SQLModel, table=True):
    """What a city filed for one consortium's annual report; empty parts and indicators (None) are a
    draft's gaps, which the formal check (R15, R16) reports."""

    __tablename__ = "self_evaluations"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="applications.id", unique=True)
    # The notice's six parts (三.5): 战略目标实施和重大项目任务执行情况 … 下年度工作计划.
    strategy: str = ""
    platforms: str = ""
    team: str = ""
    achievements: str = ""
    products: str = ""
    plan: str = ""
    # Key indicators of the year (units in services.intake.self_evaluation.INDICATORS).
    rd_investment: Decimal | None = Field(default=None, max_digits=14, decimal_places=4)  # 万元
    invention_patents: int | None = None  # 件
    standards: int | None = None  # 项
    new_platforms: int | None = None  # 个
    team_size: int | None = None  # 人
    achievements_transferred: int | None = None  # 项
    transfer_value: Decimal | None = Field(default=None, max_digits=14, decimal_places=4)  # 万元
    landmark_revenue: Decimal | None = Field(default=None, max_digits=14, decimal_places=4)  # 万元
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="users.id")
