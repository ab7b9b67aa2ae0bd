"""A panel member's declared conflict (申请回避) in a panel round, treated as a meeting treats it: the member
recuses from that one application and stays on the panel. The application is still scored by the panel's
other members while they number at least the panel's minimum; below it, the centre replaces the member for
the whole group (panel_runs.replace), never for the one application online (seats.replace refuses panel
seats)."""

from dataclasses import dataclass

from sqlmodel import Session, select

from ...models import (
    Application,
    Assignment,
    AssignmentState,
    Expert,
    PanelApplication,
    PanelGroup,
    PanelSeat,
)
from . import panel_groups, panel_runs


def is_panel_seat(session: Session, assignment: Assignment) -> bool:
    """Whether the pair belongs to a panel run (its replacement is then the panel's, for the whole group)."""
    return session.exec(select(PanelSeat.id).where(PanelSeat.run_id == assignment.run_id)).first() is not None


def recuse(session: Session, *, assignment: Assignment) -> PanelSeat | None:
    """Record on the member's panel seat that they recuse from the pair's application; None when the pair is
    not on a panel. The caller marks the pair RECUSED."""
    seat = session.exec(
        select(PanelSeat)
        .join(PanelApplication, PanelApplication.group_id == PanelSeat.group_id)
        .where(PanelSeat.run_id == assignment.run_id, PanelSeat.expert_id == assignment.expert_id,
               PanelSeat.state == AssignmentState.ACTIVE,
               PanelApplication.application_id == assignment.application_id)
    ).first()
    if seat is None:
        return None
    code = session.get(Application, assignment.application_id).code
    codes = [c for c in seat.recused.split(";") if c]
    if code not in codes:
        seat.recused = ";".join([*codes, code])
        session.add(seat)
    return seat


@dataclass(frozen=True)
class Recusal:
    """A member of a published panel who recused from one application, and who still scores it."""

    seat: PanelSeat
    group: PanelGroup
    expert: Expert
    application: Application
    scoring: int  # members of the panel scoring the application
    minimum: int  # the panel's smallest size

    @property
    def short(self) -> bool:
        """The panel scoring the application is below its minimum: the member must be replaced."""
        return self.scoring < self.minimum


def recusals(session: Session, *, round_id: int) -> list[Recusal]:
    """The recusals on the round's published panels (active seats), by group and application."""
    run = panel_runs.published_run(session, round_id)
    settings = panel_groups.settings_for(session, round_id)
    if run is None or settings is None:
        return []
    scoring: dict[int, int] = {}
    for application_id in session.exec(select(Assignment.application_id).where(
            Assignment.run_id == run.id, Assignment.state == AssignmentState.ACTIVE)):
        scoring[application_id] = scoring.get(application_id, 0) + 1
    result = []
    for seat, group, expert in panel_runs.members(session, run_id=run.id):
        for code in (c for c in seat.recused.split(";") if c):
            application = session.exec(
                select(Application).where(Application.round_id == round_id, Application.code == code)
            ).first()
            if application is not None:
                result.append(Recusal(seat, group, expert, application, scoring.get(application.id, 0),
                                      settings.min_size))
    return result
