"""`flask import-experts FILE`: the expert pool from the 专家库 sheet (or a CSV with the same header)."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from .db import get_session
from .services.compliance import audit
from .services.review import pool_import


@click.command("import-experts")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_experts(file: Path) -> None:
    """Import the expert pool from FILE (.xlsx with sheet 专家库, or .csv): all or nothing, idempotent."""
    audit.client_address.set("cli")
    try:
        data = file.read_bytes()
    except OSError as error:
        raise click.ClickException(f"{file}: {error.strerror or error}") from None
    session = get_session()
    try:
        result = pool_import.import_experts(session, filename=file.name, data=data, by=None)
    except pool_import.ImportRejected as error:
        session.rollback()
        for problem in error.problems:
            click.echo(pool_import.problem_line(problem), err=True)
        raise click.ClickException(str(error)) from None
    session.commit()
    click.echo(f"experts: {result.created} created, {result.updated} updated, {result.unchanged} unchanged")


COMMANDS = (import_experts,)
