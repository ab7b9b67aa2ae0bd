"""The only translator between the database and the `assignment` library: rows in, panels out.

Propose, then publish (HotCRP's habit): the solver's result is stored as a proposal the centre previews;
publishing makes it the experts' work (one score sheet per pair), records the seed, and moves the round
to scoring. Ids in the problem are application codes (申报编号) and expert codes (专家编号), so the
library's diagnosis names what the centre knows.
"""

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlmodel import Session, select

import assignment
from assignment.conflicts import pair_scores

from ...models import (
    Application,
    ApplicationMember,
    ApplicationStatus,
    Assignment,
    AssignmentPin,
    AssignmentRun,
    AssignmentState,
    City,
    Conflict,
    Expert,
    PinKind,
    Round,
    RoundStage,
    RunStatus,
    ScoreSheet,
    User,
)
from ...models._base import utcnow
from .. import rounds
from ..compliance import audit
from ..errors import ServiceError
from ..intake import eligibility
from ..platform import jobs
from ..platform.storage import FolderStore, store_for

Infeasible = assignment.Infeasible


class AssignError(ServiceError):
    """An assignment request that cannot be honoured; the message is shown to the user."""


@dataclass(frozen=True)
class Pool:
    """A round's assignment problem and the rows behind its ids."""

    problem: assignment.Problem
    applications: dict[str, Application]  # by code
    experts: dict[str, Expert]  # by code


def build_pool(session: Session, review_round: Round, *, keep_expert_id: int | None = None) -> Pool:
    """The round's submitted applications that passed the formal check, and the active expert pool
    (plus `keep_expert_id` even if inactive: an expert leaving a seat must be known to the solver)."""
    cities = {c.id: c.name for c in session.exec(select(City))}
    failing = eligibility.failing_application_ids(session, round_id=review_round.id)
    applications = [
        a
        for a in session.exec(
            select(Application)
            .where(Application.round_id == review_round.id, Application.status == ApplicationStatus.SUBMITTED)
            .order_by(Application.code)
        )
        if a.id not in failing
    ]
    by_id = {a.id: a for a in applications}
    members: dict[int, list[str]] = {}
    for member in session.exec(select(ApplicationMember).where(ApplicationMember.application_id.in_(list(by_id)))):
        members.setdefault(member.application_id, []).append(str(member.org_id))
    experts = list(
        session.exec(select(Expert).where(sa.or_(Expert.is_active, Expert.id == keep_expert_id)).order_by(Expert.code))
    )
    expert_by_id = {e.id: e for e in experts}
    conflicts = [
        c
        for c in session.exec(select(Conflict).where(Conflict.application_id.in_(list(by_id))))
        if c.expert_id in expert_by_id
    ]
    problem = assignment.build_problem(
        [
            assignment.Application(
                id=a.code,
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
                id=e.code,
                org=str(e.org_id) if e.org_id else f"expert-{e.id}",
                city=e.city,
                fields=tuple(e.field_list),
                max_load=e.max_load,
                name=e.name,
            )
            for e in experts
        ],
        conflicts=(
            [by_id[c.application_id].code for c in conflicts],
            [expert_by_id[c.expert_id].code for c in conflicts],
            [c.reason or c.source.value for c in conflicts],
        ),
    )
    return Pool(problem, {a.code: a for a in applications}, {e.code: e for e in experts})


def csv_bytes(header, rows) -> bytes:
    """A UTF-8 CSV file with a header row, as the instance format wants."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def instance_files(problem: assignment.Problem) -> dict[str, bytes]:
    """The solver's problem in the instance CSV format (design.md, "Assignment instance")."""
    apps = []
    for i, app_id in enumerate(problem.app_ids):
        ptr = problem.app_field_ptr
        fields = [problem.fields[f] for f in problem.app_field_idx[ptr[i] : ptr[i + 1]]]
        orgs = [problem.orgs[o] for o in problem.app_org_idx[problem.app_org_ptr[i] : problem.app_org_ptr[i + 1]]]
        apps.append(
            [
                app_id,
                problem.app_titles[i],
                ";".join(fields),
                orgs[0],
                ";".join(orgs[1:]),
                problem.cities[problem.app_city[i]],
            ]
        )
    experts = []
    for j, expert_id in enumerate(problem.expert_ids):
        fields = [
            problem.fields[f]
            for f in problem.expert_field_idx[problem.expert_field_ptr[j] : problem.expert_field_ptr[j + 1]]
        ]
        load = int(problem.expert_max_load[j])
        experts.append(
            [
                expert_id,
                problem.expert_names[j],
                problem.orgs[problem.expert_org[j]],
                problem.cities[problem.expert_city[j]],
                ";".join(fields),
                "" if load < 0 else load,
            ]
        )
    reasons = problem.conflict_reasons or ("",) * len(problem.conflicts)
    conflicts = [
        [problem.app_ids[a], problem.expert_ids[e], reasons[n] if n < len(reasons) else ""]
        for n, (a, e) in enumerate(zip(problem.conflicts.app, problem.conflicts.expert, strict=True))
    ]
    return {
        "assignment/instance/applications.csv": csv_bytes(
            ("id", "title", "field", "lead_org", "member_orgs", "city"), apps
        ),
        "assignment/instance/experts.csv": csv_bytes(("id", "name", "org", "city", "fields", "max_load"), experts),
        "assignment/instance/conflicts.csv": csv_bytes(("app_id", "expert_id", "reason"), conflicts),
    }


def freeze_instance(store: FolderStore, problem: assignment.Problem) -> str:
    """Keep the instance a solve used (a zip of its CSV files) in the upload store; returns its SHA-256, so
    that the archive replays the solve on what the solver saw, whatever the pool becomes later."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(instance_files(problem).items()):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data)
    return store.put(buffer.getvalue())


def frozen_instance(store: FolderStore, run: AssignmentRun) -> dict[str, bytes] | None:
    """The instance files frozen when `run` was solved, or None for a run from before freezing."""
    digest = json.loads(run.options_json or "{}").get("instance_sha256")
    if not digest or not store.exists(digest):
        return None
    with zipfile.ZipFile(store.path(digest)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@dataclass(frozen=True)
class FieldCapacity:
    """Seats a field's applications need against what its experts can give at most (conflicts and
    experts shared between fields make the true figure smaller: the diagnosis checks it exactly)."""

    field: str
    applications: int
    seats: int
    experts: int
    capacity: int

    @property
    def short(self) -> int:
        return max(self.seats - self.capacity, 0)


def field_capacity(session: Session, *, review_round: Round) -> list[FieldCapacity]:
    """Per field of the round's applications: seats needed (k per application) and the most its active
    experts can review (each up to their max load, and no more than the field's applications)."""
    pool = build_pool(session, review_round)
    k = review_round.experts_per_application
    apps_by_field: dict[str, int] = {}
    for application in pool.applications.values():
        apps_by_field[application.field] = apps_by_field.get(application.field, 0) + 1
    rows = []
    for field_name, n_apps in sorted(apps_by_field.items(), key=lambda item: (-item[1], item[0])):
        experts = [e for e in pool.experts.values() if field_name in e.field_list]
        capacity = sum(min(e.max_load or review_round.max_load, n_apps) for e in experts)
        rows.append(FieldCapacity(field_name, n_apps, k * n_apps, len(experts), capacity))
    return rows


@dataclass(frozen=True)
class RunChoices:
    """What the admin chooses for one solve, beyond the round's own settings."""

    seed: int | None = None
    fair: bool = False
    balance: bool = False


def options_for(session: Session, review_round: Round, pool: Pool, choices: RunChoices) -> assignment.Options:
    """The solver options: the round's settings, the admin's pins and forbids, and the run's choices."""
    pins, forbids = [], []
    for pin in session.exec(select(AssignmentPin).where(AssignmentPin.round_id == review_round.id)):
        application, expert = session.get(Application, pin.application_id), session.get(Expert, pin.expert_id)
        if application.code in pool.applications and expert.code in pool.experts:
            (pins if pin.kind == PinKind.PIN else forbids).append((application.code, expert.code))
    return assignment.Options(
        k=review_round.experts_per_application,
        max_load=review_round.max_load,
        min_load=review_round.min_load,
        org_diverse=review_round.org_diverse,
        avoid_same_city=review_round.avoid_same_city,
        pins=tuple(pins),
        forbids=tuple(forbids),
        fair=choices.fair,
        balance=choices.balance,
        seed=choices.seed,
    )


def diagnose(session: Session, *, review_round: Round, choices: RunChoices = RunChoices()) -> assignment.Diagnosis:
    """Whether the round can be assigned as set up and, if not, which applications or fields fall short."""
    pool = build_pool(session, review_round)
    return assignment.diagnose(pool.problem, options_for(session, review_round, pool, choices))


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
    run = propose(session, review_round=review_round, choices=choices, by=by)
    session.commit()
    return {"run_id": run.id, "status": run.status.value}


def propose(session: Session, *, review_round: Round, choices: RunChoices, by: User | None) -> AssignmentRun:
    """Solve and store the result as a proposal, or as an infeasible run carrying the diagnosis."""
    pool = build_pool(session, review_round)
    options = options_for(session, review_round, pool, choices)
    rng = np.random.default_rng(choices.seed) if choices.seed is not None else None
    frozen = freeze_instance(store_for(current_app.config), pool.problem)
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
    for (code, expert_code), affinity in zip(result.pairs, _affinities(pool.problem, result.pairs), strict=True):
        session.add(
            Assignment(
                run_id=run.id,
                round_id=review_round.id,
                application_id=pool.applications[code].id,
                expert_id=pool.experts[expert_code].id,
                affinity=affinity,
                pinned=(code, expert_code) in pinned,
            )
        )
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
    return len(pairs)


def _affinities(problem: assignment.Problem, pairs) -> list[float]:
    if not pairs:
        return []
    apps = np.array([problem.app_index(a) for a, _ in pairs])
    experts = np.array([problem.expert_index(e) for _, e in pairs])
    return [float(s) for s in pair_scores(problem, apps, experts) / assignment.SCALE]


@dataclass(frozen=True)
class Preview:
    """What the centre checks before publishing a proposal."""

    run: AssignmentRun
    summary: dict
    panels: list[tuple[Application, list[tuple[Expert, Assignment]]]]
    loads: dict[int, int]  # load -> number of experts with it
    single_review_share: float  # experts who score one application only: their leniency cannot be calibrated
    components: int  # connected parts of the expert–application graph
    mean_load: float
    worst_panel: float = field(default=0.0)


def preview(session: Session, *, run: AssignmentRun) -> Preview:
    rows = session.exec(
        select(Assignment, Application, Expert)
        .join(Application, Application.id == Assignment.application_id)
        .join(Expert, Expert.id == Assignment.expert_id)
        .where(Assignment.run_id == run.id, Assignment.state == AssignmentState.ACTIVE)
        .order_by(Application.code, Expert.code)
    ).all()
    panels: dict[int, tuple[Application, list]] = {}
    load: dict[int, int] = {}
    for pair, application, expert in rows:
        panels.setdefault(application.id, (application, []))[1].append((expert, pair))
        load[expert.id] = load.get(expert.id, 0) + 1
    histogram: dict[int, int] = {}
    for n in load.values():
        histogram[n] = histogram.get(n, 0) + 1
    summary = json.loads(run.summary_json or "{}")
    return Preview(
        run=run,
        summary=summary,
        panels=list(panels.values()),
        loads=dict(sorted(histogram.items())),
        single_review_share=(histogram.get(1, 0) / len(load)) if load else 0.0,
        components=_components([(p.application_id, p.expert_id) for p, _, _ in rows]),
        mean_load=(len(rows) / len(load)) if load else 0.0,
        worst_panel=min((sum(p.affinity for _, p in members) for _, members in panels.values()), default=0.0),
    )


def _components(pairs: list[tuple[int, int]]) -> int:
    """Connected parts of the bipartite graph: leniencies are only comparable within one part."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for app_id, expert_id in pairs:
        parent[find(("a", app_id))] = find(("e", expert_id))
    return len({find(x) for x in list(parent)})


def runs(session: Session, *, round_id: int) -> list[AssignmentRun]:
    return list(
        session.exec(select(AssignmentRun).where(AssignmentRun.round_id == round_id).order_by(AssignmentRun.id.desc()))
    )
