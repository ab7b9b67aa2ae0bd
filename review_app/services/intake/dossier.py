"""The application dossier: the one read-model of an application with what is read about it.

A dossier is the application row (which carries the city's opinion: the recommendation, necessity and
feasibility texts) with its city, its lead unit, its member units in their order, its current attachment
of each kind and, for an annual report, its structured self-evaluation. Units are read as this application
declared them (its snapshot), with only the centre's register saying whether each is an independent legal
person. The city's page, the formal check, the expert's sheet and the exports all read applications through
it, so they show the same members in the same order; `load_all` loads any number of applications in a
few queries.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from ...models import (
    Application,
    ApplicationMember,
    Attachment,
    AttachmentKind,
    City,
    CreditStanding,
    Organisation,
    SelfEvaluation,
)
from . import notice, self_evaluation
from .organisations import Declared, declared_lead, declared_member


@dataclass(frozen=True)
class Unit:
    """A unit as the application declared it, and whether the centre's register has it as a legal person."""

    credit_code: str
    name: str
    kind: str
    province: str | None
    city: str | None
    credit_standing: CreditStanding
    is_legal_person: bool = True

    @classmethod
    def of(cls, declared: Declared, is_legal_person: bool = True) -> "Unit":
        return cls(
            declared.credit_code,
            declared.name,
            declared.kind,
            declared.province,
            declared.city,
            declared.standing,
            is_legal_person,
        )


@dataclass(frozen=True)
class Member:
    """One member unit: its membership (unit type, position) and the unit as declared."""

    member: ApplicationMember
    org: Unit

    @property
    def unit_type(self) -> str:
        return self.member.unit_type


@dataclass(frozen=True)
class Dossier:
    """One application with its city, lead unit, members and attachments."""

    application: Application
    city: City
    lead: Unit
    members: list[Member]
    attachments: dict[AttachmentKind, Attachment]  # the current file of each kind
    self_evaluation: SelfEvaluation | None  # an annual report's structured content, once the city filed it

    @property
    def agreement_clauses(self) -> list[str]:
        """The co-construction agreement's clauses as stored, in the notice's order."""
        return notice.split_clauses(self.application.agreement_clauses or "")

    def units(self) -> list[tuple[str, Unit]]:
        """The lead unit then the members, each with its role, for messages that name a unit."""
        return [(str(_l("lead unit")), self.lead)] + [(str(_l("member unit")), m.org) for m in self.members]


def load(session: Session, application: Application) -> Dossier:
    """The dossier of one application."""
    return load_all(session, [application])[0]


def load_id(session: Session, application_id: int) -> Dossier:
    """The dossier of the application with this id (its row read with its city and lead: three queries)."""
    return _load(session, [application_id])[0]


def load_all(session: Session, applications: Sequence[Application]) -> list[Dossier]:
    """The dossiers of these applications, in their order, in three queries whatever their number (a
    fourth when annual reports are among them)."""
    return _load(session, [a.id for a in applications], applications)


# The three statements, built once (the sheet page reads a dossier on every opening): `ids` is the list.
_IDS = sa.bindparam("ids", expanding=True)
_HEADS = (
    select(Application, City, Organisation.is_legal_person)
    .join(City, City.id == Application.city_id)
    .join(Organisation, Organisation.id == Application.lead_org_id)
    .where(Application.id.in_(_IDS))
)
_MEMBERS = (
    select(ApplicationMember, Organisation.is_legal_person)
    .join(Organisation, Organisation.id == ApplicationMember.org_id)
    .where(ApplicationMember.application_id.in_(_IDS))
    .order_by(ApplicationMember.application_id, ApplicationMember.position, ApplicationMember.id)
)
# A new upload replaces the file of its kind; by id order, the latest one wins should two remain.
_ATTACHMENTS = select(Attachment).where(Attachment.application_id.in_(_IDS)).order_by(Attachment.id)


def _load(session: Session, ids: list[int], applications: Sequence[Application] | None = None) -> list[Dossier]:
    heads = {
        application.id: (application, city, Unit.of(declared_lead(application), legal))
        for application, city, legal in session.exec(_HEADS, params={"ids": ids})
    }
    members: dict[int, list[Member]] = defaultdict(list)
    for member, legal in session.exec(_MEMBERS, params={"ids": ids}):
        members[member.application_id].append(Member(member, Unit.of(declared_member(member), legal)))
    attachments: dict[int, dict[AttachmentKind, Attachment]] = defaultdict(dict)
    for attachment in session.exec(_ATTACHMENTS, params={"ids": ids}):
        attachments[attachment.application_id][attachment.kind] = attachment
    if applications is None:
        applications = [heads[i][0] for i in ids]
    reports = self_evaluation.reports_of(session, [a.id for a in applications if a.consortium_id is not None])
    return [Dossier(a, *heads[a.id][1:], members[a.id], attachments[a.id], reports.get(a.id)) for a in applications]
