"""The numbers behind the centre's and the auditor's dashboards (the expert's is review.workspace, the
city's in intake)."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from ..models import (
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentRun,
    AssignmentState,
    AuditEvent,
    CheckResult,
    Round,
    RunStatus,
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
class AuditSummary:
    events: int
    chain_ok: bool
    recent: list[AuditEvent]
    rounds: list[Round]


def _count(session: Session, statement) -> int:
    return session.execute(statement).scalar_one()


def _rounds_newest_first(session: Session) -> list[Round]:
    return list(session.exec(select(Round).order_by(Round.year.desc(), Round.id.desc())))


def admin_overview(session: Session) -> list[RoundSummary]:
    """Every round, newest first, with the counts that tell the centre where it stands."""
    summaries = []
    for review_round in _rounds_newest_first(session):
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
                    # only the published run's panels: proposals are previews, not assignments
                    select(sa.func.count(sa.distinct(Assignment.application_id)))
                    .join(AssignmentRun, AssignmentRun.id == Assignment.run_id)
                    .where(
                        Assignment.round_id == review_round.id,
                        Assignment.state == AssignmentState.ACTIVE,
                        AssignmentRun.status == RunStatus.PUBLISHED,
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


def audit_overview(session: Session, *, recent: int = 20) -> AuditSummary:
    """The size and integrity of the audit chain, its newest events, and the rounds to inspect."""
    events = list(session.exec(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(recent)))
    return AuditSummary(
        events=_count(session, select(sa.func.count()).select_from(AuditEvent)),
        chain_ok=not audit.verify(session),
        recent=events,
        rounds=_rounds_newest_first(session),
    )
