"""`flask import-experts FILE`: the expert pool from the 专家库 sheet (or a CSV with the same header)."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from ..db import get_session
from ..services.review import pool_import
from .common import as_cli, refusals


@click.command("import-experts")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_experts(file: Path) -> None:
    """Import the expert pool from FILE (.xlsx with sheet 专家库, or .csv): all or nothing, idempotent."""
    as_cli()
    try:
        data = file.read_bytes()
    except OSError as error:
        raise click.ClickException(f"{file}: {error.strerror or error}") from None
    session = get_session()
    with refusals(describe=pool_import.problem_line):
        result = pool_import.import_experts(session, filename=file.name, data=data, by=None)
    session.commit()
    click.echo(f"experts: {result.created} created, {result.updated} updated, {result.unchanged} unchanged")


COMMANDS = (import_experts,)
