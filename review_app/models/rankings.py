"""What a ranking run computed besides each application's line (RankingResult in reviews.py): each
expert's leniency, each sheet's adjusted score and share, each application's criterion means. Written once
when the run is made and never changed, so that pages, exports and the archive read the run as it was."""

from sqlmodel import Field, SQLModel, UniqueConstraint


class RankingExpert(SQLModel, table=True):
    """One expert as a ranking run saw them."""

    __tablename__ = "ranking_experts"
    __table_args__ = (UniqueConstraint("ranking_run_id", "expert_id"),)

    id: int | None = Field(default=None, primary_key=True)
    ranking_run_id: int = Field(foreign_key="ranking_runs.id", index=True)
    expert_id: int = Field(foreign_key="experts.id")
    n_reviews: int
    leniency: float | None = None  # points; None when the method estimates none
    spread: float | None = None  # 1 = average; None when the method estimates none
    flags: str = ""  # flag codes separated by ';'


class RankingSheet(SQLModel, table=True):
    """One submitted sheet's part in a ranking run's score of its application."""

    __tablename__ = "ranking_sheets"
    __table_args__ = (UniqueConstraint("ranking_run_id", "sheet_id"),)

    id: int | None = Field(default=None, primary_key=True)
    ranking_run_id: int = Field(foreign_key="ranking_runs.id", index=True)
    sheet_id: int = Field(foreign_key="score_sheets.id")
    application_id: int = Field(foreign_key="applications.id")
    expert_id: int = Field(foreign_key="experts.id")
    total: float  # as submitted when the run was made
    robust: float  # after robust clipping
    adjusted: float
    share: float  # in the application's weighted mean of the adjusted scores
    weight: float  # the method's weight of the review (1 = taken in full)


class RankingCriterionMean(SQLModel, table=True):
    """The mean points of one criterion of one application over the sheets a ranking run counted."""

    __tablename__ = "ranking_criterion_means"
    __table_args__ = (UniqueConstraint("ranking_run_id", "application_id", "criterion_id"),)

    id: int | None = Field(default=None, primary_key=True)
    ranking_run_id: int = Field(foreign_key="ranking_runs.id", index=True)
    application_id: int = Field(foreign_key="applications.id")
    criterion_id: int = Field(foreign_key="criteria.id")
    mean: float
