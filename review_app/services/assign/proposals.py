"""Runs of the solver, kept as proposals: propose, preview, then publish (HotCRP's habit).

The solver's result is stored as a proposal the centre previews; publishing makes it the experts' work
(one score sheet per pair), records the seed, and moves the round to scoring. The problem a run solves is
built in `problem`; the instance it saw is frozen in the upload store the caller passes in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import sqlalchemy as sa
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
    Round,
    RoundStage,
    RunStatus,
    ScoreSheet,
    User,
)
from ...models._base import utcnow
from .. import rounds
from ..compliance import audit
from ..platform import jobs, memory, paging
from ..platform.storage import FolderStore, store_for
from . import notices
from .problem import AssignError, RunChoices, build_pool, freeze_instance, options_for


def start(session: Session, *, review_round: Round, choices: RunChoices, by: User | None) -> int:
    """Queue a solve of the round (a job); returns the job id. The round must be in the assignment stage."""
    if review_round.stage != RoundStage.ASSIGNMENT:
        raise AssignError(_("The assignment can only run while the round is in the assignment stage."))
    params = {"round_id": review_round.id, "seed": choices.seed, "fair": choices.fair, "balance": choices.balance}
    return jobs.submit(session, kind="assignment", round_id=review_round.id, params=params, by=by).id


@jobs.register("assignment")
def _solve_job(session: Session, job, report) -> dict:
    params = json.loads(job.params_json)
    review_round = session.get(Round, params["round_id"])
    report(10, "building the problem")
    choices = RunChoices(seed=params["seed"], fair=params["fair"], balance=params["balance"])
    by = session.get(User, job.created_by_id) if job.created_by_id else None
    report(30, "solving")
    run = propose(session, review_round=review_round, choices=choices, by=by, store=store_for(current_app.config))
    session.commit()
    return {"run_id": run.id, "status": run.status.value}


def propose(
    session: Session, *, review_round: Round, choices: RunChoices, by: User | None, store: FolderStore
) -> AssignmentRun:
    """Solve and store the result as a proposal, or as an infeasible run carrying the diagnosis; the instance
    solved is frozen in `store` (the upload store)."""
    import numpy as np
    pool = build_pool(session, review_round)
    options = options_for(session, review_round, pool, choices)
    rng = np.random.default_rng(choices.seed) if choices.seed is not None else None
    memory.give_back()  # what the text affinity made and dropped: the flow comes on top of what is kept
    frozen = freeze_instance(store, pool.problem)
    memory.give_back()
    run = AssignmentRun(
        round_id=review_round.id,
        seed=choices.seed,
        created_by_id=by.id if by else None,
        options_json=json.dumps(
            {
                "k": options.k,
                "max_load": options.max_load,
                "min_load": options.min_load,
                "org_diverse": options.org_diverse,
                "avoid_same_city": options.avoid_same_city,
                "fair": options.fair,
                "balance": options.balance,
                "pins": options.pins,
                "forbids": options.forbids,
                "instance_sha256": frozen,
            },
            ensure_ascii=False,
        ),
    )
    try:
        result = assignment.solve(pool.problem, options, rng)
    except assignment.Infeasible as infeasible:
        run.status, run.finished_at = RunStatus.INFEASIBLE, utcnow()
        run.summary_json = json.dumps(infeasible.diagnosis.to_dict(), ensure_ascii=False)
        session.add(run)
        session.flush()
        audit.record(session, action="assignment.infeasible", by=by, target=run, round_id=review_round.id)
        return run
    run.status, run.finished_at, run.objective = RunStatus.PROPOSED, utcnow(), result.objective
    run.summary_json = json.dumps(result.summary(), ensure_ascii=False, default=str)
    session.add(run)
    session.flush()
    pinned = set(options.pins)
    affinities = assignment.pair_affinities(pool.problem, result.pairs)
    seats = [
        {
            "run_id": run.id,
            "round_id": review_round.id,
            "application_id": pool.applications[code].id,
            "expert_id": pool.experts[expert_code].id,
            "affinity": float(affinity),
            "shared_terms": pool.shared_terms(code, expert_code),
            "pinned": (code, expert_code) in pinned,
            "created_at": run.finished_at,
        }
        for (code, expert_code), affinity in zip(result.pairs, affinities, strict=True)
    ]
    for start in range(0, len(seats), 10_000):  # in bulk: a national round proposes 50,000 seats
        session.execute(sa.insert(Assignment), seats[start : start + 10_000])
    audit.record(
        session,
        action="assignment.propose",
        by=by,
        target=run,
        round_id=review_round.id,
        details={"seed": choices.seed, "pairs": len(result.pairs), "objective": result.objective, "loss": result.loss},
    )
    return run


def publish(session: Session, *, run: AssignmentRun, by: User | None) -> int:
    """Make a proposal the experts' work: one score sheet per pair; the round moves to scoring.

    The run is claimed with a conditional UPDATE, so that of two admins publishing at once exactly one
    succeeds and the other gets a clear refusal.
    """
    claimed = session.execute(
        sa.update(AssignmentRun)
        .where(AssignmentRun.id == run.id, AssignmentRun.status == RunStatus.PROPOSED)
        .where(~sa.exists().where(AssignmentRun.round_id == run.round_id, AssignmentRun.status == RunStatus.PUBLISHED))
        .values(status=RunStatus.PUBLISHED, published_at=utcnow())
    ).rowcount
    if claimed != 1:
        raise AssignError(_("This proposal cannot be published: another assignment of the round is published."))
    session.refresh(run)
    pairs = session.execute(
        select(Assignment.id, Assignment.application_id, Assignment.expert_id).where(Assignment.run_id == run.id)
    ).all()
    if pairs:  # in bulk: a national round publishes 50,000 sheets
        session.execute(
            sa.insert(ScoreSheet),
            [{"assignment_id": pair_id, "round_id": run.round_id, "application_id": application_id,
              "expert_id": expert_id} for pair_id, application_id, expert_id in pairs],
        )
    session.execute(
        sa.update(AssignmentRun)
        .where(AssignmentRun.round_id == run.round_id, AssignmentRun.status == RunStatus.PROPOSED)
        .values(status=RunStatus.SUPERSEDED)
    )
    audit.record(
        session,
        action="assignment.publish",
        by=by,
        target=run,
        round_id=run.round_id,
        details={"seed": run.seed, "pairs": len(pairs)},
    )
    rounds.advance(session, review_round=session.get(Round, run.round_id), to_stage=RoundStage.SCORING, by=by)
    notices.assignment_published(session, run=run)
    return len(pairs)


@dataclass(frozen=True)
class Preview:
    """What the centre checks before publishing a proposal."""

    run: AssignmentRun
    summary: dict
    panels: paging.Page  # of (Application, [(Expert, Assignment)]): one page of the panels, by code
    loads: dict[int, int]  # load -> number of experts with it
    single_review_share: float  # experts who score one application only: their leniency cannot be calibrated
    components: int  # connected parts of the expert–application graph
    mean_load: float
    worst_panel: float = field(default=0.0)


PANELS_PAGE_SIZE = 50


def preview(session: Session, *, run: AssignmentRun, by_affinity: bool = False, text: str = "",
            number: int = 1) -> Preview:
    """The run's loads and what they mean for calibrating leniency (over every seat), and page `number` of
    its panels (`text`: in the application no. or name), each panel's experts by code, or best affinity
    first when `by_affinity`.

    The figures over every seat (50,000 in a national round) are counted by the database (GROUP BY), and
    the graph's parts come from one string of its pairs: no row object per seat."""
    active = sa.and_(Assignment.run_id == run.id, Assignment.state == AssignmentState.ACTIVE)
    load = select(sa.func.count().label("n")).where(active).group_by(Assignment.expert_id).subquery()
    histogram = {n: count for n, count in session.execute(select(load.c.n, sa.func.count()).group_by(load.c.n))}
    strength = select(sa.func.sum(Assignment.affinity).label("s")).where(active).group_by(Assignment.application_id)
    worst = session.execute(select(sa.func.min(strength.subquery().c.s))).scalar()
    experts, seats = sum(histogram.values()), sum(n * count for n, count in histogram.items())
    applications = (
        select(Application)
        .where(Application.id.in_(select(Assignment.application_id).where(active)))
        .order_by(Application.code)
    )
    if text:
        like = f"%{text}%"
        applications = applications.where(sa.or_(Application.code.like(like), Application.title.like(like)))
    page = paging.paginate(session, applications, number=number, size=PANELS_PAGE_SIZE)
    panels: dict[int, tuple[Application, list]] = {a.id: (a, []) for a in page.items}
    for pair, expert in session.exec(
        select(Assignment, Expert)
        .join(Expert, Expert.id == Assignment.expert_id)
        .where(active, Assignment.application_id.in_(list(panels)))
        .order_by(Expert.code)
    ):
        panels[pair.application_id][1].append((expert, pair))
    if by_affinity:
        for _application, members in panels.values():
            members.sort(key=lambda member: -member[1].affinity)  # stable: ties stay by code
    return Preview(
        run=run,
        summary=json.loads(run.summary_json or "{}"),
        panels=page.map(lambda _apps: list(panels.values())),
        loads=dict(sorted(histogram.items())),
        single_review_share=(histogram.get(1, 0) / experts) if experts else 0.0,
        components=_components(session, active) if seats else 0,
        mean_load=(seats / experts) if experts else 0.0,
        worst_panel=worst or 0.0,
    )


def _components(session: Session, active) -> int:
    """Connected parts of the bipartite graph of the seats: leniencies are only comparable within one part.
    The pairs come as one string ("application,expert,…") and are read by numpy."""
    import numpy as np
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components
    pair = sa.cast(Assignment.application_id, sa.String) + "," + sa.cast(Assignment.expert_id, sa.String)
    joined = session.execute(select(sa.func.aggregate_strings(pair, ",")).where(active)).scalar() or ""
    pairs = np.array(joined.split(","), dtype=np.int64).reshape(-1, 2) if joined else np.zeros((0, 2), np.int64)
    apps, app = np.unique(pairs[:, 0], return_inverse=True)
    experts, expert = np.unique(pairs[:, 1], return_inverse=True)
    n = len(apps) + len(experts)  # applications first, then experts
    graph = sparse.coo_array((np.ones(len(pairs)), (app, len(apps) + expert)), shape=(n, n))
    return int(connected_components(graph, directed=False)[0])


def runs(session: Session, *, round_id: int) -> list[AssignmentRun]:
    return list(
        session.exec(select(AssignmentRun).where(AssignmentRun.round_id == round_id).order_by(AssignmentRun.id.desc()))
    )
