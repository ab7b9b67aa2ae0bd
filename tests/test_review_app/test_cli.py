"""The `flask` commands: what they print, their exit codes, and what they leave in the database."""

from sqlmodel import func, select

from review_app import demo
from review_app.models import Application, AuditEvent, Criterion, Expert, Round, ScoreSheet, SheetStatus, User


def test_init_db_is_repeatable(runner):
    from alembic.script import ScriptDirectory

    from review_app.db import MIGRATIONS_DIR

    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0 and f"revision {head}" in first.output
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert runner.invoke(args=["db", "current"]).output.strip() == head


def test_create_user_reads_the_password_from_stdin(runner, session):
    result = runner.invoke(args=["create-user", "suzhou", "--role", "city", "--city", "苏州市"], input="Str0ngPass\n")
    assert result.exit_code == 0, result.output
    user = session.exec(select(User).where(User.username == "suzhou")).one()
    assert user.role == "city" and user.password_hash and "Str0ngPass" not in user.password_hash
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "user.create")).one().ip == "cli"


def test_create_user_errors_are_one_line_and_change_nothing(runner, session):
    cases = [
        (["create-user", "x", "--role", "city", "--city", "上海市"], "Str0ngPass\n", "上海市"),
        (["create-user", "x", "--role", "admin"], "short\n", "8"),
        (["create-user", "x", "--role", "expert", "--expert", "E404"], "Str0ngPass\n", "E404"),
        (["create-user", "x", "--role", "king"], "Str0ngPass\n", "king"),
    ]
    for args, password, named in cases:
        result = runner.invoke(args=args, input=password)
        assert result.exit_code != 0, args
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert named in lines[-1] and "Traceback" not in result.output, result.output
    assert session.exec(select(func.count()).select_from(User)).one() == 0


def test_a_citys_contact_is_set_at_creation_and_changed_later(runner, session):
    args = ["create-user", "wuxi", "--role", "city", "--city", "无锡市", "--email", "kjj@wuxi.example.cn"]
    assert runner.invoke(args=args, input="Str0ngPass\n").exit_code == 0
    changed = runner.invoke(args=["set-contact", "wuxi", "--phone", "13800138000"])
    assert changed.exit_code == 0 and "13800138000" in changed.output
    session.expire_all()
    user = session.exec(select(User).where(User.username == "wuxi")).one()
    assert (user.email, user.phone) == ("kjj@wuxi.example.cn", "13800138000")
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "user.contact")).one().ip == "cli"
    refused = runner.invoke(args=["set-contact", "wuxi", "--email", "not-an-address"])
    assert refused.exit_code != 0 and "not-an-address" in refused.output.strip().splitlines()[-1]
    session.expire_all()
    assert session.exec(select(User).where(User.username == "wuxi")).one().email == "kjj@wuxi.example.cn"


def test_create_user_twice_is_refused(runner):
    assert runner.invoke(args=["create-user", "ops", "--role", "admin"], input="Str0ngPass\n").exit_code == 0
    again = runner.invoke(args=["create-user", "ops", "--role", "admin"], input="Str0ngPass\n")
    assert again.exit_code == 1 and "ops" in again.output


def test_create_round_prints_its_id_and_gets_the_default_sheet(runner, session):
    result = runner.invoke(args=["create-round", "--name", "2026年度自评", "--kind", "annual_evaluation"])
    assert result.exit_code == 0
    review_round = session.get(Round, int(result.output.strip()))
    assert review_round.year == 2026 and review_round.kind == "annual_evaluation"
    criteria = session.exec(select(Criterion).where(Criterion.round_id == review_round.id)).all()
    assert sum(c.max_points for c in criteria) == 100
    assert criteria[0].title == "战略目标与重大任务执行"


def test_create_round_with_a_bad_kind_names_it(runner):
    result = runner.invoke(args=["create-round", "--name", "x", "--kind", "yearly"])
    assert result.exit_code == 2 and "yearly" in result.output


def test_seed_demo_builds_a_round_in_scoring_and_is_idempotent(runner, session):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "admin" in first.output and demo.DEMO_PASSWORD in first.output and "nanjing" in first.output

    def counts():
        return tuple(
            session.exec(select(func.count()).select_from(model)).one()
            for model in (Round, Application, Expert, User, ScoreSheet)
        )

    before = counts()
    main = session.exec(select(Round).where(Round.name == demo.DEMO_ROUND_NAME)).one()
    in_main = session.exec(select(func.count()).where(Application.round_id == main.id)).one()
    assert in_main == 65 and before[2] == 300 and before[3] == 2 + 13 + 300
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert counts() == before

    statuses = dict(session.exec(select(ScoreSheet.status, func.count()).group_by(ScoreSheet.status)).all())
    assert set(statuses) == {SheetStatus.UNTOUCHED, SheetStatus.DRAFT, SheetStatus.SUBMITTED}
    small = len(demo.publicity.APPLICATIONS)  # the small round under public notice (issue 17)
    earlier = [demo.annual_grades.ROUND_NAME.format(year=year) for year in demo.annual_grades.YEARS]
    graded = session.exec(  # the annual evaluations of earlier years, graded (issue 22)
        select(func.count()).select_from(ScoreSheet).join(Round, Round.id == ScoreSheet.round_id)
        .where(Round.name.in_(earlier))
    ).one()
    assert graded > 0 and sum(statuses.values()) == (65 + small) * 5 + graded
    assert runner.invoke(args=["audit-verify"]).exit_code == 0


def test_every_command_has_help(runner):
    for command in ["init-db", "create-user", "create-round", "seed-demo", "audit-verify", "db"]:
        result = runner.invoke(args=[command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output
