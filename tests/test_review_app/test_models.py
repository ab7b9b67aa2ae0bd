"""The schema: migrations build it from nothing, match the models, and every table round-trips."""

from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, select

from review_app import db
from review_app.models import (
    Application,
    ApplicationMember,
    Assignment,
    AssignmentRun,
    Attachment,
    AttachmentKind,
    AuditHead,
    CheckResult,
    City,
    Conflict,
    ConflictSource,
    Criterion,
    Expert,
    Organisation,
    RankingResult,
    RankingRun,
    Round,
    RoundKind,
    RoundStage,
    ScoreItem,
    ScoreSheet,
    SheetStatus,
    Verdict,
)


def test_migrations_match_the_models(app):
    """A change to a model without a migration fails here (autogenerate finds no difference)."""
    with app.extensions["db_engine"].connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_migrations_go_down_to_nothing_and_up_again(app):
    engine = app.extensions["db_engine"]
    db.downgrade(engine, "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    db.upgrade(engine)
    assert db.current_revision(engine) is not None
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM cities")).scalar_one() == 13


def test_reference_data_is_there_after_migration(session):
    names = {c.name for c in session.exec(select(City))}
    assert len(names) == 13 and {"南京市", "连云港市", "宿迁市"} <= names
    assert session.get(AuditHead, 1).seq == 0


def test_a_whole_review_round_trips(session):
    """Every table written and read back, with Chinese text, Decimals and aware times intact."""
    nanjing = session.exec(select(City).where(City.name == "南京市")).one()
    lead = Organisation(credit_code="91320100MA1M11103J", name="南京华瑞半导体股份有限公司", kind="企业", city="南京市")
    university = Organisation(credit_code="12320100ETDT9CX69M", name="南京大学", kind="高校", city="南京市")
    review_round = Round(name="2026年度测试轮次", year=2026, kind=RoundKind.NEW_CONSORTIUM)
    session.add_all([lead, university, review_round])
    session.flush()
    session.add(Criterion(round_id=review_round.id, position=1, title="牵头单位实力与组织能力", max_points=20))
    deadline = datetime(2026, 6, 15, 9, 30, tzinfo=UTC)
    review_round.city_deadline = deadline
    application = Application(
        round_id=review_round.id,
        code="2026320101",
        title="江苏省先进封装测试创新联合体",
        field="集成电路",
        city_id=nanjing.id,
        lead_org_id=lead.id,
        lead_kind="龙头企业",
        revenue_2025=Decimal("10.0000"),
        rd_intensity_2025=Decimal("3.000"),
        agreement_clauses="责任落实;协同攻关",
    )
    session.add(application)
    session.flush()
    expert = Expert(code="E0001", name="王芳", org_id=university.id, fields="集成电路;新材料")
    session.add_all(
        [
            ApplicationMember(application_id=application.id, org_id=university.id, unit_type="高校"),
            Attachment(
                application_id=application.id,
                kind=AttachmentKind.AGREEMENT,
                filename="共建协议.pdf",
                sha256="a" * 64,
                size=1024,
            ),
            CheckResult(application_id=application.id, rule="R3", verdict=Verdict.PASS, message="销售收入10亿元"),
            expert,
        ]
    )
    session.flush()
    session.add(
        Conflict(
            expert_id=expert.id, application_id=application.id, source=ConflictSource.DECLARED, reason="近三年合作"
        )
    )
    run = AssignmentRun(round_id=review_round.id, seed=7)
    session.add(run)
    session.flush()
    pair = Assignment(run_id=run.id, round_id=review_round.id, application_id=application.id, expert_id=expert.id)
    session.add(pair)
    session.flush()
    sheet = ScoreSheet(
        assignment_id=pair.id,
        round_id=review_round.id,
        application_id=application.id,
        expert_id=expert.id,
        status=SheetStatus.DRAFT,
        comment="建议支持",
        total=Decimal("86.50"),
    )
    session.add(sheet)
    ranking = RankingRun(round_id=review_round.id, method="calibrated")
    session.add(ranking)
    session.flush()
    session.add_all(
        [
            ScoreItem(
                sheet_id=sheet.id, criterion_id=session.exec(select(Criterion)).first().id, points=Decimal("17.5")
            ),
            RankingResult(
                ranking_run_id=ranking.id,
                application_id=application.id,
                rank=1,
                score=86.5,
                ci_low=1,
                ci_high=2,
                n_reviews=1,
            ),
        ]
    )
    session.commit()
    session.expunge_all()

    stored = session.exec(select(Application)).one()
    assert stored.title == "江苏省先进封装测试创新联合体"
    assert stored.revenue_2025 == Decimal("10") and stored.rd_intensity_2025 == Decimal("3")
    stored_round = session.get(Round, review_round.id)
    assert stored_round.stage is RoundStage.DRAFT
    assert stored_round.city_deadline == deadline and stored_round.city_deadline.tzinfo is not None
    assert session.exec(select(ScoreSheet)).one().status is SheetStatus.DRAFT
    assert session.exec(select(ScoreItem)).one().points == Decimal("17.5")
    assert session.exec(select(Conflict)).one().source is ConflictSource.DECLARED
    assert session.exec(select(CheckResult)).one().verdict is Verdict.PASS
    assert session.exec(select(Expert)).one().field_list == ["集成电路", "新材料"]
    assert session.exec(select(RankingResult)).one().rank == 1


def test_credit_codes_are_unique(session):
    session.add(Organisation(credit_code="91320100MA1M11103J", name="甲"))
    session.commit()
    session.add(Organisation(credit_code="91320100MA1M11103J", name="乙"))
    try:
        session.commit()
    except sa.exc.IntegrityError:
        session.rollback()
    else:
        raise AssertionError("two organisations with one credit code were stored")
