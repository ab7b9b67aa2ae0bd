"""`flask backup --out FILE` and `flask restore FILE`: the database and the uploads in one archive."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .db import engine, get_session
from .services.compliance import audit, backup


@click.command("backup")
@with_appcontext
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="the .tar.gz")
def backup_command(out: Path) -> None:
    """Write the database and the upload folder to OUT (.tar.gz), while the app keeps serving."""
    audit.client_address.set("cli")
    try:
        summary = backup.create(
            database_url=current_app.config["DATABASE_URL"], upload_dir=current_app.config["UPLOAD_DIR"], out=out
        )
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    session = get_session()
    audit.record(session, action="backup.create", actor="cli", details={"file": str(out), "files": summary.files})
    session.commit()
    click.echo(f"backup written to {out}: {summary.database} database and {summary.files} uploaded file(s)")


@click.command("restore")
@with_appcontext
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def restore_command(archive: Path, yes: bool) -> None:
    """Replace the database's contents with those of ARCHIVE and put back its uploaded files."""
    audit.client_address.set("cli")
    if not yes:
        click.confirm(f"Replace everything in the database with the backup {archive}?", abort=True)
    engine().dispose()  # no pooled connection of ours holds a table while it is replaced
    try:
        summary = backup.restore(
            database_url=current_app.config["DATABASE_URL"],
            upload_dir=current_app.config["UPLOAD_DIR"],
            archive_path=archive,
        )
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    session = get_session()
    audit.record(session, action="backup.restore", actor="cli", details={"file": str(archive)})
    session.commit()
    click.echo(f"restored {summary.database} database and {summary.files} uploaded file(s) from {archive}")


COMMANDS = (backup_command, restore_command)
