"""Long work outside the request that asked for it: a job row records its progress in the database, so
any process can show it, the admin can leave and come back, and the request returns at once."""

import json
import threading
import time
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session, select

from ...models import Job, JobStatus, User
from ...models._base import utcnow
from ..compliance import audit

# kind -> work(session, job, report) -> result dict. `report(percent, message)` records progress.
Work = Callable[[Session, Job, Callable[[int, str], None]], dict]
WORKERS: dict[str, Work] = {}


def register(kind: str):
    """Declare the function that does the work of jobs of `kind`."""

    def decorator(work: Work) -> Work:
        WORKERS[kind] = work
        return work

    return decorator


def submit(session: Session, *, kind: str, round_id: int | None, params: dict, by: User | None) -> Job:
    """Queue a job (committed, so the worker thread and other processes see it)."""
    if kind not in WORKERS:
        raise KeyError(kind)
    job = Job(
        kind=kind,
        round_id=round_id,
        params_json=json.dumps(params, ensure_ascii=False),
        created_by_id=by.id if by else None,
    )
    session.add(job)
    session.flush()
    audit.record(session, action=f"job.{kind}", by=by, target=job, round_id=round_id, details=params)
    session.commit()
    return job


def dispatch(app: Flask, job_id: int) -> None:
    """Hand a queued job to whoever runs jobs here: a thread of this process (JOB_RUNNER = "thread"), or
    the `flask run-jobs` worker, which picks it up from the table (JOB_RUNNER = "worker")."""
    if app.config["JOB_RUNNER"] == "thread":
        start(app, job_id)


def start(app: Flask, job_id: int, *, wait: bool = False) -> threading.Thread:
    """Run the job in a thread of this process (`wait` joins it: for the command line)."""
    thread = threading.Thread(target=run, args=(app, job_id), name=f"job-{job_id}", daemon=True)
    thread.start()
    if wait:
        thread.join()
    return thread


def run(app: Flask, job_id: int) -> None:
    """Do a queued job: mark it running, call its worker, store the result or the failure."""
    engine = app.extensions["db_engine"]
    with app.app_context(), Session(engine, expire_on_commit=False) as session:
        if not claim(session, job_id):
            return
        job = session.get(Job, job_id)

        def report(percent: int, message: str) -> None:
            job.progress, job.message = max(0, min(100, percent)), message
            session.commit()

        try:
            result = WORKERS[job.kind](session, job, report)
        except Exception as error:  # a job must end in a state the admin can see, whatever went wrong
            session.rollback()
            job = session.get(Job, job_id)
            job.status, job.message = JobStatus.FAILED, f"{type(error).__name__}: {error}"[:500]
        else:
            job.status, job.progress = JobStatus.DONE, 100
            job.result_json = json.dumps(result, ensure_ascii=False, default=str)
        job.finished_at = utcnow()
        session.commit()


def claim(session: Session, job_id: int) -> bool:
    """Move a queued job to running; False when another thread or worker took it first (the UPDATE's
    condition decides between them)."""
    taken = session.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
        .values(status=JobStatus.RUNNING, started_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return taken.rowcount == 1


def work_queue(
    app: Flask, *, once: bool = False, poll_seconds: float = 2.0, between: Callable[[], object] | None = None
) -> int:
    """The `flask run-jobs` loop: run queued jobs oldest first, one at a time; with `once`, return when
    none is left; `between` is called before each look (the due notifications). Returns the number of jobs
    this call ran."""
    engine = app.extensions["db_engine"]
    done = 0
    while True:
        if between is not None:
            between()
        with Session(engine) as session:
            job_id = session.exec(
                select(Job.id).where(Job.status == JobStatus.QUEUED).order_by(Job.created_at, Job.id)
            ).first()
        if job_id is not None:
            run(app, job_id)
            done += 1
        elif once:
            return done
        else:
            time.sleep(poll_seconds)


def get(session: Session, job_id: int, *, stale_after: timedelta = timedelta(hours=1)) -> Job | None:
    """The job; one queued or running for longer than `stale_after` is marked failed, since the process
    that ran it is gone (a restart), so the admin sees it ended and can run the work again."""
    job = session.get(Job, job_id)
    if job is not None and job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        if job.created_at < utcnow() - stale_after:
            job.status, job.finished_at = JobStatus.FAILED, utcnow()
            minutes = int(stale_after.total_seconds() // 60)
            job.message = f"interrupted: no result after {minutes} minutes (was the server restarted?)"
            session.commit()
    return job
