"""A round's assignment problem: the rows the solver sees, the options it solves under, and the instance
it saw, frozen in the upload store so that the archive replays the solve whatever the pool becomes.

Ids in the problem are application codes (申报编号) and expert codes (专家编号), so the library's diagnosis
names what the centre knows. This module and `proposals` are the only translators between the database and
the `assignment` library; the instance's file format is the library's (`assignment.instance_files`).
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

import assignment

from ...models import (
    Application,
    ApplicationMember,
    ApplicationStatus,
    AssignmentPin,
    AssignmentRun,
    Attachment,
    City,
    Conflict,
    Expert,
    PinKind,
    Round,
)
from ..check import runner as check_runner
from ..errors import ServiceError
from ..intake.attachments import TEXT_KINDS
from ..platform.storage import FolderStore

#: Where the instance's files sit inside the frozen zip and the round archive.
INSTANCE_FOLDER = "assignment/instance"


def text_weights() -> assignment.Weights:
    """The blend of field match and text similarity: the library's defaults, chosen on the tuning part of
    bench/affinity's labelled set."""
    return assignment.Weights()


class AssignError(ServiceError):
    """An assignment request that cannot be honoured; the message is shown to the user."""


@dataclass(frozen=True)
class Pool:
    """A round's assignment problem and the rows behind its ids; `text` explains its affinities when they
    come from the texts (None: nobody has any text, the field match decides alone)."""

    problem: assignment.Problem
    applications: dict[str, Application]  # by code
    experts: dict[str, Expert]  # by code
    text: assignment.TextAffinity | None = None

    def shared_terms(self, app_code: str, expert_code: str) -> str:
        """The terms the pair's texts share most, separated by ';' (empty without text affinity)."""
        return ";".join(self.text.shared_terms(app_code, expert_code)) if self.text else ""


def _split(text: str) -> tuple[str, ...]:
    return tuple(k for k in text.split(";") if k)


def _texts(session: Session, applications: list[Application], experts: list[Expert],
           ) -> assignment.TextAffinity | None:
    """Text affinity (assignment.text_affinity) from the applications' 关键词, 摘要 and the first pages of
    their 申请书 and 建设方案, and the experts' 关键词, 研究方向 and 代表性成果; None when nobody has text."""
    documents: dict[int, list[str]] = {}
    for attachment in session.exec(
        select(Attachment).where(Attachment.application_id.in_([a.id for a in applications]),
                                 Attachment.kind.in_(TEXT_KINDS), Attachment.text != "")
        .order_by(Attachment.kind)
    ):
        documents.setdefault(attachment.application_id, []).append(attachment.text)
    app_profiles = [
        assignment.Profile(
            a.code, _split(a.field), _split(a.keywords), "\n".join([a.title, a.abstract, *documents.get(a.id, ())])
        )
        for a in applications
    ]
    expert_profiles = [
        assignment.Profile(
            e.code, tuple(e.field_list), _split(e.keywords), "\n".join([e.research_areas, e.achievements])
        )
        for e in experts
    ]
    has_text = any(p.keywords or p.text.strip() for p in expert_profiles) and any(
        a.keywords or a.abstract.strip() or a.id in documents for a in applications)
    return assignment.text_affinity(app_profiles, expert_profiles, text_weights()) if has_text else None


def build_pool(
    session: Session, review_round: Round, *, keep_expert_id: int | None = None, with_text: bool = True
) -> Pool:
    """The round's submitted applications that passed the formal check, and the active expert pool
    (plus `keep_expert_id` even if inactive: an expert leaving a seat must be known to the solver).
    `with_text=False` leaves the texts out (who may be assigned, all a diagnosis needs, is the same)."""
    cities = {c.id: c.name for c in session.exec(select(City))}
    failing = check_runner.failing_application_ids(session, round_id=review_round.id)
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
    text = _texts(session, applications, experts) if with_text else None
    # The text's own table (its positions are these applications' and experts', in this order): the problem
    # keeps its arrays, no copy of the ten million pairs of a national round.
    affinity = text.pairs if text else None
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
        affinity=affinity,
    )
    return Pool(problem, {a.code: a for a in applications}, {e.code: e for e in experts}, text)


def instance_files(problem: assignment.Problem) -> dict[str, bytes]:
    """The solver's problem as the library's instance files (design.md, "Assignment instance"), by their
    path in the archive."""
    return {f"{INSTANCE_FOLDER}/{name}": data for name, data in assignment.instance_files(problem).items()}


def freeze_instance(store: FolderStore, problem: assignment.Problem) -> str:
    """Keep the instance a solve used (a zip of its CSV files) in the upload store; returns its SHA-256, so
    that the archive replays the solve on what the solver saw, whatever the pool becomes later.

    The files are streamed into the zip chunk by chunk (a national round's affinity.csv has ten million
    rows, some 270 MB): only a chunk is ever in memory. Deflate's fastest level: 4× faster than the default
    for a zip some 20 % larger."""

    def write(handle) -> None:
        with zipfile.ZipFile(handle, "w") as archive:
            for name, chunks in assignment.instance_parts(problem):
                info = zipfile.ZipInfo(f"{INSTANCE_FOLDER}/{name}", date_time=(2026, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info._compresslevel = 1  # Python 3.11 names the entry's level so (`compress_level` from 3.13)
                with archive.open(info, "w", force_zip64=True) as entry:
                    for chunk in chunks:
                        entry.write(chunk)

    return store.put_written(write)


def frozen_instance(store: FolderStore, run: AssignmentRun) -> dict[str, bytes] | None:
    """The instance files frozen when `run` was solved, or None for a run from before freezing."""
    digest = json.loads(run.options_json or "{}").get("instance_sha256")
    if not digest or not store.exists(digest):
        return None
    with zipfile.ZipFile(store.path(digest)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


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


def diagnose(session: Session, *, review_round: Round, choices: RunChoices = RunChoices(),
             pool: Pool | None = None) -> assignment.Diagnosis:
    """Whether the round can be assigned as set up and, if not, which applications or fields fall short
    (the whole pool and the solver's check: a job's work at national scale, see `feasibility`)."""
    pool = pool or build_pool(session, review_round, with_text=False)
    return assignment.diagnose(pool.problem, options_for(session, review_round, pool, choices))
