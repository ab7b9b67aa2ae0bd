"""Assignment: `flask assign` (solve a round, optionally publish) and `flask run-jobs` (the worker that
runs the solves queued by the web app)."""

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import get_session
from ..models import RoundStage, RunStatus
from ..services import due
from ..services.assign import panel_runs, proposals  # noqa: F401  (panel_runs registers the panel solve job)
from ..services.assign.problem import RunChoices
from ..services.platform import jobs, storage
from .common import as_cli, refusals, round_by_id


@click.command("assign")
@with_appcontext
@click.option("--round", "round_id", type=int, required=True)
@click.option("--seed", type=int, help="Seed of the random draw among equally good panels (recorded).")
@click.option("--fair", is_flag=True, help="Maximise the weakest panel first, then the total.")
@click.option("--balance", is_flag=True, help="Make the loads as even as the instance allows first.")
@click.option("--publish", is_flag=True, help="Publish the proposal to the experts at once.")
def assign_round(round_id: int, seed: int | None, fair: bool, balance: bool, publish: bool) -> None:
    """Solve a round's expert assignment as a proposal (published with --publish); prints its summary.

    Exit code 2 when no valid assignment exists; the diagnosis says which applications or fields fall short.
    """
    as_cli()
    session = get_session()
    review_round = round_by_id(round_id)
    if review_round.stage != RoundStage.ASSIGNMENT:
        raise click.ClickException(f"round {round_id} is in the {review_round.stage.value} stage, not assignment")
    with refusals():
        run = proposals.propose(
            session,
            review_round=review_round,
            choices=RunChoices(seed=seed, fair=fair, balance=balance),
            by=None,
            store=storage.store_for(current_app.config),
        )
        if publish and run.status == RunStatus.PROPOSED:
            proposals.publish(session, run=run, by=None)
    session.commit()
    click.echo(run.summary_json)
    if run.status == RunStatus.INFEASIBLE:
        sys.exit(2)


@click.command("run-jobs")
@with_appcontext
@click.option("--once", is_flag=True, help="Run the jobs waiting now, then stop (default: keep polling).")
@click.option("--poll", type=click.FloatRange(min=0.1), default=2.0, show_default=True, help="Seconds between looks.")
def run_jobs(once: bool, poll: float) -> None:
    """Run background jobs (assignments) queued by the web app: for JOB_RUNNER = "worker", so that long
    solves run in a process of their own rather than in a thread of a web worker. It also sends the due
    notifications every NOTIFY_DUE_MINUTES."""
    as_cli()
    app = current_app._get_current_object()
    done = jobs.work_queue(app, once=once, poll_seconds=poll, between=lambda: due.tick(app))
    click.echo(f"{done} job(s) run")


COMMANDS = (assign_round, run_jobs)
