"""The close of a round: the public notice (公示) with its period, the objections (异议) received in it and
their answers, and the final decision (文号, date, the final list as decided)."""

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from ._base import enum_type, utcnow


class PublicityNotice(SQLModel, table=True):
    """A round's 公示: the approved ranking run it makes public, its period and the centre's contact."""

    __tablename__ = "publicity_notices"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", unique=True)
    ranking_run_id: int = Field(foreign_key="ranking_runs.id")
    starts_on: date
    ends_on: date
    working_days: int  # in the period, both ends included
    contact: str = Field(max_length=500)  # where objections go (office, telephone, e-mail, address)
    started_at: datetime = Field(default_factory=utcnow)
    started_by_id: int | None = Field(default=None, foreign_key="users.id")


class ObjectionChannel(StrEnum):
    LETTER = "letter"  # 信函
    EMAIL = "email"  # 电子邮件
    PHONE = "phone"  # 电话
    VISIT = "visit"  # 来访
    OTHER = "other"  # 其他


class ObjectionStatus(StrEnum):
    RECEIVED = "received"  # 已受理
    INVESTIGATING = "investigating"  # 核查中
    ANSWERED = "answered"  # 已答复


class ObjectionAnswer(StrEnum):
    MAINTAIN = "maintain"  # 维持: the list stands
    ADJUST = "adjust"  # 调整: the list changes as the answer says
    REVOKE = "revoke"  # 撤销: the application leaves the list


class Objection(SQLModel, table=True):
    """One objection as the centre received it, who handles it by when, what was found and the answer.
    An answer that changes the final list says how (`removes`, `adds_application_id`); the stored ranking
    run is never edited."""

    __tablename__ = "objections"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", index=True)
    application_id: int = Field(foreign_key="applications.id", index=True)
    received_on: date
    channel: ObjectionChannel = Field(sa_type=enum_type(ObjectionChannel))
    real_name: bool = True  # 实名 (an anonymous objection is recorded too)
    objector: str = Field(default="", max_length=200)
    objector_contact: str = Field(default="", max_length=200)  # e-mail or mobile number for the answer
    content: str = ""
    late: bool = False  # received after the period ended
    owner_id: int | None = Field(default=None, foreign_key="users.id")
    due_on: date  # the handling deadline
    notes: str = ""  # investigation notes
    status: ObjectionStatus = Field(default=ObjectionStatus.RECEIVED, sa_type=enum_type(ObjectionStatus))
    answer: ObjectionAnswer | None = Field(default=None, sa_type=enum_type(ObjectionAnswer))
    answer_changes: str = ""  # what an adjustment changes
    answer_reasons: str = ""
    removes: bool = False  # the objected application leaves the final list
    adds_application_id: int | None = Field(default=None, foreign_key="applications.id")
    answered_at: datetime | None = None
    answered_by_id: int | None = Field(default=None, foreign_key="users.id")
    recorded_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)


class ObjectionFile(SQLModel, table=True):
    """An attachment of an objection (a letter, evidence); the bytes live in the upload store."""

    __tablename__ = "objection_files"

    id: int | None = Field(default=None, primary_key=True)
    objection_id: int = Field(foreign_key="objections.id", index=True)
    filename: str = Field(max_length=255)
    sha256: str = Field(max_length=64)
    size: int
    uploaded_by_id: int | None = Field(default=None, foreign_key="users.id")
    uploaded_at: datetime = Field(default_factory=utcnow)


class Decision(SQLModel, table=True):
    """The final decision of a round: its document number (文号) and date; the round locks with it."""

    __tablename__ = "decisions"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", unique=True)
    document_no: str = Field(max_length=100)
    decided_on: date
    recorded_at: datetime = Field(default_factory=utcnow)
    recorded_by_id: int | None = Field(default=None, foreign_key="users.id")


class DecisionEntry(SQLModel, table=True):
    """One application of the final list as decided, a copy of what the list said (and the consortium it
    founded, in a new-consortium round)."""

    __tablename__ = "decision_entries"

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decisions.id", index=True)
    position: int
    application_id: int = Field(foreign_key="applications.id")
    code: str = Field(max_length=32)
    title: str = Field(max_length=200)
    lead: str = Field(max_length=200)
    city: str = Field(max_length=32)
    field: str = Field(max_length=64)
    source: str = Field(default="", max_length=200)  # how it entered: the ranking, or an objection's answer
    consortium_id: int | None = Field(default=None, foreign_key="consortia.id")
