"""Compliance: `flask audit-verify`, `flask audit-prune`, `flask archive` and `flask archive-verify`."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import get_session
from ..services.compliance import archive, archive_check, archive_signing, audit, audit_review
from ..services.platform import storage
from .common import as_cli, round_by_id


@click.command("audit-verify")
@with_appcontext
def audit_verify() -> None:
    """Check the audit log's hash chain; exit code 1 and every break listed when it was altered."""
    findings = audit_review.tamper_report(get_session())
    if findings:
        for line in audit_review.tamper_lines(findings):
            click.echo(line, err=True)
        raise click.ClickException(f"audit log altered: {len(findings)} problem(s)")
    click.echo("audit log intact")


@click.command("audit-prune")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="say what would be removed, remove nothing")
def audit_prune(dry_run: bool) -> None:
    """Remove audit events older than AUDIT_RETENTION_DAYS (never younger than 6 months), keeping the chain
    verifiable with a checkpoint event. Does nothing unless AUDIT_RETENTION_DAYS is set."""
    as_cli()
    days = current_app.config.get("AUDIT_RETENTION_DAYS")
    if not days:
        click.echo("AUDIT_RETENTION_DAYS is not set: every audit event is kept, nothing pruned")
        return
    session = get_session()
    result = audit.prune(session, retention_days=days, minimum_days=current_app.config["AUDIT_MIN_RETENTION_DAYS"],
                         dry_run=dry_run)
    if dry_run:
        session.rollback()
        click.echo(f"would remove {result.removed} event(s) older than {result.cutoff:%Y-%m-%d}")
        return
    session.commit()
    click.echo(f"removed {result.removed} event(s) older than {result.cutoff:%Y-%m-%d}")


@click.command("archive")
@with_appcontext
@click.option("--round", "round_id", type=int, required=True, help="the round's id")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="the zip to write")
def archive_round(round_id: int, out: Path) -> None:
    """Write the round's archive (applications, PDFs, formal check, assignment with seed and replay
    command, score sheets, ranking, selection, audit events, SHA-256 manifest) to OUT."""
    as_cli()
    session = get_session()
    review_round = round_by_id(round_id)
    data = archive.build(session, review_round=review_round, store=storage.store_for(current_app.config), by=None,
                         key=archive_signing.instance_key(current_app.config["SHARED_DIR"]))
    try:
        out.write_bytes(data)
    except OSError as error:
        session.rollback()
        raise click.ClickException(f"{out}: {error.strerror or error}") from None
    session.commit()
    click.echo(f"archive of round {round_id} written to {out} ({len(data)} bytes)")


@click.command("archive-verify")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--public-key", type=click.Path(dir_okay=False, path_type=Path),
              help="the signer's public key (PEM); default: this installation's, in the instance folder")
def archive_verify(file: Path, public_key: Path | None) -> None:
    """Check a round archive: every file against the manifest, the manifest's signature, and its digest in
    the audit log. Exit 0 when intact, 1 with one line per problem."""
    if not file.is_file():
        raise click.ClickException(f"{file}: no such file")
    try:
        key = (archive_signing.load_public(public_key) if public_key
               else archive_signing.instance_public_key(current_app.config["SHARED_DIR"]))
    except archive_signing.SigningKeyError as error:
        raise click.ClickException(str(error)) from None
    result = archive_check.check(get_session(), str(file), public_key=key)
    for problem in result.problems:
        click.echo(str(problem))
    if not result.intact:
        raise SystemExit(1)
    click.echo(f"archive intact: signed by {archive_signing.fingerprint(key)[:16]}…, "
               f"recorded in audit event {result.recorded_in}")


COMMANDS = (audit_verify, audit_prune, archive_round, archive_verify)
