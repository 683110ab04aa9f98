"""Background work: RQ on Redis when REDIS_URL is set, otherwise in this process.

Web processes stay stateless: anything slow or retried (e-mail, badge runs)
goes to the queue `plenary`, which `flask --app wsgi worker` serves. Jobs are
plain functions named by their import path; the worker runs them inside its
application context.
"""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext

log = logging.getLogger(__name__)
QUEUE = "plenary"


def redis_connection():
    from redis import Redis

    return Redis.from_url(current_app.config["REDIS_URL"])


def queue():
    """The RQ queue, or None when there is no Redis (jobs then run in-process)."""
    if not current_app.config.get("REDIS_URL"):
        return None
    from rq import Queue

    return Queue(QUEUE, connection=redis_connection())


def enqueue(function: str, *args, retries: tuple[int, ...] = (), job_id: str | None = None):
    """Put `function(*args)` on the queue, retried after each of `retries` seconds when it raises.

    Returns the RQ job, or None when there is no queue (the caller then runs the work itself).
    """
    q = queue()
    if q is None:
        return None
    from rq import Retry

    retry = Retry(max=len(retries), interval=list(retries)) if retries else None
    return q.enqueue(function, *args, retry=retry, job_id=job_id, failure_ttl=7 * 24 * 3600)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (for tests and cron).")
@with_appcontext
def worker_command(burst: bool):
    """Serve the background queue (e-mail, badge runs). Needs REDIS_URL."""
    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without Redis, background work runs inside the web "
                                   "processes and no worker is needed")
    from rq import SimpleWorker

    # SimpleWorker runs each job in this process, inside the application context (no fork: the
    # database pool is never shared with a child). A job killed with the worker is found by RQ's
    # registries on the next start and can be requeued.
    worker = SimpleWorker([QUEUE], connection=redis_connection())
    worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
