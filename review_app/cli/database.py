"""The database: `flask init-db`, `flask db upgrade|downgrade|current`, `flask seed-demo`, and
`flask backup` / `flask restore` (the database and the uploads in one archive)."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from .. import db, demo
from ..db import get_session
from ..services.compliance import audit, backup
from ..services.platform import storage
from .common import as_cli, refusals

db_group = AppGroup("db", help="Schema migrations (Alembic).")


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


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Fill the database with a realistic demo round (idempotent) and print the demo logins."""
    as_cli()
    db.upgrade(db.engine())
    logins = demo.seed(get_session(), storage.store_for(current_app.config))
    click.echo(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for role, username, who in logins:
        click.echo(f"  {role:<8} {username:<16} {who}")


@click.command("backup")
@with_appcontext
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="the .tar.gz")
def backup_command(out: Path) -> None:
    """Write the database and the upload folder to OUT (.tar.gz), while the app keeps serving."""
    as_cli()
    with refusals():
        summary = backup.create(
            database_url=current_app.config["DATABASE_URL"], upload_dir=current_app.config["UPLOAD_DIR"], out=out
        )
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
    as_cli()
    if not yes:
        click.confirm(f"Replace everything in the database with the backup {archive}?", abort=True)
    db.engine().dispose()  # no pooled connection of ours holds a table while it is replaced
    with refusals():
        summary = backup.restore(
            database_url=current_app.config["DATABASE_URL"],
            upload_dir=current_app.config["UPLOAD_DIR"],
            archive_path=archive,
        )
    session = get_session()
    audit.record(session, action="backup.restore", actor="cli", details={"file": str(archive)})
    session.commit()
    click.echo(f"restored {summary.database} database and {summary.files} uploaded file(s) from {archive}")


COMMANDS = (init_db, db_group, seed_demo, backup_command, restore_command)
