"""Badge runs as background jobs: never inside a web request.

A run is a Job row (kind "badges") with its filter in `params`. With REDIS_URL
set it goes on the RQ queue of conference.core.jobs (`flask --app wsgi worker`),
otherwise it runs in a thread of this process, with an application context and
a database session of its own. Starting it chooses whom it prints and splits
them into chunks, which any number of workers then take (conference.badges.chunks);
progress (done/total) is counted on the Job row as each chunk is done, so the
back office can show it; the PDF is kept in the badges' storage
(`instance/badges`, or the object store of STORAGE_URL), where `Job.result_path`
holds its key, and downloaded from the job's page.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import func, select, update

from conference.badges import chunks, services
from conference.badges.chunks import (  # noqa: F401 (run_pdf_key, run_pdf_prefix, runs_storage: callers find them here)
    DONE,
    QUEUED,
    run_pdf_key,
    run_pdf_prefix,
    runs_storage,
)
from conference.badges.models import BadgeRunChunk
from conference.badges.services import BadgeFilter
from conference.conferences.models import Conference
from conference.core import audit
from conference.core.db import utcnow
from conference.core.errors import PlenaryError, RuleViolation
from conference.core.i18n import _, ngettext
from conference.core.jobs import application, get_run, new_run, recent_runs, record_failure, start
from conference.core.models import Job, JobStatus
from conference.extensions import db
from conference.registration.models import Registration

log = logging.getLogger(__name__)
KIND = "badges"


def get_badge_run(conference: Conference, job_id: int) -> Job:
    """A badge run of this session by its number; NotFound otherwise (also another session's, or another kind of
    job)."""
    return get_run(conference.id, KIND, job_id, _("There is no such badge run at this session."))


def recent_badge_runs(conference: Conference, limit: int = 10) -> list[Job]:
    """The latest badge runs of a session, newest first, for the badge desk."""
    return recent_runs(conference.id, KIND, limit)


def start_badge_run(conference: Conference, badge_filter: BadgeFilter, *, size: str = "a6", reprint: bool = False,
                    user=None, language: str = "en", chunk_size: int | None = None) -> Job:
    """Create the Job row of a badge run (QUEUED); the caller commits, then calls `enqueue_badge_run(job.id)`.

    The badges are printed in `language` (the language of the page the desk started the run from), in chunks of
    `chunk_size` (services.CHUNK_SIZE by default) that any worker may take.

    Raises PlenaryError when the filter selects nobody, so the desk hears it at once rather than from a job.
    """
    if size not in services.SIZES:
        raise PlenaryError(_("unknown badge size %(size)s", size=repr(size)))
    ids = services.select_registrations(conference, badge_filter)
    online = services.select_registrations(conference, badge_filter, online=True)
    if not ids:
        if badge_filter.registration_id and online:
            raise PlenaryError(services.online_reason(db.session.get(Registration, online[0])))
        if online:
            raise PlenaryError(ngettext(
                "Nothing to print: the %(num)d approved participant who matches takes part online, and gets no "
                "printed badge unless they change to in person.",
                "Nothing to print: the %(num)d approved participants who match take part online, and get no "
                "printed badge unless they change to in person.", len(online)))
        raise PlenaryError(_("No approved registration matches: there is nothing to print."))
    return new_run(conference.id, KIND, total=len(ids), user=user,
                   params={**badge_filter.as_dict(), "size": size, "reprint": reprint, "language": language,
                           "online_skipped": len(online), "chunk_size": chunk_size or services.CHUNK_SIZE})


def enqueue_badge_run(job_id: int) -> threading.Thread | None:
    """Run the job in the background (conference.core.jobs.start); call it after the Job row is committed."""
    return start("conference.badges.jobs.run_badge_job", job_id)


# A run that has shown no progress for this long is taken for dead (its workers were killed, or Redis lost its work).
STALE_AFTER = timedelta(minutes=10)


def retry_badge_run(job: Job, *, user=None, now=None) -> Job:
    """Start a failed run again, or one that has stopped moving (still RUNNING, no chunk finished or held for
    STALE_AFTER); the caller commits, then calls `enqueue_badge_run(job.id)`.

    The chunks done are kept, and the serials issued are kept, so the badges printed again are the same badges.
    """
    now = now or utcnow()
    last = db.session.scalar(select(func.max(func.coalesce(BadgeRunChunk.finished_at, BadgeRunChunk.lease_until)))
                             .where(BadgeRunChunk.job_id == job.id))
    moved = max(t for t in (last, job.started_at) if t is not None) if (last or job.started_at) else None
    dead = job.status == JobStatus.RUNNING and (moved is None or now - moved > STALE_AFTER)
    if job.status != JobStatus.FAILED and not dead:
        raise RuleViolation(_("Only a failed run, or one that has stopped moving, can be started again."))
    before = job.status
    has_chunks = db.session.scalar(select(func.count()).where(BadgeRunChunk.job_id == job.id)) > 0
    # A run split already goes on from its chunks (RUNNING); one that failed before it was split starts again.
    job.status = JobStatus.RUNNING if has_chunks else JobStatus.QUEUED
    job.error, job.result_path, job.finished_at = "", None, None
    job.started_at = now if has_chunks else None
    db.session.execute(update(BadgeRunChunk).where(BadgeRunChunk.job_id == job.id, BadgeRunChunk.status != DONE)
                       .values(status=QUEUED, lease_until=None).execution_options(synchronize_session=False))
    audit.record("badges.run_retried", job, actor=user or "system", before={"status": before.value},
                 after={"status": job.status.value}, conference_id=job.conference_id)
    return job


def run_badge_job(job_id: int) -> None:
    """Start a badge run (in a thread or an RQ worker): split it into chunks and hand them to the workers
    (conference.badges.chunks). A run started again after it was split goes on from its chunks."""
    with application():
        job = db.session.get(Job, job_id)
        if job is None:
            return
        if job.status == JobStatus.RUNNING:
            db.session.rollback()
            chunks.dispatch(job_id)
            return
        taken = db.session.execute(update(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED)
                                   .values(status=JobStatus.RUNNING, started_at=utcnow())
                                   .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        if not taken:  # delivered twice by the queue, or started already
            return
        try:
            job = db.session.get(Job, job_id)
            with services.in_language((job.params or {}).get("language")):
                _split(job, job.params or {})
            db.session.commit()
        except Exception as exc:  # the run's page says why
            record_failure(job_id, exc, "badge")
            return
        chunks.dispatch(job_id)


def _split(job: Job, params: dict) -> None:
    """Choose whom the run prints, now, and split them into chunks (the chunks issue the badges)."""
    conference = db.session.get(Conference, job.conference_id)
    badge_filter = BadgeFilter(category=params.get("category"), delegation_id=params.get("delegation_id"),
                               only_unprinted=bool(params.get("only_unprinted")),
                               registration_id=params.get("registration_id"))
    ids = services.select_registrations(conference, badge_filter)
    if not ids:
        raise PlenaryError(_("No approved registration matches any more: there is nothing to print."))
    job.total, job.done = len(ids), 0
    chunks.split(job, ids, int(params.get("chunk_size") or services.CHUNK_SIZE))
