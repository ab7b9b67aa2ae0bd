"""The centre's register of organisations: searched and corrected by the centre alone.

Applications keep their units as declared (see `organisations`), so a correction here changes no
application, no page and no export that shows what a city declared; it changes how the centre itself
names the unit (its register, an expert's employer, a conflict's unit) and whether the unit counts as an
independent legal person for rule R7. Every correction is audited with the values before and after.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Application, ApplicationMember, Organisation, User
from ..compliance import audit
from ..errors import ServiceError

FIELDS = ("name", "kind", "province", "city", "is_legal_person")
PAGE_SIZE = 100


class RegisterError(ServiceError):
    """A correction the register refuses (its message is for the user)."""


@dataclass(frozen=True)
class EntryInput:
    name: str
    kind: str | None
    province: str | None
    city: str | None
    is_legal_person: bool


@dataclass(frozen=True)
class EntryRow:
    org: Organisation
    applications: int  # applications naming the unit (lead or member)


def search(session: Session, *, query: str = "", limit: int = PAGE_SIZE) -> list[EntryRow]:
    """Register entries whose credit code or name contains `query`, with how many applications name each."""
    found = select(Organisation).order_by(Organisation.credit_code).limit(limit)
    if query.strip():
        like = f"%{query.strip()}%"
        found = found.where(sa.or_(Organisation.credit_code.ilike(like), Organisation.name.like(like)))
    orgs = list(session.exec(found))
    ids = [o.id for o in orgs]
    counts: dict[int, int] = {}
    for org_id, n in session.execute(
        select(Application.lead_org_id, sa.func.count())
        .where(Application.lead_org_id.in_(ids))
        .group_by(Application.lead_org_id)
    ):
        counts[org_id] = counts.get(org_id, 0) + n
    for org_id, n in session.execute(
        select(ApplicationMember.org_id, sa.func.count())
        .where(ApplicationMember.org_id.in_(ids))
        .group_by(ApplicationMember.org_id)
    ):
        counts[org_id] = counts.get(org_id, 0) + n
    return [EntryRow(o, counts.get(o.id, 0)) for o in orgs]


def update_entry(session: Session, *, org_id: int, data: EntryInput, by: User | None) -> dict[str, tuple]:
    """Correct one register entry; returns the changed fields as (before, after), audited as such.
    Nothing changed: no event, an empty result."""
    org = session.get(Organisation, org_id)
    if org is None:
        raise RegisterError(_("No such unit in the register."))
    wanted = {
        "name": data.name.strip(),
        "kind": (data.kind or "").strip() or None,
        "province": (data.province or "").strip() or None,
        "city": (data.city or "").strip() or None,
        "is_legal_person": bool(data.is_legal_person),
    }
    if not wanted["name"]:
        raise RegisterError(_("A unit needs a name."))
    changes = {k: (getattr(org, k), v) for k, v in wanted.items() if getattr(org, k) != v}
    if not changes:
        return {}
    for k, (_before, after) in changes.items():
        setattr(org, k, after)
    session.add(org)
    audit.record(
        session,
        action="organisation.update",
        by=by,
        target=org,
        details={
            "credit_code": org.credit_code,
            "before": {k: before for k, (before, _after) in changes.items()},
            "after": {k: after for k, (_before, after) in changes.items()},
        },
    )
    return changes
