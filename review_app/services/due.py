"""The work that falls due with time rather than with a click: the reminders 3 days and 1 day before a
scoring deadline, and the centre's alert for objections near their handling deadline. `run` does it once
(`flask notify due`, for cron); `tick` does it at most every NOTIFY_DUE_MINUTES from a running process
(the web app's requests and the `flask run-jobs` worker), in a thread of its own. Each message goes once
ever (its once-only key), so overlapping runs send nothing twice."""

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from .decision import objections, workdays
from .review import reminders

_last_tick = {"at": 0.0}
_lock = threading.Lock()


@dataclass(frozen=True)
class DueReport:
    deadline_reminders: int
    objection_alerts: int


def run(session: Session, *, now: datetime | None = None) -> DueReport:
    """Send whatever is due now; each part is committed on its own (a concurrent run's twin rolls back)."""
    counts = []
    for part in (
        lambda: reminders.scoring_deadline_reminders(session, now=now),
        lambda: objections.alert_near_deadlines(session, today=workdays.today(now)),
    ):
        try:
            counts.append(part())
            session.commit()
        except IntegrityError:  # another process sent the same once-only messages first
            session.rollback()
            counts.append(0)
    return DueReport(*counts)


def tick(app: Flask) -> bool:
    """Start a due run in a thread when the last one in this process is NOTIFY_DUE_MINUTES old."""
    minutes = app.config.get("NOTIFY_DUE_MINUTES") or 0
    if minutes <= 0:
        return False
    with _lock:
        if time.monotonic() - _last_tick["at"] < minutes * 60 and _last_tick["at"]:
            return False
        _last_tick["at"] = time.monotonic()

    def work() -> None:
        with app.app_context(), Session(app.extensions["db_engine"], expire_on_commit=False) as session:
            try:
                run(session)
            except Exception:  # a failed run is retried at the next tick; the request must not notice
                app.logger.exception("due notifications failed")

    threading.Thread(target=work, name="notify-due", daemon=True).start()
    return True
