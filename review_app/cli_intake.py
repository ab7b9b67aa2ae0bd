"""`flask import-applications` and `flask formal-check` (design.md, "Command line"): thin wrappers over
services.intake and services.check, one-line errors, exit codes."""

import click
from flask.cli import with_appcontext

from .cli import _as_cli
from .db import get_session


def _round(session, round_id: int):
    from .models import Round

    review_round = session.get(Round, round_id)
    if review_round is None:
        raise click.ClickException(f"no round with id {round_id}")
    return review_round


@click.command("import-applications")
@with_appcontext
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--round", "round_id", type=int, required=True, help="The round's id (see create-round).")
def import_applications(files: tuple[str, ...], round_id: int) -> None:
    """Import applications from the .xlsx template, or from one or two CSV files (申请 and 成员单位).

    All or nothing: with any bad row nothing changes and every bad row is listed on standard error.
    """
    from pathlib import Path

    from .services.intake import importer

    _as_cli()
    session = get_session()
    review_round = _round(session, round_id)
    try:
        result = importer.import_files(
            session, review_round=review_round, files=[(Path(f).name, Path(f).read_bytes()) for f in files], by=None
        )
    except importer.ImportRejected as rejected:
        for problem in rejected.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(str(rejected)) from None
    session.commit()
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
    from pathlib import Path

    from .services.check import report, runner

    _as_cli()
    session = get_session()
    review_round = _round(session, round_id)
    if review_round.stage in runner.CHECKABLE_STAGES:
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


COMMANDS = (import_applications, formal_check)
