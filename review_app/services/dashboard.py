"""What each role has to do next: the numbers behind the dashboards."""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from ..models import (
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentState,
    AuditEvent,
    CheckResult,
    City,
    Expert,
    Round,
    RoundStage,
    ScoreSheet,
    SheetStatus,
    Verdict,
)
from .compliance import audit


@dataclass(frozen=True)
class RoundSummary:
    round: Round
    applications: int
    submitted: int
    failed_checks: int
    panels: int
    sheets_total: int
    sheets_submitted: int


@dataclass(frozen=True)
class CitySummary:
    round: Round
    applications: list[Application]
    submitted: int
    quota: int


@dataclass(frozen=True)
class ExpertSummary:
    expert: Expert
    by_status: dict[SheetStatus, int] = field(default_factory=dict)
    next_deadline: datetime | None = None


@dataclass(frozen=True)
class AuditSummary:
    events: int
    chain_ok: bool
    recent: list[AuditEvent]
    rounds: list[Round]


def _count(session: Session, statement) -> int:
    return session.execute(statement).scalar_one()


def admin_overview(session: Session) -> list[RoundSummary]:
    """Every round, newest first, with the counts that tell the centre where it stands."""
    summaries = []
    for review_round in session.exec(select(Round).order_by(Round.year.desc(), Round.id.desc())):
        apps = select(Application.id).where(Application.round_id == review_round.id)
        summaries.append(
            RoundSummary(
                round=review_round,
                applications=_count(session, select(sa.func.count()).select_from(apps.subquery())),
                submitted=_count(
                    session,
                    select(sa.func.count()).where(
                        Application.round_id == review_round.id,
                        Application.status == ApplicationStatus.SUBMITTED,
                    ),
                ),
                failed_checks=_count(
                    session,
                    select(sa.func.count(sa.distinct(CheckResult.application_id))).where(
                        CheckResult.application_id.in_(apps), CheckResult.verdict == Verdict.FAIL
                    ),
                ),
                panels=_count(
                    session,
                    select(sa.func.count(sa.distinct(Assignment.application_id))).where(
                        Assignment.round_id == review_round.id, Assignment.state == AssignmentState.ACTIVE
                    ),
                ),
                sheets_total=_count(session, select(sa.func.count()).where(ScoreSheet.round_id == review_round.id)),
                sheets_submitted=_count(
                    session,
                    select(sa.func.count()).where(
                        ScoreSheet.round_id == review_round.id, ScoreSheet.status == SheetStatus.SUBMITTED
                    ),
                ),
            )
        )
    return summaries


def city_overview(session: Session, *, city_id: int) -> tuple[City, list[CitySummary]]:
    """The city's applications in every round still taking or reviewing applications."""
    city = session.get(City, city_id)
    summaries = []
    rounds = select(Round).where(Round.stage != RoundStage.DRAFT).order_by(Round.year.desc(), Round.id.desc())
    for review_round in session.exec(rounds):
        applications = list(
            session.exec(
                select(Application)
                .where(Application.round_id == review_round.id, Application.city_id == city_id)
                .order_by(Application.code)
            )
        )
        submitted = sum(a.status == ApplicationStatus.SUBMITTED for a in applications)
        summaries.append(CitySummary(review_round, applications, submitted, review_round.city_quota))
    return city, summaries


def expert_overview(session: Session, *, expert_id: int) -> ExpertSummary:
    """How many of the expert's sheets are untouched, drafted or submitted, and the next deadline."""
    rows = session.execute(
        select(ScoreSheet.status, sa.func.count())
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .where(ScoreSheet.expert_id == expert_id, Assignment.state == AssignmentState.ACTIVE)
        .group_by(ScoreSheet.status)
    ).all()
    deadline = session.execute(
        select(sa.func.min(Round.scoring_deadline))
        .join(ScoreSheet, ScoreSheet.round_id == Round.id)
        .where(
            ScoreSheet.expert_id == expert_id,
            ScoreSheet.status != SheetStatus.SUBMITTED,
            Round.stage == RoundStage.SCORING,
        )
    ).scalar_one()
    return ExpertSummary(session.get(Expert, expert_id), dict(rows), deadline)


def audit_overview(session: Session, *, recent: int = 20) -> AuditSummary:
    """The size and integrity of the audit chain, its newest events, and the rounds to inspect."""
    events = list(session.exec(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(recent)))
    return AuditSummary(
        events=_count(session, select(sa.func.count()).select_from(AuditEvent)),
        chain_ok=not audit.verify(session),
        recent=events,
        rounds=list(session.exec(select(Round).order_by(Round.year.desc(), Round.id.desc()))),
    )
