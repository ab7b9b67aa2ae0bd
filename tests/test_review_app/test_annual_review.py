"""An annual self-evaluation round goes through the same machinery as a new-consortium round (issue 22):
the cities file their consortia's reports, the formal check, the solver's assignment, the experts' online
scoring on the annual criteria sheet, the ranking and its approval, then the grades, published."""

from decimal import Decimal

import pytest
from sqlmodel import select

from review_app.models import (
    Application,
    ApplicationStatus,
    AttachmentKind,
    CheckResult,
    Consortium,
    ConsortiumGrade,
    Criterion,
    Round,
    RoundStage,
    ScoreSheet,
    SheetStatus,
    User,
    Verdict,
)
from review_app.services import rounds
from review_app.services.assign import proposals
from review_app.services.assign.problem import RunChoices
from review_app.services.check import runner
from review_app.services.intake import annual, applications, attachments, self_evaluation
from review_app.services.platform.storage import store_for
from review_app.services.results import grades, rank, selection
from review_app.services.review import declarations, sheets
from tests.intake_factories import complete_report, pdf_bytes

pytestmark = pytest.mark.demo

ANNUAL = "2026年度江苏省创新联合体年度自评"


def test_an_annual_round_is_checked_assigned_scored_ranked_and_graded(app, session, users):
    review_round = session.exec(select(Round).where(Round.name == ANNUAL)).one()
    store = store_for(app.config)
    admin = users["admin"]

    # The cities file a report per consortium (those the demo left open): the six parts and the indicators,
    # the report PDF, their opinion; submitted.
    consortia = session.exec(select(Consortium).order_by(Consortium.code)).all()
    for consortium in consortia:
        report = annual.annual_report(
            session, review_round=review_round, consortium_id=consortium.id, city_id=consortium.city_id, by=None
        )
        if report.status == ApplicationStatus.SUBMITTED:
            continue
        self_evaluation.save(session, application=report, data=complete_report(), by=None)
        attachments.add_attachment(
            session, application=report, kind=AttachmentKind.SELF_EVALUATION, filename="自评报告.pdf",
            data=pdf_bytes(consortium.name), store=store, by=None,
        )
        applications.update_opinion(
            session, application=report, necessity="年度任务完成情况良好", feasibility="下年度计划可行", by=None
        )
        applications.submit(session, application=report, by=None)
    session.commit()

    # The formal check (a report the demo submitted with gaps fails R15/R16 and the centre overrides it with
    # its reason), the assignment by the solver, publication: the same services as a new round.
    rounds.advance(session, review_round=review_round, to_stage=RoundStage.FORMAL_CHECK, by=admin)
    runner.run_check(session, review_round=review_round, by=admin)
    failing = runner.failing_application_ids(session, round_id=review_round.id)
    failed = session.exec(
        select(CheckResult).where(CheckResult.application_id.in_(failing), CheckResult.verdict == Verdict.FAIL)
    ).all()
    assert {r.rule for r in failed} <= {"R15", "R16"} and len(failing) <= 1
    for result in failed:
        runner.override(session, result_id=result.id, verdict=Verdict.PASS, reason="缺项已由市局书面补正", by=admin)
    rounds.advance(session, review_round=review_round, to_stage=RoundStage.ASSIGNMENT, by=admin)
    run = proposals.propose(session, review_round=review_round, choices=RunChoices(seed=7), by=admin, store=store)
    assert run.status == "proposed", run.summary_json
    proposals.publish(session, run=run, by=admin)
    session.commit()
    assert review_round.stage == RoundStage.SCORING

    # Every expert scores the annual criteria sheet online; stronger reports get more points.
    criteria = session.exec(
        select(Criterion).where(Criterion.round_id == review_round.id).order_by(Criterion.position)
    ).all()
    assert [c.title for c in criteria][0] == "战略目标与重大任务执行"
    order = {c.id: n for n, c in enumerate(consortia)}
    for sheet in session.exec(select(ScoreSheet).where(ScoreSheet.round_id == review_round.id)).all():
        expert_user = session.exec(select(User).where(User.expert_id == sheet.expert_id)).first() or admin
        declarations.accept_pledge(session, review_round=review_round, expert_id=sheet.expert_id, by=expert_user)
        declarations.declare(session, sheet=sheet, by=expert_user, conflict=False)
        consortium_id = session.get(Application, sheet.application_id).consortium_id
        drop = order[consortium_id] * 2
        entries = sheets.Entries(
            points={c.id: str(max(c.max_points - 1 - drop, 0)) for c in criteria},
            comment="年度自评报告内容翔实，重大任务推进有力，成果转化成效明显，建议继续支持。",
            recommend="yes",
        )
        sheets.save(session, sheet=sheet, by=expert_user, entries=entries, version=sheet.version)
        sheets.submit(session, sheet=sheet, by=expert_user, version=sheet.version)
    session.commit()
    statuses = {s.status for s in session.exec(select(ScoreSheet).where(ScoreSheet.round_id == review_round.id))}
    assert statuses == {SheetStatus.SUBMITTED}

    # Close, rank, approve; grade from the stored run and publish.
    rounds.advance(session, review_round=review_round, to_stage=RoundStage.CLOSED, by=admin)
    ranking = rank.aggregate(session, review_round=review_round, method="calibrated", seed=0, by=admin)
    selection.approve(session, run=ranking, by=admin)
    published = grades.publish(session, review_round=review_round, by=admin)
    session.commit()
    assert len(published.lines) == len(consortia) and published.published
    best = min(published.lines, key=lambda line: line.rank)
    assert best.consortium_id == consortia[0].id and best.score > Decimal(90)
    stored = session.exec(select(ConsortiumGrade).where(ConsortiumGrade.round_id == review_round.id)).all()
    assert {row.consortium_id for row in stored} == {c.id for c in consortia}
