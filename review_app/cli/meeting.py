"""Panel meetings: `flask score-sheets export|import`, the offline score workbooks (the same services as
the panel console's offline scoring page)."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import get_session
from ..services.assign import panel_groups
from ..services.meeting import offline
from .common import as_cli, refusals, round_by_id


@click.group("score-sheets")
def score_sheets() -> None:
    """Offline score workbooks of a panel round: export them, import them back filled in."""


@score_sheets.command("export")
@with_appcontext
@click.option("--round", "round_id", type=int, required=True)
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="The folder to write the workbooks to (made if missing).")
@click.option("--panel", type=int, help="Only this group's panel (its number).")
def export_command(round_id: int, out: Path, panel: int | None) -> None:
    """Write each panel's workbook (第N组.xlsx) and each member's (第N组-专家编号.xlsx) of the sheets still open."""
    as_cli()
    session = get_session()
    round_by_id(round_id)
    groups = [g for g, _apps in panel_groups.groups(session, round_id) if panel is None or g.number == panel]
    if not groups:
        missing = f"no panel {panel} in round {round_id}" if panel else f"round {round_id} has no panel"
        raise click.ClickException(missing)
    key = offline.signing_key(current_app.config["SECRET_KEY"])
    written = []
    with refusals():
        files = {}
        for group in groups:
            files[f"第{group.number}组.xlsx"] = offline.export_workbook(session, group=group, key=key)
            for expert in {r.expert.code: r.expert for r in offline.open_rows(session, group=group)}.values():
                files[f"第{group.number}组-{expert.code}.xlsx"] = offline.export_workbook(
                    session, group=group, key=key, expert=expert)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
        written.append(str(out / name))
    session.commit()
    click.echo("\n".join(written))


@score_sheets.command("import")
@with_appcontext
@click.option("--round", "round_id", type=int, required=True)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def import_command(round_id: int, files: tuple[Path, ...]) -> None:
    """Import filled workbooks, all or nothing: every bad cell is listed (exit 1) and nothing is stored."""
    as_cli()
    missing = next((f for f in files if not f.is_file()), None)
    if missing is not None:
        raise click.ClickException(f"no such file: {missing}")
    session = get_session()
    review_round = round_by_id(round_id)
    key = offline.signing_key(current_app.config["SECRET_KEY"])
    with refusals():
        count = offline.import_workbooks(session, review_round=review_round, key=key, by=None,
                                         files=[(f.name, f.read_bytes()) for f in files])
    session.commit()
    click.echo(f"{count} score sheet(s) imported and submitted ({offline.OFFLINE})")


COMMANDS = (score_sheets,)
