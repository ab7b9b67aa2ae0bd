"""Builders for test data, through the services where one exists, so tests read like use."""

from sqlmodel import Session

from review_app.models import Expert, Role
from review_app.services import accounts

PASSWORD = "Passw0rd-test"


def make_user(
    session: Session,
    username: str,
    role: str,
    *,
    city: str | None = None,
    expert_code: str | None = None,
    password: str = PASSWORD,
):
    return accounts.create_user(
        session, username=username, password=password, role=Role(role), city_name=city, expert_code=expert_code
    )


def make_expert(session: Session, *, code: str, name: str = "专家", fields: str = "集成电路", city: str = "南京市"):
    expert = Expert(code=code, name=name, fields=fields, city=city)
    session.add(expert)
    session.flush()
    return expert
