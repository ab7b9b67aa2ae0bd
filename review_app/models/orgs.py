"""Cities and organisations (legal persons identified by their unified social credit code)."""

from enum import StrEnum

from sqlmodel import Field, SQLModel

from ._base import enum_type


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
    """A unit: lead or member of applications, or an expert's employer.

    Two units are the same when their credit codes are (rule R2), so the code is unique. A code
    with a wrong check character is still stored: the formal check (R0) judges it.
    """

    __tablename__ = "organisations"

    id: int | None = Field(default=None, primary_key=True)
    credit_code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200, index=True)
    kind: str | None = Field(default=None, max_length=32)  # 单位类型 as last declared
    province: str | None = Field(default=None, max_length=32)
    city: str | None = Field(default=None, max_length=32)
    credit_standing: CreditStanding = Field(default=CreditStanding.GOOD, sa_type=enum_type(CreditStanding))
    is_legal_person: bool = True
