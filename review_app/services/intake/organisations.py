"""Units (organisations) keyed by their unified social credit code, and the members of an application.

The one way a unit is created or updated, whether a city declares it on the application form or the
centre imports it from a file: by credit code as people type it (normalised), last declared wins, and
values not declared are left as they are.
"""

import re

from sqlmodel import Session, select

from ...models import Application, ApplicationMember, CreditStanding, Organisation
from . import notice

STANDING = {notice.CREDIT_GOOD: CreditStanding.GOOD, notice.CREDIT_BAD: CreditStanding.BAD}


def normalise_code(code: str) -> str:
    """Credit codes as people type them: spaces dropped, letters upper-case, full-width folded."""
    code = "".join(chr(ord(c) - 0xFEE0) if "！" <= c <= "～" else c for c in code or "")
    return re.sub(r"\s+", "", code).upper()


class Organisations:
    """Upserts of units in one session, remembering which units they created or changed (an import
    reports both, and counts an application as updated when only its units changed)."""

    def __init__(self, session: Session):
        self.session = session
        self.created = 0
        self._changed: set[str] = set()

    def upsert(
        self,
        *,
        credit_code: str,
        name: str,
        kind: str | None = None,
        province: str | None = None,
        city: str | None = None,
        standing: CreditStanding | None = None,
    ) -> Organisation:
        """The unit with this credit code, created or updated with what was declared (last declared
        wins; values not declared are left as they are)."""
        code = normalise_code(credit_code)
        org = self.session.exec(select(Organisation).where(Organisation.credit_code == code)).first()
        if org is None:
            org = Organisation(credit_code=code, name=name.strip())
            self.session.add(org)
            self.created += 1
            self._changed.add(code)
        declared = {"name": name.strip(), "kind": kind, "province": province, "city": city, "credit_standing": standing}
        for attr, value in declared.items():
            if value and getattr(org, attr) != value:
                setattr(org, attr, value)
                self._changed.add(code)
        self.session.flush()
        return org

    def changed(self, org: Organisation) -> bool:
        return org.credit_code in self._changed


def upsert_organisation(session: Session, **declared) -> Organisation:
    """One unit upserted on its own (see `Organisations.upsert`)."""
    return Organisations(session).upsert(**declared)


def set_members(session: Session, *, application: Application, members: list[tuple[Organisation, str]]) -> bool:
    """Make the application's members exactly `members` (org, unit type) in this order; True if changed."""
    current = {
        m.org_id: m
        for m in session.exec(select(ApplicationMember).where(ApplicationMember.application_id == application.id))
    }
    wanted = {org.id for org, _t in members}
    changed = False
    for org_id, member in current.items():
        if org_id not in wanted:
            session.delete(member)
            changed = True
    session.flush()
    for position, (org, unit_type) in enumerate(members, start=1):
        member = current.get(org.id)
        if member is None:
            session.add(
                ApplicationMember(application_id=application.id, org_id=org.id, unit_type=unit_type, position=position)
            )
            changed = True
        elif (member.unit_type, member.position) != (unit_type, position):
            member.unit_type, member.position = unit_type, position
            changed = True
    session.flush()
    return changed
