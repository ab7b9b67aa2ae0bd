"""Panel mode's settings and groups: a round reviewed in panels (分组评审/会评), its applications grouped —
proposed from the 技术领域 and the texts (assignment.propose_groups), then edited by hand.

Groups change only while no panel of the round is published: the panels and score sheets are made of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, select

import assignment

from ...models import (
    Application,
    AssignmentRun,
    PanelApplication,
    PanelGroup,
    PanelPin,
    PanelSeat,
    PanelSettings,
    Round,
    RoundStage,
    RunStatus,
    User,
)
from ..compliance import audit
from .problem import AssignError, build_pool

#: Stages in which the centre may still set the panel mode and the groups.
EDITABLE_STAGES = (RoundStage.DRAFT, RoundStage.INTAKE, RoundStage.FORMAL_CHECK, RoundStage.ASSIGNMENT)


def settings_for(session: Session, round_id: int) -> PanelSettings | None:
    """The round's panel settings, or None for a round reviewed online only."""
    return session.exec(select(PanelSettings).where(PanelSettings.round_id == round_id)).first()


def panel_mode(session: Session, round_id: int) -> bool:
    settings = settings_for(session, round_id)
    return bool(settings and settings.enabled)


def published_panels(session: Session, round_id: int) -> bool:
    """Whether a panel run of the round is published (its groups are then fixed)."""
    return session.exec(
        select(PanelSeat.id)
        .join(AssignmentRun, AssignmentRun.id == PanelSeat.run_id)
        .where(AssignmentRun.round_id == round_id, AssignmentRun.status == RunStatus.PUBLISHED)
    ).first() is not None


def _check_editable(session: Session, review_round: Round) -> None:
    if review_round.stage not in EDITABLE_STAGES or published_panels(session, review_round.id):
        raise AssignError(_("The panels are published: the panel settings and groups can no longer change."))


@dataclass(frozen=True)
class SettingsChoice:
    """What the centre sets for panel mode."""

    enabled: bool
    min_size: int
    max_size: int
    with_leader: bool
    recusal: bool
    max_group_apps: int


def save_settings(session: Session, *, review_round: Round, choice: SettingsChoice, by: User | None) -> PanelSettings:
    """Turn panel mode on or off and set its rules (audited)."""
    _check_editable(session, review_round)
    if not 1 <= choice.min_size <= choice.max_size:
        raise AssignError(_("The smallest panel must have at least one expert and not exceed the largest."))
    if choice.max_group_apps < 1:
        raise AssignError(_("A group must hold at least one application."))
    settings = settings_for(session, review_round.id) or PanelSettings(round_id=review_round.id)
    for name, value in choice.__dict__.items():
        setattr(settings, name, value)
    session.add(settings)
    session.flush()
    audit.record(session, action="panels.settings", by=by, target=settings, round_id=review_round.id,
                 details=dict(choice.__dict__))
    return settings


def groups(session: Session, round_id: int) -> list[tuple[PanelGroup, list[Application]]]:
    """The round's groups by number, each with its applications (in defence order once drawn, else by code)."""
    rows = session.exec(
        select(PanelGroup, PanelApplication, Application)
        .join(PanelApplication, PanelApplication.group_id == PanelGroup.id)
        .join(Application, Application.id == PanelApplication.application_id)
        .where(PanelGroup.round_id == round_id)
        .order_by(PanelGroup.number, sa.func.coalesce(PanelApplication.defence_position, 0), Application.code)
    ).all()
    result: dict[int, tuple[PanelGroup, list[Application]]] = {}
    for group, _place, application in rows:
        result.setdefault(group.id, (group, []))[1].append(application)
    return list(result.values())


def ungrouped(session: Session, review_round: Round) -> list[Application]:
    """Applications the panels would review (submitted, passing the formal check) that are in no group."""
    placed = set(
        session.exec(select(PanelApplication.application_id).where(PanelApplication.round_id == review_round.id))
    )
    pool = build_pool(session, review_round, with_text=False)
    return [a for a in pool.applications.values() if a.id not in placed]


def main_field(application: Application) -> str:
    return next((f.strip() for f in application.field.split(";") if f.strip()), application.field)


def _clear(session: Session, round_id: int) -> None:
    group_ids = select(PanelGroup.id).where(PanelGroup.round_id == round_id)
    session.execute(sa.delete(PanelPin).where(PanelPin.group_id.in_(group_ids)))
    session.execute(sa.delete(PanelApplication).where(PanelApplication.round_id == round_id))
    session.execute(sa.delete(PanelGroup).where(PanelGroup.round_id == round_id))


def propose(session: Session, *, review_round: Round, by: User | None) -> int:
    """Replace the round's groups by the proposal: one 技术领域 per group, a large field split by text
    (assignment.propose_groups); returns the number of groups."""
    from assignment.text import Document
    _check_editable(session, review_round)
    settings = settings_for(session, review_round.id)
    if settings is None or not settings.enabled:
        raise AssignError(_("Turn the panel mode on first."))
    pool = build_pool(session, review_round, with_text=False)
    items = [
        assignment.Item(code, main_field(a), Document(tuple(k for k in a.keywords.split(";") if k),
                                                      "\n".join([a.title, a.abstract])))
        for code, a in pool.applications.items()
    ]
    if not items:
        raise AssignError(
            _("No application of the round can be reviewed yet (submitted and passing the formal check).")
        )
    _clear(session, review_round.id)
    proposal = assignment.propose_groups(items, max_apps=settings.max_group_apps)
    for number, proposed in enumerate(proposal, start=1):
        group = PanelGroup(round_id=review_round.id, number=number, field=proposed.field)
        session.add(group)
        session.flush()
        for code in proposed.apps:
            session.add(PanelApplication(round_id=review_round.id, group_id=group.id,
                                         application_id=pool.applications[code].id))
    session.flush()
    audit.record(session, action="panels.propose_groups", by=by, round_id=review_round.id,
                 details={"groups": {str(n): list(p.apps) for n, p in enumerate(proposal, start=1)}})
    return len(proposal)


def group_by_number(session: Session, round_id: int, number: int) -> PanelGroup | None:
    return session.exec(select(PanelGroup).where(PanelGroup.round_id == round_id, PanelGroup.number == number)).first()


def move(session: Session, *, review_round: Round, application_code: str, number: int | None,
         by: User | None) -> PanelGroup:
    """Put an application into group `number` (None or a new number: a new group of its field); a group
    left empty is removed."""
    _check_editable(session, review_round)
    application = session.exec(
        select(Application).where(Application.round_id == review_round.id, Application.code == application_code)
    ).first()
    if application is None:
        raise AssignError(_("Unknown application %(app)s.", app=application_code))
    target = group_by_number(session, review_round.id, number) if number else None
    if target is None:
        highest = session.exec(
            select(sa.func.max(PanelGroup.number)).where(PanelGroup.round_id == review_round.id)
        ).one()
        target = PanelGroup(
            round_id=review_round.id, number=number or (highest or 0) + 1, field=main_field(application)
        )
        session.add(target)
        session.flush()
    place = session.exec(select(PanelApplication).where(PanelApplication.round_id == review_round.id,
                                                        PanelApplication.application_id == application.id)).first()
    left = place.group_id if place else None
    place = place or PanelApplication(round_id=review_round.id, application_id=application.id, group_id=target.id)
    place.group_id, place.defence_position = target.id, None
    session.add(place)
    session.flush()
    if left is not None and left != target.id:
        remaining = session.exec(select(PanelApplication.id).where(PanelApplication.group_id == left)).first()
        if remaining is None:
            session.execute(sa.delete(PanelPin).where(PanelPin.group_id == left))
            session.execute(sa.delete(PanelGroup).where(PanelGroup.id == left))
    audit.record(session, action="panels.move", by=by, target=target, round_id=review_round.id,
                 details={"application": application_code, "group": target.number})
    return target


def set_field(session: Session, *, group: PanelGroup, field: str, by: User | None) -> None:
    """Change the 技术领域 a group's experts must know (audited)."""
    _check_editable(session, session.get(Round, group.round_id))
    field = field.strip()
    if not field:
        raise AssignError(_("A group needs a field."))
    before, group.field = group.field, field
    session.add(group)
    audit.record(session, action="panels.group_field", by=by, target=group, round_id=group.round_id,
                 details={"group": group.number, "from": before, "to": field})
