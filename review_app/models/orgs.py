"""Cities, the centre's register of organisations (legal persons identified by their unified social
credit code), and the centre's list of units with a bad credit record (失信名单)."""

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from ._base import utcnow


class City(SQLModel, table=True):
    """One of the 13 设区市 of Jiangsu."""

    __tablename__ = "cities"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=32, unique=True)  # 南京市
    code: str = Field(max_length=6, unique=True)  # administrative division code, 320100


class CreditStanding(StrEnum):
    GOOD = "good"  # 良好
    BAD = "bad"  # 失信


class Organisation(SQLModel, table=True):
    """The centre's register entry of a unit: lead or member of applications, or an expert's employer.

    Two units are the same when their credit codes are (rule R2), so the code is unique. A code
    with a wrong check character is still stored: the formal check (R0) judges it. What a city declares
    about a unit is stored with its application (the snapshot on `Application` and `ApplicationMember`);
    a declaration only enters a code the register has never seen, and only the centre changes an entry.
    """

    __tablename__ = "organisations"

    id: int | None = Field(default=None, primary_key=True)
    credit_code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200, index=True)
    kind: str | None = Field(default=None, max_length=32)  # 单位类型 as last declared
    province: str | None = Field(default=None, max_length=32)
    city: str | None = Field(default=None, max_length=32)
    is_legal_person: bool = True


class CreditListEntry(SQLModel, table=True):
    """A unit on the centre's own 失信 list, as last imported (rule R7 reads it beside what was declared)."""

    __tablename__ = "credit_list"

    id: int | None = Field(default=None, primary_key=True)
    credit_code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(default="", max_length=200)
    reason: str = Field(default="", max_length=500)
    listed_on: date | None = None
    imported_at: datetime = Field(default_factory=utcnow)
