"""Panel runs: solve one panel per group (assignment.solve_panels), preview, publish, replace one member.

A panel run is an AssignmentRun whose options say ``"mode": "panels"``; its panels are PanelSeat rows and the
pairs its members score are ordinary Assignment rows (each member × each application of the group, bar
recusals), so publishing (proposals.publish: one score sheet per pair), progress and ranking are the online
mode's. The instance is frozen as for the online solve.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlmodel import Session, select

import assignment

from ...models import (
    Application,
    Assignment,
    AssignmentRun,
    AssignmentState,
    Expert,
    PanelGroup,
    PanelPin,
    PanelSeat,
    PinKind,
    Round,
    RoundStage,
    RunStatus,
    ScoreSheet,
    SheetStatus,
    User,
)
from ...models._base import utcnow
from ..compliance import audit
from ..platform import jobs, notify
from ..platform.storage import FolderStore, store_for
from ..review.pool import expert_by_code
from . import panel_groups, proposals
from .problem import AssignError, Pool, build_pool, freeze_instance

JOB_KIND = "panels"


def is_panel_run(run: AssignmentRun) -> bool:
    return json.loads(run.options_json or "{}").get("mode") == "panels"


def _groups(session: Session, review_round: Round, pool: Pool) -> tuple[list[PanelGroup], list[assignment.Group]]:
    """The round's groups and the library's view of them (ids are group numbers, days the meeting dates)."""
    rows = panel_groups.groups(session, review_round.id)
    chosen = [(g, tuple(a.code for a in apps if a.code in pool.applications)) for g, apps in rows]
    chosen = [(g, codes) for g, codes in chosen if codes]
    return [g for g, _ in chosen], [
        assignment.Group(str(g.number), codes, g.field, g.meeting_date.isoformat() if g.meeting_date else "")
        for g, codes in chosen
    ]


def panel_options(session: Session, review_round: Round, pool: Pool, seed: int | None) -> assignment.PanelOptions:
    settings = panel_groups.settings_for(session, review_round.id)
    pins, forbids = [], []
    for pin, number, code in pins_of(session, round_id=review_round.id):
        if code in pool.experts:
            (pins if pin.kind == PinKind.PIN else forbids).append((str(number), code))
    return assignment.PanelOptions(
        min_size=settings.min_size, max_size=settings.max_size, recusal=settings.recusal,
        org_diverse=review_round.org_diverse, avoid_same_city=review_round.avoid_same_city,
        pins=tuple(pins), forbids=tuple(forbids), seed=seed,
    )


def _ready(session: Session, review_round: Round) -> None:
    if review_round.stage != RoundStage.ASSIGNMENT:
        raise AssignError(_("The assignment can only run while the round is in the assignment stage."))
    if not panel_groups.panel_mode(session, review_round.id):
        raise AssignError(_("Turn the panel mode on first."))
    missing = panel_groups.ungrouped(session, review_round)
    if missing:
        raise AssignError(_("Put every application into a group first: %(codes)s.",
                            codes="、".join(a.code for a in missing)))


def start(session: Session, *, review_round: Round, seed: int | None, by: User | None) -> int:
    """Queue a panel solve of the round (a job); returns the job id."""
    _ready(session, review_round)
    return jobs.submit(session, kind=JOB_KIND, round_id=review_round.id,
                       params={"round_id": review_round.id, "seed": seed}, by=by).id


@jobs.register(JOB_KIND)
def _solve_job(session: Session, job, report) -> dict:
    params = json.loads(job.params_json)
    report(20, "solving the panels")
    by = session.get(User, job.created_by_id) if job.created_by_id else None
    run = propose(session, review_round=session.get(Round, params["round_id"]), seed=params["seed"], by=by,
                  store=store_for(current_app.config))
    session.commit()
    return {"run_id": run.id, "status": run.status.value}


def propose(session: Session, *, review_round: Round, seed: int | None, by: User | None,
            store: FolderStore) -> AssignmentRun:
    """Solve the panels and keep them as a proposal (or an infeasible run with its diagnosis)."""
    import numpy as np
    _ready(session, review_round)
    pool = build_pool(session, review_round)
    rows, groups = _groups(session, review_round, pool)
    options = panel_options(session, review_round, pool, seed)
    run = AssignmentRun(round_id=review_round.id, seed=seed, created_by_id=by.id if by else None)
    run.options_json = json.dumps({
        "mode": "panels", "min_size": options.min_size, "max_size": options.max_size, "recusal": options.recusal,
        "org_diverse": options.org_diverse, "avoid_same_city": options.avoid_same_city, "pins": options.pins,
        "forbids": options.forbids, "groups": [g.__dict__ for g in groups],
        "instance_sha256": freeze_instance(store, pool.problem),
    }, ensure_ascii=False)
    rng = np.random.default_rng(seed) if seed is not None else None
    try:
        result = assignment.solve_panels(pool.problem, groups, options, rng)
    except assignment.Infeasible as infeasible:
        run.status, run.finished_at = RunStatus.INFEASIBLE, utcnow()
        run.summary_json = json.dumps(infeasible.diagnosis.to_dict(), ensure_ascii=False)
        session.add(run)
        session.flush()
        audit.record(session, action="panels.infeasible", by=by, target=run, round_id=review_round.id)
        return run
    run.status, run.finished_at, run.objective = RunStatus.PROPOSED, utcnow(), result.objective
    run.summary_json = json.dumps(result.summary(), ensure_ascii=False)
    session.add(run)
    session.flush()
    with_leader = panel_groups.settings_for(session, review_round.id).with_leader
    recused = set(result.recusals)
    pinned = set(options.pins)
    for row, group in zip(rows, groups, strict=True):
        for position, code in enumerate(result.panels[group.id]):
            expert = pool.experts[code]
            _seat(session, run, row, group, expert, pool, recused, expertise=result.scores[(group.id, code)],
                  leader=with_leader and position == 0, pinned=(group.id, code) in pinned)
    audit.record(session, action="panels.propose", by=by, target=run, round_id=review_round.id,
                 details={"seed": seed, "panels": result.summary()["panels"], "objective": result.objective})
    return run


def _seat(session: Session, run: AssignmentRun, row: PanelGroup, group: assignment.Group, expert: Expert,
          pool: Pool, recused: set, *, expertise: float, leader: bool = False, pinned: bool = False,
          with_sheets: bool = False) -> PanelSeat:
    """One member's seat and the pairs they score (one sheet per pair when the run is published)."""
    skipped = [a for a in group.apps if (a, expert.code) in recused]
    seat = PanelSeat(run_id=run.id, group_id=row.id, expert_id=expert.id, expertise=expertise, is_leader=leader,
                     pinned=pinned, recused=";".join(skipped))
    session.add(seat)
    scored = [a for a in group.apps if a not in skipped]
    for code, affinity in zip(scored, assignment.pair_affinities(pool.problem, [(a, expert.code) for a in scored]),
                              strict=True):
        pair = Assignment(run_id=run.id, round_id=run.round_id, application_id=pool.applications[code].id,
                          expert_id=expert.id, affinity=affinity, shared_terms=pool.shared_terms(code, expert.code))
        session.add(pair)
        if with_sheets:
            session.flush()
            session.add(ScoreSheet(assignment_id=pair.id, round_id=run.round_id, application_id=pair.application_id,
                                   expert_id=expert.id))
    session.flush()
    return seat


def publish(session: Session, *, run: AssignmentRun, by: User | None) -> int:
    """Publish a panel proposal (score sheets for every pair, the round to scoring) and tell each member
    which panel they sit on; returns the number of score sheets."""
    sheets = proposals.publish(session, run=run, by=by)
    for seat, group, expert in members(session, run_id=run.id):
        user = session.exec(select(User).where(User.expert_id == expert.id)).first()
        when = group.meeting_date.isoformat() if group.meeting_date else _("date to be announced")
        notify.send(
            session, user=user, email=expert.email or None, kind="panels.published", round_id=run.round_id,
            subject=_("You sit on panel %(n)d", n=group.number),
            body=_("You sit on panel %(n)d (%(field)s)%(leader)s. Meeting: %(when)s %(room)s.", n=group.number,
                   field=group.field, leader=_(" as its leader") if seat.is_leader else "", when=when, room=group.room),
        )
    return sheets


def members(session: Session, *, run_id: int) -> list[tuple[PanelSeat, PanelGroup, Expert]]:
    """The run's active seats by group number, the leader first, then by expertise."""
    return list(session.exec(
        select(PanelSeat, PanelGroup, Expert)
        .join(PanelGroup, PanelGroup.id == PanelSeat.group_id)
        .join(Expert, Expert.id == PanelSeat.expert_id)
        .where(PanelSeat.run_id == run_id, PanelSeat.state == AssignmentState.ACTIVE)
        .order_by(PanelGroup.number, PanelSeat.is_leader.desc(), PanelSeat.expertise.desc(), Expert.code)
    ).all())


@dataclass(frozen=True)
class PanelPreview:
    run: AssignmentRun
    summary: dict
    panels: list[tuple[PanelGroup, list[Application], list[tuple[PanelSeat, Expert]]]]

    @property
    def recusals(self) -> int:
        return sum(len(s.recused.split(";")) for _g, _a, seats in self.panels for s, _e in seats if s.recused)


def preview(session: Session, *, run: AssignmentRun) -> PanelPreview:
    """Each group's applications and panel (leader first) as the run chose them."""
    seats: dict[int, list] = {}
    for seat, group, expert in members(session, run_id=run.id):
        seats.setdefault(group.id, []).append((seat, expert))
    panels = [(g, apps, seats.get(g.id, [])) for g, apps in panel_groups.groups(session, run.round_id)]
    return PanelPreview(run, json.loads(run.summary_json or "{}"), panels)


def published_run(session: Session, round_id: int) -> AssignmentRun | None:
    run = session.exec(select(AssignmentRun).where(AssignmentRun.round_id == round_id,
                                                   AssignmentRun.status == RunStatus.PUBLISHED)).first()
    return run if run is not None and is_panel_run(run) else None


def replace(session: Session, *, seat: PanelSeat, by: User | None) -> PanelSeat:
    """Give a member's seat to the best free eligible expert (assignment.replace_member); nobody else moves.
    On a published panel the newcomer gets a score sheet per application; refused once the leaving member
    submitted a sheet."""
    run = session.get(AssignmentRun, seat.run_id)
    if seat.state != AssignmentState.ACTIVE or run.status not in (RunStatus.PROPOSED, RunStatus.PUBLISHED):
        raise AssignError(_("This seat has been replaced already."))
    review_round = session.get(Round, run.round_id)
    pool = build_pool(session, review_round, keep_expert_id=seat.expert_id)
    rows, groups = _groups(session, review_round, pool)
    leaving = session.get(Expert, seat.expert_id)
    pairs = list(session.exec(select(Assignment).where(Assignment.run_id == run.id,
                                                       Assignment.expert_id == leaving.id,
                                                       Assignment.state == AssignmentState.ACTIVE)))
    group_apps = {
        a.id for g, apps in panel_groups.groups(session, run.round_id) if g.id == seat.group_id for a in apps
    }
    pairs = [p for p in pairs if p.application_id in group_apps]
    submitted = session.exec(select(ScoreSheet.id).where(ScoreSheet.assignment_id.in_([p.id for p in pairs]),
                                                         ScoreSheet.status == SheetStatus.SUBMITTED)).first()
    if submitted is not None:
        raise AssignError(_("Expert %(code)s has submitted a score sheet of this group: the seat cannot change.",
                            code=leaving.code))
    panels = {str(g.number): tuple(e.code for s, gg, e in members(session, run_id=run.id) if gg.id == g.id)
              for g in rows}
    found = [(r, g) for r, g in zip(rows, groups, strict=True) if r.id == seat.group_id]
    if not found:
        raise AssignError(_("This group has no application to review."))
    row, group = found[0]
    options = panel_options(session, review_round, pool, None)
    try:
        code, expertise, recused = assignment.replace_member(pool.problem, groups, panels, group.id, leaving.code,
                                                             options)
    except assignment.Infeasible as infeasible:
        raise AssignError("；".join(r.message_zh for r in infeasible.diagnosis.reasons)) from None
    seat.state = AssignmentState.REPLACED
    for pair in pairs:
        pair.state = AssignmentState.REPLACED
        session.add(pair)
    new_seat = _seat(session, run, row, group, pool.experts[code], pool, {(a, code) for a in recused},
                     expertise=expertise, leader=seat.is_leader, with_sheets=run.status == RunStatus.PUBLISHED)
    audit.record(session, action="panels.replace", by=by, target=new_seat, round_id=run.round_id,
                 details={"group": row.number, "removed": leaving.code, "added": code})
    return new_seat


def set_pin(session: Session, *, review_round: Round, number: int, expert_code: str, kind: PinKind, reason: str,
            by: User | None) -> PanelPin:
    """Record that an expert must (pin) or must not (forbid) sit on group `number`'s panel in the next solve."""
    group = panel_groups.group_by_number(session, review_round.id, number)
    expert = expert_by_code(session, expert_code)
    if group is None or expert is None:
        raise AssignError(_("Unknown group %(n)s or expert %(expert)s.", n=number, expert=expert_code))
    pin = session.exec(select(PanelPin).where(PanelPin.group_id == group.id, PanelPin.expert_id == expert.id)).first()
    pin = pin or PanelPin(round_id=review_round.id, group_id=group.id, expert_id=expert.id, kind=kind)
    pin.kind, pin.reason, pin.created_by_id = kind, reason.strip(), by.id if by else None
    session.add(pin)
    session.flush()
    audit.record(session, action=f"panels.{kind.value}", by=by, target=pin, round_id=review_round.id,
                 details={"group": number, "expert": expert_code, "reason": reason})
    return pin


def remove_pin(session: Session, *, pin: PanelPin, by: User | None) -> None:
    audit.record(session, action="panels.unpin", by=by, target=pin, round_id=pin.round_id,
                 details={"group_id": pin.group_id, "expert_id": pin.expert_id})
    session.delete(pin)


def pins_of(session: Session, *, round_id: int) -> list[tuple[PanelPin, int, str]]:
    """The round's panel pins and forbids with the group number and expert code they name."""
    return list(session.exec(
        select(PanelPin, PanelGroup.number, Expert.code)
        .join(PanelGroup, PanelGroup.id == PanelPin.group_id)
        .join(Expert, Expert.id == PanelPin.expert_id)
        .where(PanelPin.round_id == round_id)
        .order_by(PanelGroup.number, Expert.code)
    ).all())
