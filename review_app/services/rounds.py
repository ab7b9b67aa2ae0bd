"""Review rounds: creation with the default criteria sheet of their kind, settings, the criteria sheet,
and the stage machine with its guards (draft → intake → formal check → assignment → scoring → closed →
published)."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlmodel import Session, select

from ..models import (
    Application,
    ApplicationStatus,
    AssignmentRun,
    Consortium,
    Criterion,
    Round,
    RoundKind,
    RoundStage,
    RunStatus,
    User,
)
from .check import notices as check_notices
from .check import runner as check_runner
from .compliance import audit
from .decision import publicity
from .errors import ServiceError
from .results import approval

# The default sheets of design.md; each adds up to 100 points and stays editable per round.
DEFAULT_CRITERIA: dict[RoundKind, list[tuple[str, int]]] = {
    RoundKind.NEW_CONSORTIUM: [
        ("牵头单位实力与组织能力", 20),
        ("成员构成与产学研协同", 15),
        ("重大联合攻关任务与技术路线", 25),
        ("运行机制与共建协议", 15),
        ("资金筹措与保障条件", 10),
        ("预期目标与示范带动", 15),
    ],
    RoundKind.ANNUAL_EVALUATION: [
        ("战略目标与重大任务执行", 25),
        ("高水平研发平台建设", 15),
        ("人才团队建设", 15),
        ("科技成果转化", 15),
        ("标志性产品应用推广", 15),
        ("下年度工作计划", 15),
    ],
}

BANDS = ("优", "良", "中", "差")

DEFAULT_PLEDGE = (
    "本人承诺：遵守评审纪律，客观、公正、独立地开展评审；与所评项目存在利益关系时主动申请回避；"
    "对申报材料和评审情况严格保密，不复制、不外传、不泄露评审信息；不接受任何单位和个人的请托。"
)


class RoundError(ServiceError):
    """A round request that cannot be honoured; the message is shown to the user."""


def descriptors_for(max_points: int) -> str:
    """Level descriptors (优/良/中/差) for a criterion worth `max_points`, as ranges people say: "9 分" for a
    band of one point, "7–8 分" otherwise; a band that would be empty is left out."""
    hi, mid, lo = round(max_points * 0.85), round(max_points * 0.7), round(max_points * 0.6)
    lines = []
    for band, (low, high) in zip(BANDS, ((hi, max_points), (mid, hi - 1), (lo, mid - 1), (0, lo - 1)), strict=True):
        if low <= high:
            lines.append(f"{band}：{low} 分" if low == high else f"{band}：{low}–{high} 分")
    return "\n".join(lines)


def create_round(session: Session, *, name: str, kind: RoundKind, year: int, by: User | None = None) -> Round:
    """Open a round in the draft stage with the default criteria sheet of its kind."""
    name = name.strip()
    if not name:
        raise RoundError(_("A round needs a name."))
    if not 2000 <= year <= 2100:
        raise RoundError(_("The year %(year)s is not plausible.", year=year))
    if session.exec(select(Round).where(Round.name == name, Round.year == year)).first():
        raise RoundError(_("A round named %(name)s already exists for %(year)s.", name=name, year=year))
    review_round = Round(name=name, kind=kind, year=year, pledge_text=DEFAULT_PLEDGE)
    session.add(review_round)
    session.flush()
    for position, (title, points) in enumerate(DEFAULT_CRITERIA[kind], start=1):
        session.add(
            Criterion(
                round_id=review_round.id,
                position=position,
                title=title,
                max_points=points,
                descriptors=descriptors_for(points),
            )
        )
    audit.record(
        session,
        action="round.create",
        by=by,
        target=review_round,
        round_id=review_round.id,
        details={"name": name, "kind": kind, "year": year},
    )
    return review_round


# Settings, criteria and the stage machine ------------------------------------------------------

STAGE_ORDER = list(RoundStage)
# Forward one stage at a time; a few steps back while nothing irreversible has happened.
TRANSITIONS: dict[RoundStage, tuple[RoundStage, ...]] = {
    RoundStage.DRAFT: (RoundStage.INTAKE,),
    RoundStage.INTAKE: (RoundStage.FORMAL_CHECK,),
    RoundStage.FORMAL_CHECK: (RoundStage.ASSIGNMENT, RoundStage.INTAKE),
    RoundStage.ASSIGNMENT: (RoundStage.SCORING, RoundStage.FORMAL_CHECK),
    RoundStage.SCORING: (RoundStage.CLOSED,),
    RoundStage.CLOSED: (RoundStage.PUBLISHED, RoundStage.SCORING),
    RoundStage.PUBLISHED: (),  # the final decision (decision.record) moves it on, never this machine
    RoundStage.DECIDED: (),
}
# Settings that shape the assignment are fixed once it is published (scoring has begun).
ASSIGNMENT_SETTINGS = ("experts_per_application", "max_load", "min_load", "avoid_same_city", "org_diverse")
EDITABLE_SETTINGS = (
    "name",
    "year",
    "city_deadline",
    "check_deadline",
    "scoring_deadline",
    "city_quota",
    "pledge_text",
    *ASSIGNMENT_SETTINGS,
)


@dataclass(frozen=True)
class Transition:
    """A move the admin may ask for, and why it is refused for now (empty when it is allowed)."""

    to_stage: RoundStage
    forward: bool
    blockers: list[str]

    @property
    def allowed(self) -> bool:
        return not self.blockers


def stage_index(stage: RoundStage) -> int:
    return STAGE_ORDER.index(stage)


def before(stage: RoundStage, limit: RoundStage) -> bool:
    return stage_index(stage) < stage_index(limit)


_CRITERIA = select(Criterion).where(Criterion.round_id == sa.bindparam("round_id")).order_by(Criterion.position)


def criteria_of(session: Session, round_id: int) -> list[Criterion]:
    """The round's criteria sheet in its order."""
    return list(session.exec(_CRITERIA, params={"round_id": round_id}))


def can_edit_criteria(review_round: Round) -> bool:
    """No edits to the criteria once scoring has begun."""
    return before(review_round.stage, RoundStage.SCORING)


def update_settings(session: Session, *, review_round: Round, values: dict, by: User | None) -> dict:
    """Change the round's settings; returns the changes as {field: [old, new]} (also audited)."""
    unknown = set(values) - set(EDITABLE_SETTINGS)
    if unknown:
        raise RoundError(_("Unknown settings: %(names)s.", names=", ".join(sorted(unknown))))
    changes = {k: [getattr(review_round, k), v] for k, v in values.items() if getattr(review_round, k) != v}
    merged = {k: values.get(k, getattr(review_round, k)) for k in EDITABLE_SETTINGS}
    problems = _settings_problems(session, review_round, merged, changes)
    if problems:
        raise RoundError("；".join(problems))
    for key, (_old, new) in changes.items():
        setattr(review_round, key, new.strip() if isinstance(new, str) else new)
    if changes:
        audit.record(
            session,
            action="round.update",
            by=by,
            target=review_round,
            round_id=review_round.id,
            details={
                k: [str(o) if o is not None else None, str(n) if n is not None else None]
                for k, (o, n) in changes.items()
            },
        )
    return changes


def _settings_problems(session: Session, review_round: Round, v: dict, changes: dict) -> list[str]:
    problems = []
    if not (v["name"] or "").strip():
        problems.append(_("A round needs a name."))
    if not 2000 <= int(v["year"]) <= 2100:
        problems.append(_("The year %(year)s is not plausible.", year=v["year"]))
    if "name" in changes or "year" in changes:
        twin = session.exec(
            select(Round).where(Round.name == v["name"].strip(), Round.year == v["year"], Round.id != review_round.id)
        ).first()
        if twin:
            problems.append(_("A round named %(name)s already exists for %(year)s.", name=v["name"], year=v["year"]))
    if not 1 <= v["experts_per_application"] <= 15:
        problems.append(_("Experts per application must be between 1 and 15."))
    if v["max_load"] < 1:
        problems.append(_("The maximum load must be at least 1."))
    if not 0 <= v["min_load"] <= v["max_load"]:
        problems.append(_("The minimum load must be between 0 and the maximum load."))
    if not 1 <= v["city_quota"] <= current_app.config["MAX_CITY_QUOTA"]:
        problems.append(_("The city quota must be between 1 and %(n)d.", n=current_app.config["MAX_CITY_QUOTA"]))
    deadlines = [v["city_deadline"], v["check_deadline"], v["scoring_deadline"]]
    known = [d for d in deadlines if d is not None]
    if known != sorted(known):
        problems.append(_("The deadlines must follow one another: city submission, formal check, scoring."))
    if not before(review_round.stage, RoundStage.SCORING) and set(changes) & set(ASSIGNMENT_SETTINGS):
        problems.append(_("The assignment settings cannot change once scoring has begun."))
    if not before(review_round.stage, RoundStage.ASSIGNMENT) and "city_quota" in changes:
        problems.append(_("The city quota cannot change after the formal check."))
    if review_round.stage in approval.PUBLIC_STAGES and changes:
        problems.append(_("A published round cannot change."))
    return problems


def update_criteria(
    session: Session, *, review_round: Round, rows: list[tuple[str, int, str]], by: User | None
) -> list[Criterion]:
    """Replace the criteria sheet with `rows` of (title, max_points, descriptors); points total 100."""
    if not can_edit_criteria(review_round):
        raise RoundError(_("The criteria cannot change once scoring has begun."))
    rows = [(t.strip(), p, (d or "").strip()) for t, p, d in rows if t and t.strip()]
    if not rows:
        raise RoundError(_("The criteria sheet needs at least one criterion."))
    if any(p is None or p <= 0 for _t, p, _d in rows):
        raise RoundError(_("Every criterion needs a positive number of points."))
    total = sum(p for _t, p, _d in rows)
    if total != 100:
        raise RoundError(_("The points must add up to 100, not %(total)d.", total=total))
    existing = criteria_of(session, review_round.id)
    before_rows = [(c.title, c.max_points) for c in existing]
    for position, (title, points, descriptors) in enumerate(rows, start=1):
        if position <= len(existing):
            criterion = existing[position - 1]
        else:
            criterion = Criterion(round_id=review_round.id, position=position)
            session.add(criterion)
        criterion.title, criterion.max_points = title, points
        criterion.descriptors = descriptors or descriptors_for(points)
    for extra in existing[len(rows) :]:
        session.delete(extra)
    session.flush()
    audit.record(
        session,
        action="round.criteria",
        by=by,
        target=review_round,
        round_id=review_round.id,
        details={"before": before_rows, "after": [(t, p) for t, p, _d in rows]},
    )
    return criteria_of(session, review_round.id)


def reset_criteria(session: Session, *, review_round: Round, by: User | None) -> list[Criterion]:
    """Put back the default sheet of the round's kind."""
    rows = [(title, points, descriptors_for(points)) for title, points in DEFAULT_CRITERIA[review_round.kind]]
    return update_criteria(session, review_round=review_round, rows=rows, by=by)


def transitions(session: Session, review_round: Round) -> list[Transition]:
    """The moves open from the round's stage, each with what blocks it."""
    return [
        Transition(to, stage_index(to) > stage_index(review_round.stage), blockers(session, review_round, to))
        for to in TRANSITIONS[review_round.stage]
    ]


def blockers(session: Session, review_round: Round, to_stage: RoundStage) -> list[str]:
    """Why the round may not move to `to_stage` now (in the user's language); empty when it may."""
    if to_stage not in TRANSITIONS[review_round.stage]:
        return [_("A round cannot move from this stage to that one.")]
    found: list[str] = []
    if to_stage == RoundStage.INTAKE and review_round.stage == RoundStage.DRAFT:
        total = sum(c.max_points for c in criteria_of(session, review_round.id))
        if total != 100:
            found.append(_("The criteria add up to %(total)d points, not 100.", total=total))
        if review_round.city_deadline is None:
            found.append(_("Set the deadline for city submission first."))
        if review_round.kind == RoundKind.ANNUAL_EVALUATION and not session.exec(select(Consortium.id)).first():
            found.append(_("There is no existing consortium to evaluate."))
    elif to_stage == RoundStage.FORMAL_CHECK and review_round.stage == RoundStage.INTAKE:
        submitted = session.exec(
            select(Application.id).where(
                Application.round_id == review_round.id, Application.status == ApplicationStatus.SUBMITTED
            )
        ).first()
        if submitted is None:
            found.append(_("No application has been submitted or imported yet."))
    elif to_stage == RoundStage.ASSIGNMENT:
        if not check_runner.is_current(session, review_round=review_round):
            found.append(_("Run the formal check first: it has not run since the applications last changed."))
    elif to_stage == RoundStage.FORMAL_CHECK and review_round.stage == RoundStage.ASSIGNMENT:
        published = session.exec(
            select(AssignmentRun.id).where(
                AssignmentRun.round_id == review_round.id, AssignmentRun.status == RunStatus.PUBLISHED
            )
        ).first()
        if published is not None:
            found.append(_("An assignment has been published already."))
    elif to_stage == RoundStage.SCORING and review_round.stage == RoundStage.ASSIGNMENT:
        published = session.exec(
            select(AssignmentRun.id).where(
                AssignmentRun.round_id == review_round.id, AssignmentRun.status == RunStatus.PUBLISHED
            )
        ).first()
        if published is None:
            found.append(_("Publish an expert assignment first."))
    elif to_stage in (RoundStage.PUBLISHED, RoundStage.SCORING):  # from closed
        # Never back past an approval: the approved ranking would silently stand on sheets that change.
        final = approval.approved_run(session, round_id=review_round.id)
        if to_stage == RoundStage.PUBLISHED and final is None:
            found.append(_("Approve a final ranking first."))
        if to_stage == RoundStage.SCORING and final is not None:
            found.append(_("The ranking is approved: reopen the results with a reason before scoring reopens."))
    return found


def advance(session: Session, *, review_round: Round, to_stage: RoundStage, by: User | None) -> Round:
    """Move the round to `to_stage` if its guards allow (raises RoundError with the reasons)."""
    problems = blockers(session, review_round, to_stage)
    if problems:
        raise RoundError("；".join(problems))
    if to_stage == RoundStage.PUBLISHED:  # the public notice, with today, the default period and contact
        publicity.start(session, review_round=review_round, by=by)
        return review_round
    previous = review_round.stage
    review_round.stage = to_stage
    audit.record(
        session,
        action="round.stage",
        by=by,
        target=review_round,
        round_id=review_round.id,
        details={"from": previous, "to": to_stage},
    )
    if previous == RoundStage.FORMAL_CHECK and to_stage == RoundStage.ASSIGNMENT:  # the check is concluded
        check_notices.results_to_cities(session, review_round=review_round)
    return review_round


@dataclass(frozen=True)
class RoundPage:
    """What the admin's round page shows."""

    round: Round
    criteria: list[Criterion]
    transitions: list[Transition]
    applications: int
    submitted: int
    check_current: bool


def get_round(session: Session, round_id: int) -> Round | None:
    return session.get(Round, round_id)


def round_page(session: Session, *, round_id: int) -> RoundPage | None:
    review_round = session.get(Round, round_id)
    if review_round is None:
        return None
    statuses = dict(
        session.execute(
            select(Application.status, sa.func.count())
            .where(Application.round_id == round_id)
            .group_by(Application.status)
        ).all()
    )
    return RoundPage(
        round=review_round,
        criteria=criteria_of(session, review_round.id),
        transitions=transitions(session, review_round),
        applications=sum(statuses.values()),
        submitted=statuses.get(ApplicationStatus.SUBMITTED, 0),
        check_current=check_runner.is_current(session, review_round=review_round),
    )
