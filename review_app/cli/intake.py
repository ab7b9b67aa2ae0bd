"""Rounds and intake: `flask create-round`, `flask import-applications`, `flask formal-check` and
`flask import-credit-list` (design.md, "Command line")."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from ..db import get_session
from ..models import RoundKind
from ..services import rounds
from ..services.check import report, runner
from ..services.intake import credit_list, importer
from .common import as_cli, refusals, round_by_id


@click.command("create-round")
@with_appcontext
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice([k.value for k in RoundKind]), required=True)
@click.option("--year", type=int, default=2026, show_default=True)
def create_round(name: str, kind: str, year: int) -> None:
    """Open a round with the default criteria of its kind; prints the new round's id."""
    as_cli()
    session = get_session()
    with refusals():
        review_round = rounds.create_round(session, name=name, kind=RoundKind(kind), year=year)
    session.commit()
    click.echo(review_round.id)


@click.command("import-applications")
@with_appcontext
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--round", "round_id", type=int, required=True, help="The round's id (see create-round).")
def import_applications(files: tuple[str, ...], round_id: int) -> None:
    """Import applications from the .xlsx template, or from one or two CSV files (申请 and 成员单位).

    All or nothing: with any bad row nothing changes and every bad row is listed on standard error.
    """
    as_cli()
    session = get_session()
    review_round = round_by_id(round_id)
    with refusals():
        result = importer.import_files(
            session, review_round=review_round, files=[(Path(f).name, Path(f).read_bytes()) for f in files], by=None
        )
    session.commit()
    for row in result.rows:
        click.echo(f"{row.sheet} {row.row} {row.code} {row.unit}: {row.label}")
    click.echo(
        f"created {result.applications_created}, updated {result.applications_updated}, "
        f"unchanged {result.applications_unchanged} application(s); members changed in {result.members_changed}"
    )


@click.command("formal-check")
@with_appcontext
@click.option("--round", "round_id", type=int, required=True, help="The round's id.")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True, help="The CSV report.")
def formal_check(round_id: int, out: str) -> None:
    """Run the formal check (rules R0–R9) and write the report: 申报编号,规则,结果,说明.

    Once scoring has begun the check is frozen: the stored verdicts are written as they are.
    """
    as_cli()
    session = get_session()
    review_round = round_by_id(round_id)
    if review_round.stage in runner.CHECKABLE_STAGES:
        with refusals():
            summary = runner.run_check(session, review_round=review_round, by=None)
        session.commit()
        click.echo(
            f"checked {summary.applications} application(s): {summary.failed} with a failed rule, "
            f"{summary.warned} with a warning",
            err=True,
        )
    else:
        click.echo(f"round in stage {review_round.stage}: the check is frozen; writing the stored verdicts", err=True)
    data = report.report_csv(session, round_id=review_round.id)
    try:
        Path(out).write_bytes(data)
    except OSError as error:
        raise click.ClickException(f"cannot write {out}: {error.strerror}") from None
    click.echo(out)


@click.command("import-credit-list")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_credit_list(file: str) -> None:
    """Replace the centre's 失信 list with FILE (.xlsx with sheet 失信名单, or CSV: 统一社会信用代码,
    单位名称, 失信原因, 列入日期). All or nothing: with any bad row nothing changes and every bad row
    is listed on standard error."""
    as_cli()
    session = get_session()
    with refusals():
        result = credit_list.import_list(session, filename=Path(file).name, data=Path(file).read_bytes(), by=None)
    session.commit()
    click.echo(
        f"{result.total} unit(s) on the list: added {len(result.added)}, updated {len(result.updated)}, "
        f"removed {len(result.removed)}, unchanged {result.unchanged}"
    )


COMMANDS = (create_round, import_applications, formal_check, import_credit_list)
