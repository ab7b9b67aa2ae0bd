"""Entry as the offices do it: the centre's send-backs for correction (退回修改) and each city's
submission of a round (its stamped 推荐汇总表, printed, signed, scanned and uploaded)."""

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from ._base import utcnow


class SendBack(SQLModel, table=True):
    """The centre returned an application to its city for correction, with reasons and a deadline;
    `resubmitted_at` is set when the city sends it back corrected."""

    __tablename__ = "send_backs"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="applications.id", index=True)
    reasons: str
    deadline: datetime
    sent_by_id: int | None = Field(default=None, foreign_key="users.id")
    sent_at: datetime = Field(default_factory=utcnow)
    resubmitted_at: datetime | None = None
    resubmitted_by_id: int | None = Field(default=None, foreign_key="users.id")


class CitySubmission(SQLModel, table=True):
    """A city's stamped summary of its recommendations in one round: the scan (a PDF in the upload
    store) and the order it was printed with (application codes, ';'): the submission is complete while
    that order is still the city's order."""

    __tablename__ = "city_submissions"
    __table_args__ = (UniqueConstraint("round_id", "city_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", index=True)
    city_id: int = Field(foreign_key="cities.id", index=True)
    order_codes: str = ""
    filename: str = Field(max_length=255)
    sha256: str = Field(max_length=64)
    size: int
    uploaded_by_id: int | None = Field(default=None, foreign_key="users.id")
    uploaded_at: datetime = Field(default_factory=utcnow)
