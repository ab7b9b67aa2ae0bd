"""Rounds and intake: `flask create-round`, `flask round-stage`, `flask import-applications`,
`flask formal-check` and `flask import-credit-list` (design.md, "Command line"). Rounds change through the
same services as the round pages, so the same guards hold."""

from datetime import UTC, datetime, time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from ..db import get_session
from ..labels import ROUND_STAGE
from ..models import RoundKind, RoundStage
from ..services import rounds
from ..services.check import report, runner
from ..services.compliance import archive, archive_signing
from ..services.intake import credit_list, importer
from ..services.platform import storage
from ..services.platform.localtime import to_utc
from .common import as_cli, refusals, round_by_id


class BeijingTime(click.ParamType):
    """An ISO date or date and time, read in Beijing time (as the round pages read deadlines); a date
    alone means the end of that day, 23:59."""

    name = "DATE"

    def convert(self, value, param, ctx):
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not an ISO date (2026-06-30) or date and time (2026-06-30T17:00)", param, ctx)
        if len(value.strip()) == 10:
            moment = datetime.combine(moment.date(), time(23, 59))
        return to_utc(moment) if moment.tzinfo is None else moment.astimezone(UTC)


@click.command("create-round")
@with_appcontext
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice([k.value for k in RoundKind]), required=True)
@click.option("--year", type=int, default=2026, show_default=True)
@click.option("--city-deadline", type=BeijingTime(), help="City submission deadline, Beijing time (2026-06-30).")
@click.option("--check-deadline", type=BeijingTime(), help="Formal check deadline, Beijing time.")
@click.option("--scoring-deadline", type=BeijingTime(), help="Scoring deadline, Beijing time (2026-08-15T17:00).")
def create_round(name: str, kind: str, year: int, **deadlines: datetime | None) -> None:
    """Open a round with the default criteria of its kind and its deadlines; prints the new round's id."""
    as_cli()
    session = get_session()
    with refusals():
        review_round = rounds.create_round(session, name=name, kind=RoundKind(kind), year=year)
        values = {key: value for key, value in deadlines.items() if value is not None}
        if values:
            rounds.update_settings(session, review_round=review_round, values=values, by=None)
    session.commit()
    click.echo(review_round.id)


@click.command("round-stage")
@with_appcontext
@click.option("--round", "round_id", type=int, required=True, help="The round's id.")
@click.option("--to", "to_stage", type=click.Choice([s.value for s in RoundStage]), required=True)
def round_stage(round_id: int, to_stage: str) -> None:
    """Move the round to another stage, with the round page's transitions and guards."""
    as_cli()
    session = get_session()
    review_round = round_by_id(round_id)
    previous = review_round.stage
    with refusals():
        rounds.advance(session, review_round=review_round, to_stage=RoundStage(to_stage), by=None)
    session.commit()
    click.echo(f"round {round_id}: {previous} → {to_stage}")
    if review_round.stage == RoundStage.CLOSED:  # as on the page: closing writes the round's archive
        try:
            path = archive.write(
                session,
                review_round=review_round,
                store=storage.store_for(current_app.config),
                folder=archive.folder_for(current_app.config, current_app.instance_path),
                by=None,
                key=archive_signing.instance_key(current_app.config["SHARED_DIR"]),
            )
        except OSError as error:
            raise click.ClickException(
                f"round {round_id} is closed, but its archive could not be written ({error}); "
                f"write it with flask archive --round {round_id} --out FILE"
            ) from None
        session.commit()
        click.echo(f"archive written to {path}")


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
    """Run the formal check (rules R0–R14) and write the report: 申报编号,规则,结果,说明.

    The check runs from city intake until scoring begins; in any other stage nothing is written.
    """
    as_cli()
    session = get_session()
    review_round = round_by_id(round_id)
    if review_round.stage not in runner.CHECKABLE_STAGES:
        raise click.ClickException(
            _(
                "round %(round)d is in stage %(stage)s: the formal check runs from city intake until scoring "
                "begins; nothing written",
                round=round_id,
                stage=ROUND_STAGE[review_round.stage],
            )
        )
    with refusals():
        summary = runner.run_check(session, review_round=review_round, by=None)
    session.commit()
    click.echo(
        f"checked {summary.applications} application(s): {summary.failed} with a failed rule, "
        f"{summary.warned} with a warning",
        err=True,
    )
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


COMMANDS = (create_round, round_stage, import_applications, formal_check, import_credit_list)
