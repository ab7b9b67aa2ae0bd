"""Seats on published panels and the admin's hand on the next solve: pins and forbids, the replacement
list (recusals, inactive experts) and the replacement of one expert that moves nobody else."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, select

import assignment

from ...models import (
    Application,
    Assignment,
    AssignmentPin,
    AssignmentRun,
    AssignmentState,
    Expert,
    PanelSeat,
    PinKind,
    Round,
    RunStatus,
    ScoreSheet,
    User,
)
from ..compliance import audit
from ..review.pool import expert_by_code
from . import panel_recusals
from .problem import AssignError, RunChoices, build_pool, options_for


def set_pin(
    session: Session,
    *,
    review_round: Round,
    application_code: str,
    expert_code: str,
    kind: PinKind,
    reason: str,
    by: User | None,
) -> AssignmentPin:
    """Record that a pair must (pin) or must not (forbid) be on a panel in the next solve."""
    application = session.exec(
        select(Application).where(Application.round_id == review_round.id, Application.code == application_code)
    ).first()
    expert = expert_by_code(session, expert_code)
    if application is None or expert is None:
        raise AssignError(
            _("Unknown application %(app)s or expert %(expert)s.", app=application_code, expert=expert_code)
        )
    pin = session.exec(
        select(AssignmentPin).where(
            AssignmentPin.round_id == review_round.id,
            AssignmentPin.application_id == application.id,
            AssignmentPin.expert_id == expert.id,
        )
    ).first() or AssignmentPin(round_id=review_round.id, application_id=application.id, expert_id=expert.id, kind=kind)
    pin.kind, pin.reason, pin.created_by_id = kind, reason.strip(), by.id if by else None
    session.add(pin)
    session.flush()
    audit.record(
        session,
        action=f"assignment.{kind.value}",
        by=by,
        target=pin,
        round_id=review_round.id,
        details={"application": application_code, "expert": expert_code, "reason": reason},
    )
    return pin


def remove_pin(session: Session, *, pin: AssignmentPin, by: User | None) -> None:
    audit.record(
        session,
        action="assignment.unpin",
        by=by,
        target=pin,
        round_id=pin.round_id,
        details={"application_id": pin.application_id, "expert_id": pin.expert_id},
    )
    session.delete(pin)


def replacement_list(session: Session, *, round_id: int) -> list[tuple[Assignment, Application, Expert]]:
    """Seats that need a new expert: recusals, and active seats of experts since marked inactive. A panel
    run's pairs are not listed: a panel member is replaced for the whole group (panel_runs.replace)."""
    return list(
        session.exec(
            select(Assignment, Application, Expert)
            .join(Application, Application.id == Assignment.application_id)
            .join(Expert, Expert.id == Assignment.expert_id)
            .join(AssignmentRun, AssignmentRun.id == Assignment.run_id)
            .where(
                Assignment.round_id == round_id,
                AssignmentRun.status == RunStatus.PUBLISHED,
                ~sa.exists().where(PanelSeat.run_id == Assignment.run_id),
                sa.or_(  # the inactive experts are few: asked for once, not per seat (50,000 at national scale)
                    Assignment.state == AssignmentState.RECUSED,
                    sa.and_(Assignment.state == AssignmentState.ACTIVE,
                            Assignment.expert_id.in_(select(Expert.id).where(~Expert.is_active))),
                ),
            )
            .order_by(Application.code)
        ).all()
    )


def replace(session: Session, *, seat: Assignment, by: User | None, seed: int | None = None) -> Assignment:
    """Give the seat to the best eligible expert; every other pair of the round stays as it is."""
    import numpy as np
    if seat.state not in (AssignmentState.RECUSED, AssignmentState.ACTIVE):
        raise AssignError(_("This seat has been replaced already."))
    if panel_recusals.is_panel_seat(session, seat):
        raise AssignError(_("This expert sits on a panel: replace the member for the whole group on the panel page."))
    review_round = session.get(Round, seat.round_id)
    pool = build_pool(session, review_round, keep_expert_id=seat.expert_id)
    application, leaving = session.get(Application, seat.application_id), session.get(Expert, seat.expert_id)
    seats = session.exec(
        select(Application.code, Expert.code)
        .join(Assignment, Assignment.application_id == Application.id)
        .join(Expert, Expert.id == Assignment.expert_id)
        .where(
            Assignment.run_id == seat.run_id,
            Expert.is_active,
            sa.or_(Assignment.state == AssignmentState.ACTIVE, Assignment.id == seat.id),
        )
    ).all()
    current = {(code, expert) for code, expert in seats} | {(application.code, leaving.code)}
    options = options_for(session, review_round, pool, RunChoices(seed=seed))
    rng = np.random.default_rng(seed) if seed is not None else None
    try:
        outcome = assignment.replace(pool.problem, sorted(current), application.code, leaving.code, options, rng)
    except assignment.Infeasible as infeasible:
        raise AssignError("；".join(r.message_zh for r in infeasible.diagnosis.reasons)) from None
    newcomer = pool.experts[outcome.added]
    seat.state = AssignmentState.REPLACED
    new_seat = Assignment(
        run_id=seat.run_id,
        round_id=seat.round_id,
        application_id=seat.application_id,
        expert_id=newcomer.id,
        affinity=outcome.score,
        shared_terms=pool.shared_terms(application.code, newcomer.code),
    )
    session.add(new_seat)
    session.flush()
    session.add(
        ScoreSheet(
            assignment_id=new_seat.id, round_id=seat.round_id, application_id=seat.application_id, expert_id=newcomer.id
        )
    )
    audit.record(
        session,
        action="assignment.replace",
        by=by,
        target=new_seat,
        round_id=seat.round_id,
        details={"application": application.code, "removed": leaving.code, "added": newcomer.code},
    )
    return new_seat


def pins(session: Session, *, round_id: int) -> list[tuple[AssignmentPin, str, str]]:
    """The round's pins and forbids with the application and expert codes they name."""
    return list(
        session.exec(
            select(AssignmentPin, Application.code, Expert.code)
            .join(Application, Application.id == AssignmentPin.application_id)
            .join(Expert, Expert.id == AssignmentPin.expert_id)
            .where(AssignmentPin.round_id == round_id)
            .order_by(Application.code)
        ).all()
    )


def expert_code(session: Session, seat: Assignment) -> str:
    return session.get(Expert, seat.expert_id).code
