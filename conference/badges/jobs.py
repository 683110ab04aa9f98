"""Badge runs as background jobs: never inside a web request.

A run is a Job row (kind "badges") with its filter in `params`. With REDIS_URL
set it goes on the RQ queue of conference.core.jobs (`flask --app wsgi worker`),
otherwise it runs in a thread of this process, with an application context and
a database session of its own. Progress (done/total) is committed to the Job
row after each chunk, so the back office can show it; the PDF is kept in the
badges' storage (`instance/badges`, or the object store of STORAGE_URL), where
`Job.result_path` holds its key, and downloaded from the job's page.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

from conference.accounts.models import User
from conference.badges import services
from conference.badges.services import BadgeFilter
from conference.conferences.models import Conference
from conference.core import audit
from conference.core.db import utcnow
from conference.core.errors import PlenaryError, RuleViolation
from conference.core.i18n import _, ngettext
from conference.core.jobs import get_run, new_run, recent_runs, result_key, run_recorded, start
from conference.core.models import Job, JobStatus
from conference.core.storage import Storage, files
from conference.extensions import db
from conference.registration.models import Registration
from conference.registration.uploads import upload_storage

log = logging.getLogger(__name__)
KIND = "badges"


def runs_storage() -> Storage:
    """Where the PDFs of badge runs are kept: the folder BADGE_RUNS_FOLDER (by default `instance/badges`, never
    static), or the object store of STORAGE_URL."""
    return files("badges")


def run_pdf_key(job: Job) -> str | None:
    """The key of a finished run's PDF in `runs_storage()` (see core.jobs.result_key)."""
    return result_key(job)


def run_pdf_prefix(job: Job) -> str:
    """What the keys of every PDF of this run begin with, the one it finished and any left by a failed attempt."""
    return f"job-{job.id}-"


def get_badge_run(conference: Conference, job_id: int) -> Job:
    """A badge run of this session by its number; NotFound otherwise (also another session's, or another kind of
    job)."""
    return get_run(conference.id, KIND, job_id, _("There is no such badge run at this session."))


def recent_badge_runs(conference: Conference, limit: int = 10) -> list[Job]:
    """The latest badge runs of a session, newest first, for the badge desk."""
    return recent_runs(conference.id, KIND, limit)


def start_badge_run(conference: Conference, badge_filter: BadgeFilter, *, size: str = "a6", reprint: bool = False,
                    user=None, language: str = "en") -> Job:
    """Create the Job row of a badge run (QUEUED); the caller commits, then calls `enqueue_badge_run(job.id)`.

    The badges are printed in `language` (the language of the page the desk started the run from).

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
                           "online_skipped": len(online)})


def enqueue_badge_run(job_id: int) -> threading.Thread | None:
    """Run the job in the background (conference.core.jobs.start); call it after the Job row is committed."""
    return start("conference.badges.jobs.run_badge_job", job_id)


# A run that has shown no progress for this long is taken for dead (its worker was killed).
STALE_AFTER = timedelta(minutes=10)


def retry_badge_run(job: Job, *, user=None, now=None) -> Job:
    """Start a failed run again, or one whose worker died mid-run (still RUNNING, silent for STALE_AFTER).

    The serials it issued are kept, so the badges printed again are the same badges.
    """
    now = now or utcnow()
    dead = job.status == JobStatus.RUNNING and (job.started_at is None or now - job.started_at > STALE_AFTER)
    if job.status != JobStatus.FAILED and not dead:
        raise RuleViolation(_("Only a failed run, or one that has stopped moving, can be started again."))
    before = job.status
    job.status, job.done, job.error, job.result_path = JobStatus.QUEUED, 0, "", None
    job.started_at = job.finished_at = None
    audit.record("badges.run_retried", job, actor=user or "system", before={"status": before.value},
                 after={"status": JobStatus.QUEUED.value}, conference_id=job.conference_id)
    return job


def run_badge_job(job_id: int) -> None:
    """Carry out a badge run (in a thread or an RQ worker): issue the serials, render, record progress and result."""
    run_recorded(job_id, _in_its_language, "badge")


def _in_its_language(job: Job) -> None:
    with services.in_language((job.params or {}).get("language")):
        _prepare_and_render(job, job.params or {})


def _prepare_and_render(job: Job, params: dict) -> None:
    """The run itself, in the language of the run (its messages, the badges' texts and dates)."""
    conference = db.session.get(Conference, job.conference_id)
    badge_filter = BadgeFilter(category=params.get("category"), delegation_id=params.get("delegation_id"),
                               only_unprinted=bool(params.get("only_unprinted")),
                               registration_id=params.get("registration_id"))
    ids = services.select_registrations(conference, badge_filter)
    if not ids:
        raise PlenaryError(_("No approved registration matches any more: there is nothing to print."))
    user = None
    if job.created_by_id:
        user = db.session.get(User, job.created_by_id)
    badges = services.prepare_badges(conference, ids, user=user, actor=None if user else "system",
                                     reprint=bool(params.get("reprint")))
    job.total, job.done = len(badges), 0
    # Names that did not fit whole: the desk is told, so that nothing is shortened silently.
    job.params = {**job.params, "names": services.names_to_check(badges, params.get("size", "a6"))}
    conference_data = services.conference_data(conference, params.get("language"))
    # The serials are committed before rendering: the database is not held for the length of the run, and a
    # run that fails can be started again (it prints the same serials).
    db.session.commit()

    def progress(done: int, total: int) -> None:
        job.done = min(done, job.total or done)
        db.session.commit()

    key = f"{run_pdf_prefix(job)}{secrets.token_urlsafe(12)}.pdf"
    # The chunks and their merge are scratch work on this machine; the finished PDF goes to storage, streamed, where
    # the web machine that serves the download finds it.
    with tempfile.TemporaryDirectory(prefix="plenary-run-") as scratch:
        target = Path(scratch) / key
        services.render_badge_run(badges, conference_data, target, size=params.get("size", "a6"), progress=progress,
                                  uploads=upload_storage())
        with target.open("rb") as pdf:
            runs_storage().put(key, pdf)
    job.result_path = key
