"""The only translator between the database and the `assignment` library: rows in, panels out.

Propose, then publish (HotCRP's habit): the solver's result is stored as a proposal the centre can
preview; publishing makes it the experts' work (one score sheet per pair) and records the seed.
"""

import json

import numpy as np
from sqlmodel import Session, select

import assignment
from assignment.conflicts import pair_scores

from ..models import (
    Application,
    ApplicationMember,
    ApplicationStatus,
    Assignment,
    AssignmentRun,
    City,
    Conflict,
    Expert,
    Round,
    RoundStage,
    RunStatus,
    ScoreSheet,
    User,
)
from ..models._base import utcnow
from . import audit

Infeasible = assignment.Infeasible


def build_problem(session: Session, review_round: Round) -> assignment.Problem:
    """The round's submitted applications and the active expert pool, as an assignment problem.

    Ids are database ids as strings. Organisations are compared by id, so the implied conflict
    (an expert of the lead or a member unit) holds whatever the unit is called.
    """
    cities = {c.id: c.name for c in session.exec(select(City))}
    applications = list(
        session.exec(
            select(Application)
            .where(Application.round_id == review_round.id, Application.status == ApplicationStatus.SUBMITTED)
            .order_by(Application.id)
        )
    )
    members: dict[int, list[str]] = {}
    for member in session.exec(
        select(ApplicationMember).where(ApplicationMember.application_id.in_([a.id for a in applications]))
    ):
        members.setdefault(member.application_id, []).append(str(member.org_id))
    experts = list(session.exec(select(Expert).where(Expert.is_active).order_by(Expert.id)))
    app_ids = {a.id for a in applications}
    conflict_rows = [
        c
        for c in session.exec(select(Conflict).where(Conflict.application_id.is_not(None)))
        if c.application_id in app_ids
    ]
    return assignment.build_problem(
        [
            assignment.Application(
                id=str(a.id),
                field=a.field,
                lead_org=str(a.lead_org_id),
                member_orgs=tuple(members.get(a.id, ())),
                city=cities[a.city_id],
                title=a.title,
            )
            for a in applications
        ],
        [
            assignment.Expert(
                id=str(e.id),
                org=str(e.org_id) if e.org_id else f"expert-{e.id}",
                city=e.city,
                fields=tuple(e.field_list),
                max_load=e.max_load,
                name=e.name,
            )
            for e in experts
        ],
        conflicts=(
            [str(c.application_id) for c in conflict_rows],
            [str(c.expert_id) for c in conflict_rows],
            [c.reason or c.source for c in conflict_rows],
        ),
    )


def options_for(review_round: Round, *, seed: int | None) -> assignment.Options:
    """The solver options a round's settings stand for."""
    return assignment.Options(
        k=review_round.experts_per_application,
        max_load=review_round.max_load,
        min_load=review_round.min_load,
        org_diverse=review_round.org_diverse,
        avoid_same_city=review_round.avoid_same_city,
        seed=seed,
    )


def propose(session: Session, *, review_round: Round, seed: int | None, by: User | None) -> AssignmentRun:
    """Solve the round's assignment and store it as a proposal (raises `assignment.Infeasible`)."""
    options = options_for(review_round, seed=seed)
    problem = build_problem(session, review_round)
    rng = np.random.default_rng(seed) if seed is not None else None
    result = assignment.solve(problem, options, rng)
    run = AssignmentRun(
        round_id=review_round.id,
        status=RunStatus.PROPOSED,
        seed=seed,
        objective=result.objective,
        options_json=json.dumps(
            {
                "k": options.k,
                "max_load": options.max_load,
                "min_load": options.min_load,
                "org_diverse": options.org_diverse,
                "avoid_same_city": options.avoid_same_city,
            }
        ),
        summary_json=json.dumps(result.summary(), ensure_ascii=False, default=str),
        created_by_id=by.id if by else None,
        finished_at=utcnow(),
    )
    session.add(run)
    session.flush()
    for (app_id, expert_id), affinity in zip(result.pairs, _pair_affinity(problem, result.pairs), strict=True):
        session.add(
            Assignment(
                run_id=run.id,
                round_id=review_round.id,
                application_id=int(app_id),
                expert_id=int(expert_id),
                affinity=float(affinity),
            )
        )
    audit.record(
        session,
        action="assignment.propose",
        by=by,
        target=run,
        round_id=review_round.id,
        details={"seed": seed, "pairs": len(result.pairs), "objective": result.objective},
    )
    return run


def publish(session: Session, *, run: AssignmentRun, by: User | None) -> int:
    """Make a proposal the experts' work: one score sheet per pair; the round moves to scoring."""
    review_round = session.get(Round, run.round_id)
    pairs = list(session.exec(select(Assignment).where(Assignment.run_id == run.id)))
    for pair in pairs:
        session.add(
            ScoreSheet(
                assignment_id=pair.id,
                round_id=run.round_id,
                application_id=pair.application_id,
                expert_id=pair.expert_id,
            )
        )
    run.status = RunStatus.PUBLISHED
    run.published_at = utcnow()
    review_round.stage = RoundStage.SCORING
    audit.record(
        session,
        action="assignment.publish",
        by=by,
        target=run,
        round_id=run.round_id,
        details={"seed": run.seed, "pairs": len(pairs)},
    )
    return len(pairs)


def _pair_affinity(problem: assignment.Problem, pairs) -> list[float]:
    """Affinity in [0, 1] of each (app_id, expert_id) pair, for display next to each panel member."""
    if not pairs:
        return []
    apps = np.array([problem.app_index(a) for a, _ in pairs])
    experts = np.array([problem.expert_index(e) for _, e in pairs])
    return list(pair_scores(problem, apps, experts) / assignment.SCALE)
