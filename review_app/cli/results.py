"""Results: `flask rank` (aggregate the sheets into a stored ranking), `flask select` (the cut-off or a
change by hand), `flask approve`, `flask reopen` (withdraw the approval, with a reason) and `flask export`
(the approved ranking, or the run `--run` names). The same services as the results page, so the same
guards: once a ranking is approved, aggregation and selection are refused until the results are reopened."""

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlmodel import select as query

from ..db import get_session
from ..models import Application, RankingResult, RankingRun
from ..services.results import approval, export, rank, selection
from ..services.results.labels import AGGREGATION_METHOD, DEFAULT_METHOD
from .common import as_cli, refusals, round_by_id


@click.command("rank")
@with_appcontext
@click.option("--round", "round_id", type=int, required=True)
@click.option("--method", type=click.Choice(sorted(AGGREGATION_METHOD)), default=DEFAULT_METHOD, show_default=True)
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


def _run_of_round(round_id: int, run_id: int | None) -> RankingRun:
    """The run `--run` names (of this round), else the approved one; a one-line refusal otherwise."""
    session = get_session()
    round_by_id(round_id)
    if run_id is not None:
        run = session.get(RankingRun, run_id)
        if run is None or run.round_id != round_id:
            message = _("--run: round %(round)d has no ranking run %(run)d", round=round_id, run=run_id)
            raise click.ClickException(message)
        return run
    run = approval.approved_run(session, round_id=round_id)
    if run is None:
        raise click.ClickException(_("no approved ranking; use --run ID"))
    return run


def _working_run(round_id: int) -> RankingRun:
    run = selection.working_run(get_session(), round_id=round_by_id(round_id).id)
    if run is None:
        raise click.ClickException(f"round {round_id} has no ranking yet: run `flask rank --round {round_id}` first")
    return run


@click.command("select")
@with_appcontext
@click.option("--round", "round_id", type=int, required=True)
@click.option("--top", type=click.IntRange(min=0), help="Select the applications ranked N or better (ties go in).")
@click.option("--add", "add_code", metavar="CODE", help="Select this application by hand (needs --reason).")
@click.option("--remove", "remove_code", metavar="CODE", help="Take this application out by hand (needs --reason).")
@click.option("--reason", default="", help="Why the selection changes by hand.")
def select_applications(round_id: int, top: int | None, add_code: str | None, remove_code: str | None,
                        reason: str) -> None:
    """Set the cut-off, or select or unselect one application by hand, in the round's current ranking."""
    as_cli()
    if sum(x is not None for x in (top, add_code, remove_code)) != 1:
        raise click.UsageError("give exactly one of --top, --add, --remove")
    session = get_session()
    run = _working_run(round_id)
    if top is not None:
        with refusals():
            chosen = selection.set_cutoff(session, run=run, cutoff=top, by=None)
        session.commit()
        click.echo(f"run {run.id}: {chosen} application(s) selected (cut-off {top})")
        return
    code = add_code or remove_code
    result = session.exec(
        query(RankingResult)
        .join(Application, Application.id == RankingResult.application_id)
        .where(RankingResult.ranking_run_id == run.id, Application.code == code)
    ).first()
    if result is None:
        option = "--add" if add_code else "--remove"
        raise click.BadParameter(f"no application {code} in run {run.id} of round {round_id}", param_hint=option)
    with refusals():
        selection.set_selected(session, result=result, selected=add_code is not None, reason=reason, by=None)
    session.commit()
    click.echo(f"run {run.id}: {code} {'selected' if add_code else 'not selected'}")


@click.command("approve")
@with_appcontext
@click.option("--round", "round_id", type=int, required=True)
@click.option("--run", "run_id", type=int, help="The run to approve (default: the round's current ranking).")
def approve_run(round_id: int, run_id: int | None) -> None:
    """Approve the round's ranking: the one exported and published. Locks aggregation and selection."""
    as_cli()
    session = get_session()
    run = _run_of_round(round_id, run_id) if run_id is not None else _working_run(round_id)
    with refusals():
        selection.approve(session, run=run, by=None)
    session.commit()
    chosen = sum(r.result.selected for r in rank.results(session, run=run))
    click.echo(f"run {run.id} approved: {chosen} application(s) selected")


@click.command("reopen")
@with_appcontext
@click.option("--round", "round_id", type=int, required=True)
@click.option("--reason", required=True, help="Why the approval is withdrawn (audited).")
def reopen_results(round_id: int, reason: str) -> None:
    """Withdraw the approval of the round's ranking (refused once the round is published)."""
    as_cli()
    session = get_session()
    with refusals():
        run = approval.reopen(session, review_round=round_by_id(round_id), reason=reason, by=None)
    session.commit()
    click.echo(f"approval of run {run.id} withdrawn")


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
@click.option("--run", "run_id", type=int, help="Another ranking run of the round (default: the approved one).")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), required=True)
def export_round(round_id: int, file_format: str, which: str, run_id: int | None, out: str) -> None:
    """Export the round's approved ranking (Excel, PDF, CSV) or its publication list (PDF)."""
    as_cli()
    session = get_session()
    round_by_id(round_id)
    if (which, file_format) not in export.FILES:
        raise click.ClickException(f"the {which} list is exported as PDF only")
    run = _run_of_round(round_id, run_id)
    with refusals():
        data = export.export_file(session, run=run, which=which, fmt=file_format, by=None)
    session.commit()
    with open(out, "wb") as handle:
        handle.write(data)
    click.echo(f"wrote {out} ({len(data)} bytes)")


COMMANDS = (rank_round, select_applications, approve_run, reopen_results, export_round)
