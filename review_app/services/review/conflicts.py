"""Conflicts of interest (利益冲突) between experts and applications: recorded by the centre (an
application, or every application a unit leads or joins), declared by experts, or implied by an expert's
employer; listed per expert, per application and for the whole pool."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import Application, ApplicationMember, Conflict, ConflictSource, Expert, Organisation, Round, User
from ..compliance import audit
from ..errors import ServiceError

NEWEST_FIRST = (Conflict.created_at.desc(), Conflict.id.desc())


class ConflictError(ServiceError):
    """A conflict that cannot be recorded; the message says why, in the user's language."""


@dataclass(frozen=True)
class ConflictRow:
    conflict: Conflict | None  # None for a conflict implied by the expert's employer
    expert: Expert
    application: Application | None
    org: Organisation | None
    source: ConflictSource
    reason: str


def record_conflict(
    session: Session,
    *,
    expert: Expert,
    by: User,
    source: ConflictSource,
    reason: str,
    application_code: str = "",
    org_credit_code: str = "",
) -> int:
    """Record that `expert` must not review an application (by its 申报编号, in the newest round that
    has it) or any application a unit leads or joins (by its credit code). Returns the rows added."""
    reason = reason.strip()
    application_code = application_code.strip()
    org_credit_code = org_credit_code.strip().upper()
    if not reason:
        raise ConflictError(_("Please give the reason for the conflict."))
    if bool(application_code) == bool(org_credit_code):
        raise ConflictError(_("Give either an application no. or a unit's credit code."))
    targets: list[tuple[Application | None, Organisation | None]] = []
    if application_code:
        application = session.exec(
            select(Application).where(Application.code == application_code).order_by(Application.round_id.desc())
        ).first()
        if application is None:
            raise ConflictError(_("There is no application %(code)s.", code=application_code))
        targets.append((application, None))
    else:
        org = session.exec(select(Organisation).where(Organisation.credit_code == org_credit_code)).first()
        if org is None:
            raise ConflictError(_("No unit has the credit code %(code)s.", code=org_credit_code))
        # The assignment reads application conflicts: one row per application the unit leads or joins,
        # and one for the unit itself, so applications filed later are covered when recorded again.
        members = select(ApplicationMember.application_id).where(ApplicationMember.org_id == org.id)
        applications = session.exec(
            select(Application).where(sa.or_(Application.lead_org_id == org.id, Application.id.in_(members)))
        ).all()
        targets = [(a, org) for a in applications] + [(None, org)]
    added = 0
    for application, org in targets:
        exists = session.exec(
            select(Conflict).where(
                Conflict.expert_id == expert.id,
                Conflict.application_id == application.id if application else Conflict.application_id.is_(None),
                Conflict.org_id == org.id if org else Conflict.org_id.is_(None),
            )
        ).first()
        if exists:
            continue
        session.add(
            Conflict(
                expert_id=expert.id,
                application_id=application.id if application else None,
                org_id=org.id if org else None,
                source=source,
                reason=reason,
                created_by_id=by.id,
            )
        )
        added += 1
    if not added:
        raise ConflictError(_("This conflict is already recorded."))
    session.flush()
    audit.record(
        session,
        action="conflict.record",
        by=by,
        target=expert,
        details={
            "expert": expert.code,
            "application": application_code or None,
            "org": org_credit_code or None,
            "source": source,
            "reason": reason,
            "rows": added,
        },
    )
    return added


def conflicts_of_expert(session: Session, *, expert: Expert) -> list[ConflictRow]:
    return _recorded(session, Conflict.expert_id == expert.id)


@dataclass(frozen=True)
class ApplicationConflicts:
    application: Application
    round: Round
    rows: list[ConflictRow]


def conflicts_of_application(session: Session, *, application_id: int) -> ApplicationConflicts | None:
    """Recorded conflicts of the application, and the experts employed by its lead or member units."""
    application = session.get(Application, application_id)
    if application is None:
        return None
    rows = _recorded(session, Conflict.application_id == application.id, order_by=(Expert.code,))
    org_ids = [application.lead_org_id] + list(
        session.exec(select(ApplicationMember.org_id).where(ApplicationMember.application_id == application.id))
    )
    for expert, org in session.exec(
        select(Expert, Organisation)
        .join(Organisation, Organisation.id == Expert.org_id)
        .where(Expert.org_id.in_(org_ids))
        .order_by(Expert.code)
    ).all():
        rows.append(ConflictRow(None, expert, application, org, ConflictSource.OWN_ORG, org.name))
    return ApplicationConflicts(application, session.get(Round, application.round_id), rows)


def all_conflicts(session: Session, *, application_code: str = "", limit: int = 500) -> list[ConflictRow]:
    """Recorded conflicts, newest first, optionally of one application no."""
    code = application_code.strip()
    return _recorded(session, *([Application.code == code] if code else []), limit=limit)


def _recorded(
    session: Session,
    *conditions,
    order_by=NEWEST_FIRST,
    limit: int | None = None,
) -> list[ConflictRow]:
    """The recorded conflicts meeting `conditions`, with their expert and their application or unit."""
    statement = (
        select(Conflict, Expert, Application, Organisation)
        .join(Expert, Expert.id == Conflict.expert_id)
        .join(Application, Application.id == Conflict.application_id, isouter=True)
        .join(Organisation, Organisation.id == Conflict.org_id, isouter=True)
        .where(*conditions)
        .order_by(*order_by)
        .limit(limit)
    )
    return [ConflictRow(c, e, a, o, c.source, c.reason) for c, e, a, o in session.exec(statement).all()]
