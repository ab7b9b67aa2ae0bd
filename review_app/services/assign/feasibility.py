"""Whether a round can be assigned, checked outside the request: the centre asks for the check (a job:
the whole pool and the solver's diagnosis, minutes and gigabytes at national scale), the result is stored
with a fingerprint of what it depends on, and the console shows the last result, saying when the pool
has changed since. The capacity by field is counted in the database on each view (cheap).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, select

from ...models import (
    Application,
    ApplicationMember,
    ApplicationStatus,
    AssignmentPin,
    Conflict,
    Expert,
    Job,
    JobStatus,
    Round,
    User,
)
from ..check import runner as check_runner
from ..platform import jobs
from . import problem

JOB_KIND = "assignment_check"


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


def _in_pool(review_round: Round) -> tuple:
    """The conditions on the round's applications the solver sees (submitted, no effective 不通过)."""
    return (
        Application.round_id == review_round.id,
        Application.status == ApplicationStatus.SUBMITTED,
        Application.id.not_in(check_runner.failing_select(review_round.id)),
    )


def pool_applications(session: Session, *, review_round: Round) -> list[tuple[int, str, int, int]]:
    """(id, field, lead unit, city) of the applications the solver sees, by id: plain columns, without
    building the pool (what the fingerprint and the capacity by field read)."""
    return [tuple(row) for row in session.execute(
        select(Application.id, Application.field, Application.lead_org_id, Application.city_id)
        .where(*_in_pool(review_round)).order_by(Application.id)
    )]


def field_capacity(session: Session, *, review_round: Round,
                   applications: list[tuple[int, str, int, int]] | None = None) -> list[FieldCapacity]:
    """Per field of the round's applications: seats needed (k per application) and the most its active
    experts can review (each up to their max load, and no more than the field's applications). Counted
    by GROUP BY in the database (a few hundred rows at national scale), not from the pool;
    `applications`: the `pool_applications` when the caller read them already."""
    k = review_round.experts_per_application
    if applications is None:
        apps_by_field = dict(session.execute(
            select(Application.field, sa.func.count()).where(*_in_pool(review_round)).group_by(Application.field)
        ).all())
    else:
        apps_by_field = dict(Counter(field for _id, field, *_rest in applications))
    loads_by_field: dict[str, list[tuple[int, int]]] = {}  # field -> [(max load, experts with it)]
    for fields, max_load, count in session.execute(
        select(Expert.fields, Expert.max_load, sa.func.count()).where(Expert.is_active)
        .group_by(Expert.fields, Expert.max_load)
    ):
        for field_name in {f for f in fields.split(";") if f}:
            loads_by_field.setdefault(field_name, []).append((max_load or review_round.max_load, count))
    rows = []
    for field_name, n_apps in sorted(apps_by_field.items(), key=lambda item: (-item[1], item[0])):
        loads = loads_by_field.get(field_name, [])
        rows.append(FieldCapacity(field_name, n_apps, k * n_apps, sum(n for _m, n in loads),
                                  sum(min(m, n_apps) * n for m, n in loads)))
    return rows


def fingerprint(session: Session, *, review_round: Round,
                applications: list[tuple[int, str, int, int]] | None = None) -> str:
    """A digest of everything the diagnosis depends on: the applications the solver sees (and their
    field, lead unit and city) and their member units (org conflicts, as the lead unit), the active
    experts (fields, load, unit, city), the round's conflicts, its pins and forbids, and the round's k and
    loads. Plain columns, no objects; `applications`: the `pool_applications` when the caller read them
    already."""
    digest = hashlib.sha256()
    if applications is None:
        applications = pool_applications(session, review_round=review_round)
    for row in applications:
        digest.update(repr(row).encode())
    digest.update(b"|")
    digest.update(_member_units(session, review_round, {row[0] for row in applications}))
    digest.update(b"|")
    parts = [
        select(Expert.id, Expert.fields, Expert.max_load, Expert.org_id, Expert.city)
        .where(Expert.is_active).order_by(Expert.id),
        select(Conflict.id, Conflict.expert_id, Conflict.application_id)
        .where(Conflict.application_id.in_(select(Application.id).where(Application.round_id == review_round.id)))
        .order_by(Conflict.id),
        select(AssignmentPin.application_id, AssignmentPin.expert_id, AssignmentPin.kind)
        .where(AssignmentPin.round_id == review_round.id).order_by(AssignmentPin.id),
    ]
    for query in parts:
        for row in session.execute(query):
            digest.update(repr(tuple(row)).encode())
        digest.update(b"|")
    settings = (review_round.experts_per_application, review_round.max_load, review_round.min_load,
                review_round.org_diverse, review_round.avoid_same_city)
    digest.update(repr(settings).encode())
    return digest.hexdigest()


def _member_units(session: Session, review_round: Round, pool_ids: set[int]) -> bytes:
    """The member units that can change the diagnosis, as bytes to digest: the (application, unit) pairs
    of the pool's applications whose unit employs an active expert, in order. A member unit only ever
    forbids its own experts (the solver's org conflict, like the lead unit's), and the experts' units are
    digested beside: a member added, moved or removed at a unit with experts changes the digest, one at a
    unit without any cannot change who may review (nor can what a member declares about itself). Two
    integer columns, a semi-join in the database; the few applications failing the formal check are
    dropped here rather than by a second subquery."""
    pairs = session.execute(
        select(ApplicationMember.application_id, ApplicationMember.org_id)
        .join(Application, Application.id == ApplicationMember.application_id)
        .where(Application.round_id == review_round.id, Application.status == ApplicationStatus.SUBMITTED,
               ApplicationMember.org_id.in_(select(Expert.org_id).where(Expert.is_active)))
        .order_by(ApplicationMember.application_id, ApplicationMember.org_id)
    )
    return repr([(a, org) for a, org in pairs if a in pool_ids]).encode()


def start(session: Session, *, review_round: Round, by: User | None) -> int:
    """Queue a feasibility check of the round (a job, audited as `job.assignment_check`); returns its id."""
    return jobs.submit(session, kind=JOB_KIND, round_id=review_round.id, params={"round_id": review_round.id},
                       by=by).id


@jobs.register(JOB_KIND)
def _check_job(session: Session, job: Job, report) -> dict:
    """The check: the fingerprint first (a change while the pool is built then shows as a change), then
    the pool without texts and the solver's diagnosis."""
    review_round = session.get(Round, json.loads(job.params_json)["round_id"])
    report(5, _("Reading the applications, experts and conflicts"))
    digest = fingerprint(session, review_round=review_round)
    pool = problem.build_pool(session, review_round, with_text=False)
    report(40, _("Checking whether a valid assignment exists"))
    diagnosis = problem.diagnose(session, review_round=review_round, pool=pool)
    return {
        "fingerprint": digest,
        "applications": len(pool.applications),
        "experts": len(pool.experts),
        "diagnosis": diagnosis.to_dict(),
    }


@dataclass(frozen=True)
class Reason:
    """One stored reason of an infeasible round (assignment.Reason as the check stored it)."""

    kind: str
    subjects: tuple[str, ...]
    need: int
    have: int
    short: int
    message: str
    message_zh: str


@dataclass(frozen=True)
class LastCheck:
    """The newest finished check of the round, and whether what it depends on has changed since."""

    checked_at: datetime
    feasible: bool
    reasons: list[Reason]
    applications: int
    experts: int
    stale: bool


@dataclass(frozen=True)
class Console:
    """What the console's feasibility card shows: the last check (None: never checked), a check queued or
    running (None: none), a check that failed after the last one (None: none), the capacity by field."""

    last: LastCheck | None
    pending: Job | None
    failed: Job | None
    fields: list[FieldCapacity]


def console(session: Session, *, review_round: Round) -> Console:
    """The console's card: the stored check and the capacity by field; never the solver."""
    checks = select(Job).where(Job.round_id == review_round.id, Job.kind == JOB_KIND).order_by(Job.id.desc())
    newest = session.exec(checks.limit(1)).first()
    done = session.exec(checks.where(Job.status == JobStatus.DONE).limit(1)).first()
    pending = session.exec(checks.where(Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING))).limit(1)).first()
    failed = newest if newest is not None and newest.status == JobStatus.FAILED else None
    last, applications = None, None
    if done is not None:
        applications = pool_applications(session, review_round=review_round)  # read once for both
        stored = done.result()
        diagnosis = stored["diagnosis"]
        last = LastCheck(
            checked_at=done.finished_at,
            feasible=diagnosis["feasible"],
            reasons=[Reason(**{**r, "subjects": tuple(r["subjects"])}) for r in diagnosis["reasons"]],
            applications=stored["applications"],
            experts=stored["experts"],
            stale=stored["fingerprint"] != fingerprint(session, review_round=review_round, applications=applications),
        )
    return Console(last, pending, failed, field_capacity(session, review_round=review_round, applications=applications))
