"""Results: `flask rank` (aggregate the sheets into a stored ranking) and `flask export` (the ranking or
the publication list as a file)."""

import click
from flask.cli import with_appcontext

from ..db import get_session
from ..services.compliance import audit
from ..services.results import export, rank
from .common import as_cli, refusals, round_by_id


@click.command("rank")
@with_appcontext
@click.option("--round", "round_id", type=int, required=True)
@click.option(
    "--method", type=click.Choice(sorted(rank.scoring.METHODS)), default=rank.scoring.DEFAULT_METHOD, show_default=True
)
@click.option("--seed", type=int, default=0, show_default=True)
def rank_round(round_id: int, method: str, seed: int) -> None:
    """Aggregate the round's submitted sheets into a stored ranking; prints it as CSV."""
    as_cli()
    session = get_session()
    with refusals():
        run = rank.aggregate(session, review_round=round_by_id(round_id), method=method, seed=seed, by=None)
    session.commit()
    click.echo("rank,code,score,ci_low,ci_high,n_reviews,flag")
    for row in rank.results(session, run=run):
        r = row.result
        click.echo(f"{r.rank},{row.application.code},{r.score:.2f},{r.ci_low},{r.ci_high},{r.n_reviews},{r.flags}")


EXPORTS = {
    ("xlsx", "ranking"): export.ranking_xlsx,
    ("csv", "ranking"): export.ranking_csv,
    ("pdf", "ranking"): export.ranking_pdf,
    ("pdf", "publication"): export.publication_pdf,
}


@click.command("export")
@with_appcontext
@click.option("--round", "round_id", type=int, required=True)
@click.option("--format", "file_format", type=click.Choice(["xlsx", "pdf", "csv"]), required=True)
@click.option(
    "--list",
    "which",
    type=click.Choice(["ranking", "publication"]),
    default="ranking",
    show_default=True,
    help="The ranking, or the publication list (公示名单, PDF only).",
)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), required=True)
def export_round(round_id: int, file_format: str, which: str, out: str) -> None:
    """Export the round's latest ranking (Excel, PDF, CSV) or its publication list (PDF)."""
    as_cli()
    session = get_session()
    round_by_id(round_id)
    make = EXPORTS.get((file_format, which))
    if make is None:
        raise click.ClickException(f"the {which} list is exported as PDF only")
    run = rank.latest_run(session, round_id=round_id)
    if run is None:
        raise click.ClickException(f"round {round_id} has no ranking yet: run `flask rank --round {round_id}` first")
    with refusals():
        data = make(session, run=run)
    audit.record(session, action="export", round_id=round_id, details={"format": file_format, "list": which})
    session.commit()
    with open(out, "wb") as handle:
        handle.write(data)
    click.echo(f"wrote {out} ({len(data)} bytes)")


COMMANDS = (rank_round, export_round)
