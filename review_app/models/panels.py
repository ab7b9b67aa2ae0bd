"""Panel mode (分组评审/会评): a round's panel settings, its groups of applications with their meeting and
defence order, the panels a run chose (seats), the centre's pins, and the signed scans of the paper sheets.

The pairs a panel scores are ordinary Assignment rows of the run (every member × every application of the
group, bar recusals), so score sheets, progress and ranking work as in the online mode."""

from datetime import date, datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from ._base import enum_type, utcnow
from .reviews import AssignmentState, PinKind


class PanelSettings(SQLModel, table=True):
    """A round reviewed in panels, and how: the panel size, a 组长 per panel, recusal per application."""

    __tablename__ = "panel_settings"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", unique=True)
    enabled: bool = True
    min_size: int = 5
    max_size: int = 7
    with_leader: bool = True
    recusal: bool = False  # an expert conflicted with one application recuses from it and stays on the panel
    max_group_apps: int = 8  # the grouping proposal's largest group


class PanelGroup(SQLModel, table=True):
    """A group of applications reviewed by one panel at one meeting (date, room, time slots)."""

    __tablename__ = "panel_groups"
    __table_args__ = (UniqueConstraint("round_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", index=True)
    number: int  # 第 N 组
    field: str = Field(max_length=100)  # the 技术领域 its experts must know
    meeting_date: date | None = None
    room: str = Field(default="", max_length=100)
    start_time: str = Field(default="09:00", max_length=5)  # HH:MM, Beijing time
    slot_minutes: int = 30  # one application's defence and questions
    order_seed: int | None = None  # the lot that drew the defence order
    order_drawn_at: datetime | None = None


class PanelApplication(SQLModel, table=True):
    """An application's place in a group, and its turn in the defence order once drawn."""

    __tablename__ = "panel_applications"
    __table_args__ = (UniqueConstraint("round_id", "application_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", index=True)
    group_id: int = Field(foreign_key="panel_groups.id", index=True)
    application_id: int = Field(foreign_key="applications.id")
    defence_position: int | None = None  # 1 = first to present


class PanelSeat(SQLModel, table=True):
    """An expert on a group's panel in one assignment run."""

    __tablename__ = "panel_seats"
    __table_args__ = (UniqueConstraint("run_id", "group_id", "expert_id"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="assignment_runs.id", index=True)
    group_id: int = Field(foreign_key="panel_groups.id", index=True)
    expert_id: int = Field(foreign_key="experts.id", index=True)
    expertise: float = 0.0  # the sum of the expert's affinities with the applications they score
    is_leader: bool = False  # 组长
    pinned: bool = False
    recused: str = ""  # application codes the expert recuses from, separated by ';'
    state: AssignmentState = Field(default=AssignmentState.ACTIVE, sa_type=enum_type(AssignmentState))


class PanelPin(SQLModel, table=True):
    """The centre's decision that an expert must (pin) or must not (forbid) sit on a group's panel."""

    __tablename__ = "panel_pins"
    __table_args__ = (UniqueConstraint("group_id", "expert_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", index=True)
    group_id: int = Field(foreign_key="panel_groups.id")
    expert_id: int = Field(foreign_key="experts.id")
    kind: PinKind = Field(sa_type=enum_type(PinKind))
    reason: str = Field(default="", max_length=200)
    created_by_id: int | None = Field(default=None, foreign_key="users.id")


class SignedScan(SQLModel, table=True):
    """A scan of a signed paper sheet (专家签字评分表 of one expert, or a panel's 专家组意见表), kept in the
    upload store and put into the round archive."""

    __tablename__ = "signed_scans"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", index=True)
    group_id: int = Field(foreign_key="panel_groups.id")
    expert_id: int | None = Field(default=None, foreign_key="experts.id")  # None: the panel's opinion sheet
    filename: str = Field(max_length=200)
    sha256: str = Field(max_length=64)
    uploaded_by_id: int | None = Field(default=None, foreign_key="users.id")
    uploaded_at: datetime = Field(default_factory=utcnow)
