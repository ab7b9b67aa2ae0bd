"""The close of a round and the notifications: `flask publicity` (start the public notice),
`flask decide` (record the final decision and write its list as PDF and Excel) and `flask notify due`
(send the reminders and alerts that are due: for cron, e.g. every 15 minutes)."""

from datetime import datetime
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..db import get_session
from ..services import due
from ..services.decision import decision, documents, publicity
from ..services.platform.localtime import LOCAL_ZONE
from .common import as_cli, refusals, round_by_id


@click.command("publicity")
@with_appcontext
@click.option("--round", "round_id", type=int, required=True)
@click.option("--start", "starts_on", type=click.DateTime(["%Y-%m-%d"]), help="First day (default: today).")
@click.option("--end", "ends_on", type=click.DateTime(["%Y-%m-%d"]), help="Last day (default: the default period).")
@click.option("--contact", help="The centre's contact for objections (default: PUBLICITY_CONTACT).")
def start_publicity(round_id: int, starts_on: datetime | None, ends_on: datetime | None, contact: str | None) -> None:
    """Start the public notice (公示) of a closed round with an approved ranking; prints its period."""
    as_cli()
    session = get_session()
    with refusals():
        notice = publicity.start(session, review_round=round_by_id(round_id), by=None,
                                 starts_on=starts_on.date() if starts_on else None,
                                 ends_on=ends_on.date() if ends_on else None, contact=contact)
    session.commit()
    click.echo(f"{notice.starts_on.isoformat()} – {notice.ends_on.isoformat()} ({notice.working_days} working days)")


@click.command("decide")
@with_appcontext
@click.option("--round", "round_id", type=int, required=True)
@click.option("--number", "document_no", required=True, help="The decision's document number (文号).")
@click.option("--date", "decided_on", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), help="Write the decision list here.")
def decide(round_id: int, document_no: str, decided_on: datetime, out_dir: Path | None) -> None:
    """Record the final decision (after the notice, every objection answered); the round locks."""
    as_cli()
    session = get_session()
    review_round = round_by_id(round_id)
    with refusals():
        decision.record(session, review_round=review_round, document_no=document_no,
                        decided_on=decided_on.date(), by=None)
    session.commit()
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for fmt in ("pdf", "xlsx"):
            path = out_dir / f"round{round_id}-decision.{fmt}"
            path.write_bytes(documents.FILES[("decision", fmt)](session, review_round=review_round))
            click.echo(str(path))


@click.group("notify")
def notify_group() -> None:
    """Notifications."""


@notify_group.command("due")
@with_appcontext
@click.option("--today", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
              help="Act as if it were this time (Beijing); default now.")
def notify_due(today: datetime | None) -> None:
    """Send the reminders 3 days and 1 day before a scoring deadline and the alerts for objections near
    their handling deadline; each goes once. Prints how many were sent."""
    as_cli()
    now = today.replace(tzinfo=LOCAL_ZONE) if today else None
    report = due.run(get_session(), now=now)
    click.echo(f"deadline reminders: {report.deadline_reminders}, objection alerts: {report.objection_alerts}")


COMMANDS = (start_publicity, decide, notify_group)

