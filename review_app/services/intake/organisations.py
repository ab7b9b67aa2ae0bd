"""Units as an application declares them, and their entries in the centre's register.

What a city (or the centre's import, on a city's behalf) declares about a unit — name, credit code,
type, province, city, credit standing — is a snapshot kept with that application: its lead columns on
`Application`, its members' on `ApplicationMember`. Declaring never changes the centre's register
(`Organisation`): a credit code the register has never seen is entered with the name first declared,
so that the unit has an identity (rule R2, conflicts of interest, the assignment), and from then on only
the centre changes the entry (`register.update_entry`). So one city can no longer rewrite another city's
units, and two applications naming one unit with two names no longer flip each other.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from ...models import Application, ApplicationMember, Consortium, ConsortiumMember, CreditStanding, Organisation
from ...models.applications import MemberUnit
from . import notice

STANDING = {notice.CREDIT_GOOD: CreditStanding.GOOD, notice.CREDIT_BAD: CreditStanding.BAD}


def normalise_code(code: str) -> str:
    """Credit codes as people type them: spaces dropped, letters upper-case, full-width folded."""
    code = "".join(chr(ord(c) - 0xFEE0) if "！" <= c <= "～" else c for c in code or "")
    return re.sub(r"\s+", "", code).upper()


@dataclass(frozen=True)
class Declared:
    """One unit as an application declares it (a member's `kind` is its 单位类型)."""

    credit_code: str
    name: str
    kind: str = ""
    province: str | None = None
    city: str | None = None
    standing: CreditStanding = CreditStanding.GOOD
    legal: bool | None = None  # a member's declared 独立法人 (None: not given, an existing value stays)
    qualification: str | None = None  # a service body's qualification (None: not given, kept)

    def __post_init__(self):
        object.__setattr__(self, "credit_code", normalise_code(self.credit_code))
        object.__setattr__(self, "name", (self.name or "").strip())
        object.__setattr__(self, "province", (self.province or "").strip() or None)
        object.__setattr__(self, "city", (self.city or "").strip() or None)

    @classmethod
    def lead(cls, *, credit_code: str, name: str, lead_kind: str, city: str) -> "Declared":
        """A lead unit as declared: an enterprise or a platform (by its 牵头单位类型) of the city's, in 江苏."""
        return cls(credit_code, name, notice.lead_org_kind(lead_kind), "江苏省", city)

    @classmethod
    def member(cls, row) -> "Declared":
        """A member unit as a form or an import row declares it (its name, credit_code, unit_type, province,
        city and credit_standing as written: 良好 or 失信)."""
        standing = STANDING.get(row.credit_standing, CreditStanding.GOOD)
        qualification = getattr(row, "qualification", None)
        return cls(
            row.credit_code,
            row.name,
            row.unit_type,
            row.province,
            row.city,
            standing,
            getattr(row, "is_legal_person", None),
            qualification.strip() if qualification is not None else None,
        )

    def as_dict(self) -> dict:
        """For audit details: what was declared, in plain values."""
        return {
            "credit_code": self.credit_code,
            "name": self.name,
            "kind": self.kind,
            "province": self.province,
            "city": self.city,
            "credit_standing": self.standing.value,
            **({"is_legal_person": self.legal} if self.legal is not None else {}),
            **({"qualification": self.qualification} if self.qualification else {}),
        }


def declared_lead(application: Application) -> Declared:
    """The lead unit as the application declared it."""
    return Declared(
        credit_code=application.lead_credit_code,
        name=application.lead_name,
        kind=notice.lead_org_kind(application.lead_kind),
        province=application.lead_province,
        city=application.lead_city,
        standing=CreditStanding(application.lead_credit_standing),
    )


def declared_member(member: MemberUnit) -> Declared:
    """A member unit as its application (or the registry) declared it."""
    return Declared(
        credit_code=member.credit_code,
        name=member.name,
        kind=member.unit_type,
        province=member.province,
        city=member.city,
        standing=CreditStanding(member.credit_standing),
        legal=member.is_legal_person,
        qualification=member.qualification,
    )


def lead_from_register(org: Organisation) -> dict:
    """An application's lead columns for a unit as the centre's register has it (the centre's own
    paths: an annual report of a registered consortium, the demo)."""
    return {
        "lead_org_id": org.id,
        "lead_name": org.name,
        "lead_credit_code": org.credit_code,
        "lead_province": org.province,
        "lead_city": org.city,
    }


def member_from_register(org: Organisation) -> dict:
    """A member row's unit columns for a unit as the centre's register has it (see `lead_from_register`)."""
    return {
        "org_id": org.id,
        "name": org.name,
        "credit_code": org.credit_code,
        "province": org.province,
        "city": org.city,
    }


class Register:
    """Look-ups of the centre's register in one session; a code it has never seen is entered (with the
    name first declared). Existing entries are never changed here. `created` counts the new entries.
    An import calls `preload` with every unit of its file first: one query per thousand codes instead of
    one per unit."""

    CHUNK = 1000

    def __init__(self, session: Session):
        self.session = session
        self.created = 0
        self._known: dict[str, Organisation] = {}

    def preload(self, units: Iterable[Declared]) -> None:
        """Look up every unit at once and enter those never seen (each with its first declared name), so
        that `entry` asks the database nothing more for them."""
        first: dict[str, Declared] = {}
        for unit in units:
            first.setdefault(unit.credit_code, unit)
        missing = [code for code in first if code not in self._known]
        self._load(missing)
        new = [code for code in missing if code not in self._known]
        if new:  # entered in bulk (a round's import brings tens of thousands), then read back
            self.session.execute(sa.insert(Organisation), [self._values(first[code]) for code in new])
            self._load(new)
            self.created += len(new)

    def _load(self, codes: list[str]) -> None:
        for start in range(0, len(codes), self.CHUNK):
            chunk = codes[start : start + self.CHUNK]
            for org in self.session.exec(select(Organisation).where(Organisation.credit_code.in_(chunk))):
                self._known[org.credit_code] = org

    @staticmethod
    def _values(unit: Declared) -> dict:
        return {"credit_code": unit.credit_code, "name": unit.name, "kind": unit.kind or None,
                "province": unit.province, "city": unit.city}

    def _enter(self, unit: Declared) -> Organisation:
        org = Organisation(**self._values(unit))
        self.session.add(org)
        self._known[unit.credit_code] = org
        self.created += 1
        return org

    def entry(self, unit: Declared) -> Organisation:
        org = self._known.get(unit.credit_code)
        if org is None:
            org = self.session.exec(select(Organisation).where(Organisation.credit_code == unit.credit_code)).first()
            if org is None:
                org = self._enter(unit)
                self.session.flush()
            self._known[unit.credit_code] = org
        return org


def declare_lead(session: Session, *, application: Application, lead: Declared, register: Register) -> bool:
    """Store the lead unit as declared on the application (and its register identity); True if changed."""
    org = register.entry(lead)
    values = {
        "lead_org_id": org.id,
        "lead_name": lead.name,
        "lead_credit_code": lead.credit_code,
        "lead_province": lead.province,
        "lead_city": lead.city,
        "lead_credit_standing": lead.standing,
    }
    changed = any(getattr(application, k) != v for k, v in values.items())
    for k, v in values.items():
        setattr(application, k, v)
    return changed


def set_members(
    session: Session,
    *,
    application: Application,
    members: list[Declared],
    register: Register,
    current: list[ApplicationMember] | None = None,
    flush: bool = True,
) -> list[str]:
    """Make the application's members exactly `members` as declared, in this order. Returns each
    declared member's outcome in order ("new", "updated" or "unchanged"), then "removed" once per
    member dropped. `current`: the application's members as stored, when the caller loaded them already
    (an import loads every application's at once); `flush=False` leaves the new rows to the caller's flush."""
    return _set_units(session, ApplicationMember, "application_id", application.id, members, register,
                      current=current, flush=flush)


def set_consortium_members(
    session: Session, *, consortium: Consortium, members: list[Declared], register: Register
) -> list[str]:
    """Make a registered consortium's members exactly `members`, as `set_members` does for an application."""
    return _set_units(session, ConsortiumMember, "consortium_id", consortium.id, members, register)


def _set_units(
    session: Session, model: type[MemberUnit], owner_key: str, owner_id: int, members: list[Declared],
    register: Register, *, current: list | None = None, flush: bool = True,
) -> list[str]:
    owner = getattr(model, owner_key)
    if current is None:
        current = list(session.exec(select(model).where(owner == owner_id)))
    current = {m.credit_code: m for m in current}
    wanted = {unit.credit_code for unit in members}
    removed = [member for code, member in current.items() if code not in wanted]
    for member in removed:
        session.delete(member)
    if removed:
        session.flush()
    outcomes = []
    for position, unit in enumerate(members, start=1):
        values = {
            "unit_type": unit.kind,
            "position": position,
            "name": unit.name,
            "province": unit.province,
            "city": unit.city,
            "credit_standing": unit.standing,
        }
        if unit.legal is not None:
            values["is_legal_person"] = unit.legal
        if unit.qualification is not None:
            values["qualification"] = unit.qualification
        member = current.get(unit.credit_code)
        if member is None:
            org = register.entry(unit)
            session.add(model(**{owner_key: owner_id}, org_id=org.id, credit_code=unit.credit_code, **values))
            outcomes.append("new")
        elif any(getattr(member, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(member, k, v)
            outcomes.append("updated")
        else:
            outcomes.append("unchanged")
    if flush:
        session.flush()
    return outcomes + ["removed"] * len(removed)
