"""`flask --app review_app …` commands: thin wrappers over the services, one-line errors, exit codes."""

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from . import db, demo
from .db import get_session
from .models import Role, Round, RoundKind, RoundStage, RunStatus
from .services import rounds
from .services.accounts import users
from .services.assign import proposals
from .services.assign.problem import RunChoices
from .services.compliance import audit
from .services.platform import jobs, storage
from .services.results import export, rank

db_group = AppGroup("db", help="Schema migrations (Alembic).")


def register_commands(app: Flask) -> None:
    for command in (
        init_db,
        create_user,
        create_round,
        seed_demo,
        audit_verify,
        assign_round,
        rank_round,
        export_round,
        run_jobs,
        db_group,
    ):
        app.cli.add_command(command)
    from .cli_intake import COMMANDS as INTAKE_COMMANDS  # import-applications, formal-check

    for command in INTAKE_COMMANDS:
        app.cli.add_command(command)
    from .cli_pool import COMMANDS as POOL_COMMANDS  # import-experts

    for command in POOL_COMMANDS:
        app.cli.add_command(command)
    from .cli_compliance import COMMANDS as COMPLIANCE_COMMANDS  # archive, archive-verify, audit-prune, unlock-user

    for command in COMPLIANCE_COMMANDS:
        app.cli.add_command(command)


def _as_cli() -> None:
    """Audit events written by a command say they came from the command line."""
    audit.client_address.set("cli")


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema to the newest migration."""
    db.upgrade(db.engine())
    click.echo(f"database ready at revision {db.current_revision(db.engine())}")


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Upgrade the schema (default: to the newest migration)."""
    db.upgrade(db.engine(), revision)
    click.echo(f"database at revision {db.current_revision(db.engine())}")


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Downgrade the schema to REVISION ("base" removes every table)."""
    db.downgrade(db.engine(), revision)
    click.echo(f"database at revision {db.current_revision(db.engine())}")


@db_group.command("current")
def db_current() -> None:
    """Print the schema revision of the database."""
    click.echo(db.current_revision(db.engine()) or "empty")


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--city", "city_name", help="The city of a city account, e.g. 南京市.")
@click.option("--expert", "expert_code", help="The expert code of an expert account.")
@click.option(
    "--initial/--final",
    "initial",
    default=True,
    show_default=True,
    help="An initial password must be changed at the first login (等保); --final keeps it.",
)
def create_user(username: str, role: str, city_name: str | None, expert_code: str | None, initial: bool) -> None:
    """Create an account; the password is read from standard input when it is not a terminal."""
    _as_cli()
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    session = get_session()
    try:
        user = users.create_user(
            session,
            username=username,
            password=password,
            role=Role(role),
            city_name=city_name,
            expert_code=expert_code,
        )
    except users.AccountError as error:
        raise click.ClickException(str(error)) from None
    user.must_change_password = initial
    session.commit()
    click.echo(f"created {user.role} account {user.username}")


@click.command("create-round")
@with_appcontext
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice([k.value for k in RoundKind]), required=True)
@click.option("--year", type=int, default=2026, show_default=True)
def create_round(name: str, kind: str, year: int) -> None:
    """Open a round with the default criteria of its kind; prints the new round's id."""
    _as_cli()
    session = get_session()
    try:
        review_round = rounds.create_round(session, name=name, kind=RoundKind(kind), year=year)
    except rounds.RoundError as error:
        raise click.ClickException(str(error)) from None
    session.commit()
    click.echo(review_round.id)


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Fill the database with a realistic demo round (idempotent) and print the demo logins."""
    _as_cli()
    db.upgrade(db.engine())
    logins = demo.seed(get_session(), storage.store_for(current_app.config))
    click.echo(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for role, username, who in logins:
        click.echo(f"  {role:<8} {username:<16} {who}")


@click.command("audit-verify")
@with_appcontext
def audit_verify() -> None:
    """Check the audit log's hash chain; exit code 1 and every break listed when it was altered."""
    problems = audit.verify(get_session())
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"audit log altered: {len(problems)} problem(s)")
    click.echo("audit log intact")


def _round(round_id: int) -> Round:
    review_round = get_session().get(Round, round_id)
    if review_round is None:
        raise click.ClickException(f"no round with id {round_id}")
    return review_round


@click.command("assign")
@with_appcontext
@click.option("--round", "round_id", type=int, required=True)
@click.option("--seed", type=int, help="Seed of the random draw among equally good panels (recorded).")
@click.option("--fair", is_flag=True, help="Maximise the weakest panel first, then the total.")
@click.option("--balance", is_flag=True, help="Make the loads as even as the instance allows first.")
@click.option("--publish", is_flag=True, help="Publish the proposal to the experts at once.")
def assign_round(round_id: int, seed: int | None, fair: bool, balance: bool, publish: bool) -> None:
    """Solve a round's expert assignment as a proposal (published with --publish); prints its summary.

    Exit code 2 when no valid assignment exists; the diagnosis says which applications or fields fall short.
    """
    _as_cli()
    session = get_session()
    review_round = _round(round_id)
    try:
        if review_round.stage != RoundStage.ASSIGNMENT:
            raise proposals.AssignError(f"round {round_id} is in the {review_round.stage.value} stage, not assignment")
        run = proposals.propose(
            session,
            review_round=review_round,
            choices=RunChoices(seed=seed, fair=fair, balance=balance),
            by=None,
            store=storage.store_for(current_app.config),
        )
        if publish and run.status == RunStatus.PROPOSED:
            proposals.publish(session, run=run, by=None)
    except (proposals.AssignError, rounds.RoundError) as error:
        raise click.ClickException(str(error)) from None
    session.commit()
    click.echo(run.summary_json)
    if run.status == RunStatus.INFEASIBLE:
        sys.exit(2)


@click.command("run-jobs")
@with_appcontext
@click.option("--once", is_flag=True, help="Run the jobs waiting now, then stop (default: keep polling).")
@click.option("--poll", type=click.FloatRange(min=0.1), default=2.0, show_default=True, help="Seconds between looks.")
def run_jobs(once: bool, poll: float) -> None:
    """Run background jobs (assignments) queued by the web app: for JOB_RUNNER = "worker", so that long
    solves run in a process of their own rather than in a thread of a web worker."""
    _as_cli()
    done = jobs.work_queue(current_app._get_current_object(), once=once, poll_seconds=poll)
    click.echo(f"{done} job(s) run")


@click.command("rank")
@with_appcontext
@click.option("--round", "round_id", type=int, required=True)
@click.option(
    "--method", type=click.Choice(sorted(rank.scoring.METHODS)), default=rank.scoring.DEFAULT_METHOD, show_default=True
)
@click.option("--seed", type=int, default=0, show_default=True)
def rank_round(round_id: int, method: str, seed: int) -> None:
    """Aggregate the round's submitted sheets into a stored ranking; prints it as CSV."""
    _as_cli()
    session = get_session()
    try:
        run = rank.aggregate(session, review_round=_round(round_id), method=method, seed=seed, by=None)
    except rank.RankError as error:
        raise click.ClickException(str(error)) from None
    session.commit()
    click.echo("rank,code,score,ci_low,ci_high,n_reviews,flag")
    for row in rank.results(session, run=run):
        r = row.result
        click.echo(f"{r.rank},{row.application.code},{r.score:.2f},{r.ci_low},{r.ci_high},{r.n_reviews},{r.flags}")


EXPORTS = {
    ("xlsx", "ranking"): export.ranking_xlsx,
    ("csv", "ranking"): export.ranking_csv,
    ("pdf", "ranking"): export.ranking_pdf,
    ("pdf", "publication"): export.publication_pdf,
}


@click.command("export")
@with_appcontext
@click.option("--round", "round_id", type=int, required=True)
@click.option("--format", "file_format", type=click.Choice(["xlsx", "pdf", "csv"]), required=True)
@click.option(
    "--list",
    "which",
    type=click.Choice(["ranking", "publication"]),
    default="ranking",
    show_default=True,
    help="The ranking, or the publication list (公示名单, PDF only).",
)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), required=True)
def export_round(round_id: int, file_format: str, which: str, out: str) -> None:
    """Export the round's latest ranking (Excel, PDF, CSV) or its publication list (PDF)."""
    _as_cli()
    session = get_session()
    _round(round_id)
    make = EXPORTS.get((file_format, which))
    if make is None:
        raise click.ClickException(f"the {which} list is exported as PDF only")
    run = rank.latest_run(session, round_id=round_id)
    if run is None:
        raise click.ClickException(f"round {round_id} has no ranking yet: run `flask rank --round {round_id}` first")
    try:
        data = make(session, run=run)
    except export.ExportError as error:
        raise click.ClickException(str(error)) from None
    audit.record(session, action="export", round_id=round_id, details={"format": file_format, "list": which})
    session.commit()
    with open(out, "wb") as handle:
        handle.write(data)
    click.echo(f"wrote {out} ({len(data)} bytes)")
