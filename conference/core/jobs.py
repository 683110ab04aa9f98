"""Background work: RQ on Redis when REDIS_URL is set, otherwise in this process.

Web processes stay stateless: anything slow or retried (e-mail, badge runs)
goes to the queue `plenary`, which `flask --app wsgi worker` serves. Jobs are
plain functions named by their import path; the worker runs them inside its
application context.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app, has_app_context
from flask.cli import with_appcontext
from redis import Redis
from rq import Queue, Retry, SimpleWorker
from sqlalchemy import select

from conference.core.db import utcnow
from conference.core.errors import NotFound, PlenaryError
from conference.core.models import Job, JobStatus
from conference.extensions import db

log = logging.getLogger(__name__)
QUEUE = "plenary"


def redis_connection():
    return Redis.from_url(current_app.config["REDIS_URL"])


def queue():
    """The RQ queue, or None when there is no Redis (jobs then run in-process)."""
    if not current_app.config.get("REDIS_URL"):
        return None
    return Queue(QUEUE, connection=redis_connection())


def enqueue(function: str, *args, retries: tuple[int, ...] = (), job_id: str | None = None,
            after: timedelta | None = None):
    """Put `function(*args)` on the queue, retried after each of `retries` seconds when it raises; with `after`,
    it becomes due only then (the workers' scheduler, `with_scheduler`, moves it onto the queue).

    Returns the RQ job, or None when there is no queue (the caller then runs the work itself).
    """
    q = queue()
    if q is None:
        return None
    retry = Retry(max=len(retries), interval=list(retries)) if retries else None
    if after is not None:
        return q.enqueue_in(after, function, *args, retry=retry, job_id=job_id, failure_ttl=7 * 24 * 3600)
    return q.enqueue(function, *args, retry=retry, job_id=job_id, failure_ttl=7 * 24 * 3600)


def new_run(conference_id: int, kind: str, *, total: int, params: dict, user=None) -> Job:
    """The Job row of a background run of a session (QUEUED), flushed; the caller commits, then `start`s it."""
    job = Job(conference_id=conference_id, kind=kind, status=JobStatus.QUEUED, total=total, done=0, params=params,
              created_by_id=getattr(user, "id", None))
    db.session.add(job)
    db.session.flush()
    return job


def get_run(conference_id: int, kind: str, job_id: int, missing: str) -> Job:
    """A run of this kind at this session by its number; NotFound(`missing`) otherwise (also another session's, or
    another kind of job)."""
    job = db.session.get(Job, job_id)
    if job is None or job.conference_id != conference_id or job.kind != kind:
        raise NotFound(missing)
    return job


def recent_runs(conference_id: int, kind: str, limit: int = 10) -> list[Job]:
    """The latest runs of this kind at a session, newest first, for the page that starts them."""
    return db.session.scalars(select(Job).where(Job.conference_id == conference_id, Job.kind == kind)
                              .order_by(Job.id.desc()).limit(limit)).all()


def result_key(job: Job) -> str | None:
    """The key of a run's result file (a badge run's PDF, a list of participants) in its storage. A run recorded
    before storage kept the file's absolute path: its file name is the key in the same folder."""
    return Path(job.result_path).name if job.result_path else None


def start(function: str, job_id: int) -> threading.Thread | None:
    """Run `function(job_id)` (named by its import path) in the background: on the RQ queue when REDIS_URL is set
    (`flask --app wsgi worker` serves it), else in a thread of this process with an application context and a
    database session of its own (returned, for tests). Call it after the Job row is committed."""
    if enqueue(function, job_id) is not None:
        return None
    app = current_app._get_current_object()
    thread = threading.Thread(target=_in_app, args=(app, function, job_id), name=f"job-{job_id}", daemon=True)
    thread.start()
    return thread


def _in_app(app: Flask, function: str, job_id: int) -> None:
    module, name = function.rsplit(".", 1)
    with app.app_context():
        try:
            getattr(importlib.import_module(module), name)(job_id)
        finally:
            db.session.remove()


def run_recorded(job_id: int, work: Callable[[Job], None], what: str) -> None:
    """The body of every background run kept on a Job row (badge runs, lists of participants).

    In an RQ worker, with no application yet, it builds one for the job. It takes the row only while it is QUEUED
    (a queue may deliver a job twice), marks it RUNNING, lets `work(job)` record its progress and result file, then
    marks it DONE; any failure is recorded on the row (FAILED, with its message) for the run's page to show.
    """
    with application():
        _run_recorded(job_id, work, what)


@contextmanager
def application() -> Iterator[None]:
    """The application context a queued job runs in: the worker's (`flask worker`), or one built for the job when
    the job runs in a bare RQ worker."""
    if has_app_context():
        yield
        return
    from conference import create_app  # the worker's application, built once per job

    with create_app().app_context():
        try:
            yield
        finally:
            db.session.remove()


def _run_recorded(job_id: int, work: Callable[[Job], None], what: str) -> None:
    job = db.session.get(Job, job_id)
    if job is None or job.status != JobStatus.QUEUED:
        return
    job.status, job.started_at = JobStatus.RUNNING, utcnow()
    db.session.commit()
    try:
        work(job)
        job.status, job.finished_at = JobStatus.DONE, utcnow()
        db.session.commit()
    except Exception as exc:  # a run reports every failure on its row; the page shows it
        record_failure(job_id, exc, what)


def record_failure(job_id: int, exc: Exception, what: str) -> None:
    """Roll back and mark the job FAILED with the message of `exc`, for the run's page to show."""
    db.session.rollback()
    log.exception("%s job %s failed", what, job_id, exc_info=exc)
    job = db.session.get(Job, job_id)
    if job is None:  # the run was deleted meanwhile (its session's data purged): nothing to report on
        return
    job.status, job.finished_at = JobStatus.FAILED, utcnow()
    job.error = exc.message if isinstance(exc, PlenaryError) else f"{type(exc).__name__}: {exc}"
    db.session.commit()


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (for tests and cron).")
@click.option("--queue", "queue_name", default=QUEUE, show_default=True,
              help="The queue this worker serves, and puts follow-up work on (a queue of its own for a test).")
@with_appcontext
def worker_command(burst: bool, queue_name: str):
    """Serve the background queue (e-mail, badge runs). Needs REDIS_URL."""
    global QUEUE
    # Work a job puts on the queue (a badge run's chunks, its merge) goes to the queue this worker serves.
    QUEUE = queue_name
    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without Redis, background work runs inside the web "
                                   "processes and no worker is needed")
    # SimpleWorker runs each job in this process, inside the application context (no fork: the
    # database pool is never shared with a child). A job killed with the worker is found by RQ's
    # registries on the next start and can be requeued.
    worker = SimpleWorker([QUEUE], connection=redis_connection())
    worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
