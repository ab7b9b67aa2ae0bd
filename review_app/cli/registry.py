"""The consortium registry: `flask import-consortia FILE` (design.md, "Command line") and
`flask consortia-template --out FILE`."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from ..db import get_session
from ..services.registry import importer, template
from .common import as_cli, refusals


@click.command("import-consortia")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_consortia(file: str) -> None:
    """Import registered consortia from the registry template (.xlsx: sheets 联合体 and 成员单位).

    All or nothing: with any bad row nothing changes and every bad row is listed on standard error.
    Importing the same file again changes nothing; a changed row updates its consortium (audited).
    """
    as_cli()
    session = get_session()
    with refusals():
        result = importer.import_file(session, filename=Path(file).name, data=Path(file).read_bytes(), by=None)
    session.commit()
    for row in result.rows:
        if row.sheet == template.CONSORTIUM_SHEET:
            click.echo(f"{row.sheet} {row.row} {row.code}: {row.label}")
    click.echo(
        f"created {result.created}, updated {result.updated}, unchanged {result.unchanged} consortia; "
        f"{result.organisations_created} new unit(s) in the register"
    )


@click.command("consortia-template")
@with_appcontext
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True, help="The .xlsx file.")
def consortia_template(out: str) -> None:
    """Write the registry's import template (.xlsx) to FILE."""
    try:
        Path(out).write_bytes(template.template_workbook())
    except OSError as error:
        raise click.ClickException(f"cannot write {out}: {error.strerror}") from None
    click.echo(out)


COMMANDS = (import_consortia, consortia_template)
