"""The centre's view of a round's applications: every application (failing ones too) with its city, lead
and formal-check outcome, and one application's page by id."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from ...models import Application, CheckResult, City, Round
from ..platform import paging
from .applications import ApplicationView, view


@dataclass(frozen=True)
class ListingRow:
    application: Application
    city: str
    lead: str  # as the application declared it
    worst: str | None  # the worst effective verdict of the formal check, None before it ran


@dataclass(frozen=True)
class RoundListing:
    round: Round
    rows: paging.Page  # of ListingRow
    cities: list[City]


PAGE_SIZE = 100


def round_listing(session: Session, *, round_id: int, city_id: int | None = None, text: str = "",
                  number: int = 1) -> RoundListing | None:
    """Page `number` of the round's applications (failing ones too), with its city, lead and check outcome;
    `text` matches the application no., name or lead unit."""
    review_round = session.get(Round, round_id)
    if review_round is None:
        return None
    query = (
        select(Application, City.name, Application.lead_name)
        .join(City, City.id == Application.city_id)
        .where(Application.round_id == round_id)
        .order_by(Application.code)
    )
    if city_id:
        query = query.where(Application.city_id == city_id)
    if text:
        like = f"%{text}%"
        query = query.where(sa.or_(Application.code.like(like), Application.title.like(like),
                                   Application.lead_name.like(like)))
    page = paging.paginate(session, query, number=number, size=PAGE_SIZE)
    found = page.items
    effective = sa.func.coalesce(CheckResult.override_verdict, CheckResult.verdict)
    verdicts: dict[int, set[str]] = {}
    for app_id, verdict in session.execute(
        select(CheckResult.application_id, effective).where(
            CheckResult.application_id.in_([row[0].id for row in found])
        )
    ):
        verdicts.setdefault(app_id, set()).add(verdict)
    rows = []
    for application, city, lead in found:
        seen = verdicts.get(application.id)
        worst = None if not seen else next(v for v in ("fail", "warn", "pass") if v in seen)
        rows.append(ListingRow(application, city, lead, worst))
    cities = list(session.exec(select(City).order_by(City.code)))
    return RoundListing(review_round, page.map(lambda _found: rows), cities)


def view_by_id(session: Session, *, application_id: int) -> ApplicationView | None:
    application = session.get(Application, application_id)
    return view(session, application) if application is not None else None
