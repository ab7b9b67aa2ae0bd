"""The registered consortia: one consortium's facts and members as the registry records them, entered or
corrected by the centre (a page, the import) or founded by a selected application at a new-consortium
round's decision; the list with its filters; what a city may see.

A consortium is keyed by its 联合体编号 (`code`). Its lead and member units are entered into the centre's
register by credit code as applications' units are (`intake.organisations`): the registry keeps the names
and facts as it records them, the register keeps the units' identities. Every change is audited with the
values before and after.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Application, ApplicationMember, City, Consortium, ConsortiumMember, Organisation, User
from ...models._base import utcnow
from ..compliance import audit
from ..errors import ServiceError
from ..intake import credit_codes, fields, notice
from ..intake.organisations import Declared, Register, declared_member, normalise_code, set_consortium_members
from ..intake.rules import CODE_PROBLEM
from ..platform import paging

CODE_PREFIX = "LHT"  # codes the registry gives: LHT<year><nnn>
FIRST_YEAR = 2000
NEW, UPDATED, UNCHANGED = "new", "updated", "unchanged"


class RegistryError(ServiceError):
    """A registry change refused (its message is for the user)."""


@dataclass(frozen=True)
class ConsortiumData:
    """A consortium as entered or imported. `members`: its member units exactly (None: leave them)."""

    code: str
    name: str
    field: str
    city: str  # 设区市, e.g. 苏州市
    lead_name: str
    lead_credit_code: str
    established_year: int
    members: tuple[Declared, ...] | None = None

    def lead(self) -> Declared:
        return Declared(self.lead_credit_code, self.lead_name, "", "江苏省", self.city)


# Checks shared by the page and the import ---------------------------------------------------------


def credit_code_problem(code: str) -> str | None:
    """Why `code` (as typed) is not a valid unified social credit code, in the user's language."""
    problem = credit_codes.problem(normalise_code(code))
    if problem is None:
        return None
    return _("Not a valid unified social credit code: %(problem)s.", problem=CODE_PROBLEM[problem])


def year_problem(text: str) -> str | None:
    """Why `text` is not a recognition year (a year from 2000 to this one)."""
    if not re.fullmatch(r"\d{4}", text.strip()):
        return _("%(value)s is not a year such as 2024", value=text)
    if not FIRST_YEAR <= int(text) <= date.today().year:
        return _("%(value)s is out of range", value=text)
    return None


def facts_problems(values: dict[str, str], known_fields: set[str]) -> list[tuple[str, str]]:
    """(column, reason) for a consortium's field, city, lead credit code and year as typed (`values` by the
    template's keys: field, city, lead_code, year); empty cells are left to the required check."""
    found = []
    if values["field"] and values["field"] not in known_fields:
        found.append(("技术领域", _("%(value)s is not in the list of technical fields", value=values["field"])))
    if values["city"] and values["city"] not in notice.CITIES:
        found.append(("所属设区市", _("%(value)s is not one of: %(allowed)s", value=values["city"],
                                      allowed="、".join(notice.CITIES))))
    if values["lead_code"] and (problem := credit_code_problem(values["lead_code"])):
        found.append(("牵头单位统一社会信用代码", problem))
    if values["year"] and (problem := year_problem(values["year"])):
        found.append(("认定年度", problem))
    return found


# Storing ------------------------------------------------------------------------------------------


def members_of(session: Session, consortium_id: int) -> list[ConsortiumMember]:
    return list(
        session.exec(
            select(ConsortiumMember).where(ConsortiumMember.consortium_id == consortium_id).order_by(
                ConsortiumMember.position)
        )
    )


def snapshot(session: Session, consortium: Consortium) -> dict:
    """The consortium's facts and members as plain values (for the audit's before and after)."""
    city = session.get(City, consortium.city_id)
    return {
        "code": consortium.code,
        "name": consortium.name,
        "field": consortium.field,
        "city": city.name if city else "",
        "lead_name": consortium.lead_name,
        "lead_credit_code": _lead_code(session, consortium),
        "established_year": consortium.established_year,
        "members": [declared_member(m).as_dict() for m in members_of(session, consortium.id)],
    }


def _lead_code(session: Session, consortium: Consortium) -> str:
    org = session.get(Organisation, consortium.lead_org_id)
    return org.credit_code if org else ""


def lead_codes(session: Session) -> dict[str, str]:
    """Each registered consortium's lead credit code, by its code."""
    return dict(session.exec(
        select(Consortium.code, Organisation.credit_code).join(Organisation, Organisation.id == Consortium.lead_org_id)
    ).all())


def data_of(session: Session, consortium: Consortium, *, members: tuple[Declared, ...] | None = None
            ) -> ConsortiumData:
    """The consortium as it stands, with `members` (None: leave them)."""
    facts = snapshot(session, consortium)
    return ConsortiumData(facts["code"], facts["name"], facts["field"], facts["city"], facts["lead_name"],
                          facts["lead_credit_code"], facts["established_year"], members)


def store(
    session: Session,
    *,
    consortium: Consortium | None,
    data: ConsortiumData,
    register: Register,
    cities: dict[str, City],
    by: User | None,
    application: Application | None = None,
) -> tuple[Consortium, str]:
    """Create (`consortium` None) or update the consortium from checked `data`; audited with the values
    before and after. Returns it with NEW, UPDATED or UNCHANGED."""
    before = snapshot(session, consortium) if consortium is not None else None
    lead = register.entry(data.lead())
    values = {
        "code": data.code,
        "name": data.name,
        "field": data.field,
        "city_id": cities[data.city].id,
        "lead_org_id": lead.id,
        "lead_name": data.lead_name,
        "established_year": data.established_year,
    }
    if consortium is None:
        consortium = Consortium(**values, application_id=application.id if application else None)
        session.add(consortium)
        session.flush()
    else:
        for key, value in values.items():
            setattr(consortium, key, value)
    if data.members is not None:
        set_consortium_members(session, consortium=consortium, members=list(data.members), register=register)
    after = snapshot(session, consortium)
    if before is None:
        audit.record(session, action="consortium.create", by=by, target=consortium,
                     details={**after, **({"application": application.code} if application else {})})
        return consortium, NEW
    changed = {key for key in after if after[key] != before[key]}
    if not changed:
        return consortium, UNCHANGED
    consortium.updated_at = utcnow()
    audit.record(session, action="consortium.update", by=by, target=consortium, details={
        "code": consortium.code,
        "before": {key: before[key] for key in sorted(changed)},
        "after": {key: after[key] for key in sorted(changed)},
    })
    return consortium, UPDATED


def by_code(session: Session, code: str) -> Consortium | None:
    return session.exec(select(Consortium).where(Consortium.code == code)).first()


def save(session: Session, *, consortium_id: int | None, data: ConsortiumData, by: User | None) -> Consortium:
    """Add (`consortium_id` None) or correct one consortium from the centre's page (audited)."""
    consortium = session.get(Consortium, consortium_id) if consortium_id is not None else None
    if consortium_id is not None and consortium is None:
        raise RegistryError(_("No such consortium."))
    problems = [f"{column}：{reason}" for column, reason in facts_problems(
        {"field": data.field, "city": data.city, "lead_code": data.lead_credit_code,
         "year": str(data.established_year)}, fields.known_fields(session))]
    other = by_code(session, data.code)
    if other is not None and other is not consortium:
        problems.append(_("The code %(code)s is another consortium's (%(name)s).", code=data.code, name=other.name))
    codes = [m.credit_code for m in data.members or ()]
    for member in data.members or ():
        if problem := credit_code_problem(member.credit_code):
            problems.append(f"{member.name}：{problem}")
    if len(set(codes)) != len(codes):
        problems.append(_("A unit is listed twice among the members."))
    if normalise_code(data.lead_credit_code) in codes:
        problems.append(_("The lead unit cannot also be a member."))
    if problems:
        raise RegistryError("；".join(problems))
    cities = {c.name: c for c in session.exec(select(City))}
    consortium, _outcome = store(session, consortium=consortium, data=data, register=Register(session),
                                 cities=cities, by=by)
    return consortium


def next_code(session: Session, year: int) -> str:
    """The next free code the registry gives for a recognition year: LHT2026001, LHT2026002, …"""
    prefix = f"{CODE_PREFIX}{year}"
    used = session.exec(select(Consortium.code).where(Consortium.code.like(f"{prefix}%"))).all()
    numbers = [int(code[len(prefix):]) for code in used if code[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def found(session: Session, *, application: Application, year: int, by: User | None) -> Consortium:
    """The consortium a selected application founds at its round's decision: the application's name,
    city, field, lead unit and members, recognised in `year`, linked both ways. Once only: a consortium
    the application founded already is returned as it is."""
    existing = session.exec(select(Consortium).where(Consortium.application_id == application.id)).first()
    if existing is not None:
        application.consortium_id = existing.id
        return existing
    members = session.exec(
        select(ApplicationMember).where(ApplicationMember.application_id == application.id).order_by(
            ApplicationMember.position)
    ).all()
    city = session.get(City, application.city_id)
    data = ConsortiumData(
        code=next_code(session, year), name=application.title, field=application.field, city=city.name,
        lead_name=application.lead_name, lead_credit_code=application.lead_credit_code, established_year=year,
        members=tuple(declared_member(m) for m in members),
    )
    consortium, _outcome = store(session, consortium=None, data=data, register=Register(session),
                                 cities={city.name: city}, by=by, application=application)
    application.consortium_id = consortium.id
    return consortium


# Reading ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListRow:
    consortium: Consortium
    city: str
    members: int


@dataclass(frozen=True)
class ListFilters:
    """What the registry's list keeps, on the centre's list and a city's alike: one technical field, one
    recognition year, `query` in the name or code."""

    field: str = ""
    year: int | None = None
    query: str = ""

    @classmethod
    def from_query(cls, args: Mapping[str, str]) -> "ListFilters":
        """The filters a list page's query string gives (`field`, `year`, `q`); a year that is not a
        number of at most four digits is ignored."""
        year = args.get("year", "").strip()
        return cls(field=args.get("field", ""), query=args.get("q", ""),
                   year=int(year) if year.isascii() and year.isdigit() and len(year) <= 4 else None)


def listing(
    session: Session,
    *,
    city_id: int | None = None,
    filters: ListFilters = ListFilters(),
    number: int = 1,
) -> paging.Page[ListRow]:
    """One page of the registry, by code, filtered by city, field and recognition year, and searched by
    name or code."""
    conditions = []
    if city_id is not None:
        conditions.append(Consortium.city_id == city_id)
    if filters.field:
        conditions.append(Consortium.field == filters.field)
    if filters.year is not None:
        conditions.append(Consortium.established_year == filters.year)
    if filters.query.strip():
        like = f"%{filters.query.strip()}%"
        conditions.append(sa.or_(Consortium.code.ilike(like), Consortium.name.like(like)))
    counts = (
        select(ConsortiumMember.consortium_id, sa.func.count().label("n"))
        .group_by(ConsortiumMember.consortium_id)
        .subquery()
    )
    rows = (
        select(Consortium, City.name, sa.func.coalesce(counts.c.n, 0))
        .join(City, City.id == Consortium.city_id)
        .outerjoin(counts, counts.c.consortium_id == Consortium.id)
        .where(*conditions)
        .order_by(Consortium.code)
    )
    return paging.paginate(session, rows, number=number).map(
        lambda found: [ListRow(c, city, n) for c, city, n in found]
    )


def choices(session: Session, *, city_id: int | None = None) -> tuple[list[str], list[int]]:
    """The fields and recognition years the registry (or a city's part of it) holds: the list's filters."""
    where = [Consortium.city_id == city_id] if city_id is not None else []
    used_fields = session.exec(select(Consortium.field).where(*where).distinct().order_by(Consortium.field)).all()
    years = session.exec(select(Consortium.established_year).where(*where).distinct().order_by(
        Consortium.established_year.desc())).all()
    return list(used_fields), list(years)


def of_city(session: Session, *, consortium_id: int, city_id: int | None) -> Consortium | None:
    """The consortium when the viewer may see it: any for the centre (`city_id` None), else the city's own."""
    consortium = session.get(Consortium, consortium_id)
    if consortium is None or (city_id is not None and consortium.city_id != city_id):
        return None
    return consortium


def cities(session: Session) -> list[City]:
    """The 13 cities, in the notice's order (the list's city filter)."""
    order = {name: n for n, name in enumerate(notice.CITIES)}
    return sorted(session.exec(select(City)).all(), key=lambda c: order.get(c.name, len(order)))


@dataclass(frozen=True)
class ConsortiumPage:
    consortium: Consortium
    city: str
    lead_credit_code: str
    members: list[ConsortiumMember]
    application: Application | None  # the application it came from


def page(session: Session, consortium: Consortium) -> ConsortiumPage:
    """What the consortium's page shows besides its history."""
    city = session.get(City, consortium.city_id)
    origin = session.get(Application, consortium.application_id) if consortium.application_id else None
    return ConsortiumPage(consortium, city.name if city else "", _lead_code(session, consortium),
                          members_of(session, consortium.id), origin)
