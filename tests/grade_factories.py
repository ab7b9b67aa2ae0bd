"""Builders for annual evaluations (issue 22): registered consortia, and an annual round whose reports are
scored to chosen totals, ranked by the plain mean (so each score is exactly its total) and approved."""

import itertools

from sqlmodel import Session, select

from review_app.models import (
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentRun,
    City,
    Consortium,
    Criterion,
    Organisation,
    RoundKind,
    RoundStage,
    RunStatus,
    ScoreItem,
    ScoreSheet,
    SheetStatus,
)
from review_app.models._base import utcnow
from review_app.services import rounds
from review_app.services.intake.organisations import lead_from_register
from review_app.services.results import rank, selection
from tests.factories import make_expert, make_org
from tests.intake_factories import complete_report

_numbers = itertools.count(1)


def make_consortia(session: Session, cities: list[str], *, field: str = "集成电路") -> list[Consortium]:
    """One consortium per entry of `cities` (registry codes LHT2023001, …), named 联合体1, 联合体2 … in order."""
    made = []
    for city in cities:
        n = next(_numbers)
        city_row = session.exec(select(City).where(City.name == city)).one()
        lead = make_org(session, f"联合体{n}牵头企业有限公司", city=city)
        consortium = Consortium(
            code=f"LHT2023{n:03d}",
            name=f"江苏省联合体{n}创新联合体",
            lead_name=lead.name,
            city_id=city_row.id,
            lead_org_id=lead.id,
            field=field,
            established_year=2023,
        )
        session.add(consortium)
        made.append(consortium)
    session.flush()
    return made


def _points_for(total: int, criteria: list[Criterion]) -> list[int]:
    """Split `total` over the criteria, filling each in turn up to its maximum."""
    left, points = total, []
    for criterion in criteria:
        points.append(min(left, criterion.max_points))
        left -= points[-1]
    assert left == 0, "a total above 100"
    return points


def scored_annual_round(session: Session, *, year: int, totals: list[tuple[Consortium, int]], experts=None):
    """An annual round of `year` in which three experts gave each consortium's report the same total
    (`totals`), closed, ranked by the plain mean and approved. Returns (round, run, reports by consortium)."""
    experts = experts or [
        make_expert(session, code=f"E{year % 100}{n}", name=f"专家{n}", city="扬州市") for n in range(3)
    ]
    review_round = rounds.create_round(session, name=f"{year}年度自评", kind=RoundKind.ANNUAL_EVALUATION, year=year)
    criteria = rounds.criteria_of(session, review_round.id)
    run = AssignmentRun(round_id=review_round.id, status=RunStatus.PUBLISHED, seed=1)
    session.add(run)
    session.flush()
    reports = {}
    for consortium, total in totals:
        report = Application(
            round_id=review_round.id,
            code=f"ZP{year}{consortium.id:04d}",
            title=consortium.name,
            field=consortium.field,
            city_id=consortium.city_id,
            consortium_id=consortium.id,
            lead_kind="龙头企业",
            **lead_from_register(session.get(Organisation, consortium.lead_org_id)),
            status=ApplicationStatus.SUBMITTED,
        )
        session.add(report)
        session.flush()
        reports[consortium.id] = report
        for expert in experts:
            pair = Assignment(run_id=run.id, round_id=review_round.id, application_id=report.id, expert_id=expert.id)
            session.add(pair)
            session.flush()
            sheet = ScoreSheet(
                assignment_id=pair.id,
                round_id=review_round.id,
                application_id=report.id,
                expert_id=expert.id,
                total=total,
                status=SheetStatus.SUBMITTED,
                submitted_at=utcnow(),
                recommend=True,
            )
            session.add(sheet)
            session.flush()
            for criterion, points in zip(criteria, _points_for(total, criteria), strict=True):
                session.add(ScoreItem(sheet_id=sheet.id, criterion_id=criterion.id, points=points))
    review_round.stage = RoundStage.CLOSED
    ranking = rank.aggregate(session, review_round=review_round, method="mean", seed=0, by=None)
    selection.approve(session, run=ranking, by=None)
    session.commit()
    return review_round, ranking, reports


def file_reports(session: Session, reports: dict[int, Application], scale: dict[int, float]) -> None:
    """Each report's self-evaluation as its city filed it (stored directly: the round is past intake), the
    indicators `scale[consortium id]` times those of `complete_report`."""
    from review_app.models import SelfEvaluation

    for consortium_id, report in reports.items():
        data = complete_report(scale=scale.get(consortium_id, 1.0))
        session.add(SelfEvaluation(application_id=report.id, **data.sections, **data.indicators))
    session.commit()
