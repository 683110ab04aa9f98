"""The list of participants made in the background, from the back office: a large session's list takes a while.

A run is a Job row (kind "participants_list") with the format and language in `params`; like badge runs
(`badges/jobs.py`) it goes on the RQ queue when REDIS_URL is set, else into a thread of this process. The list is
made a part at a time (`services.parts`, `documents`), in the memory of one part whatever the size of the session;
progress is counted in real steps and committed to the row as it goes: each part's people read, each part laid out
(or its rows written), then the file stored; the run's page shows the bar move. The file is written to a temporary
file, then kept in the lists' storage (`instance/lists`, or the object store of STORAGE_URL), where
`Job.result_path` holds its key, and downloaded from the run's page.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import threading
from pathlib import Path

from conference.conferences.models import Conference
from conference.core.errors import PlenaryError
from conference.core.i18n import LANGUAGES, _, force_locale
from conference.core.jobs import get_run, new_run, recent_runs, run_recorded, start
from conference.core.models import Job
from conference.core.storage import Storage, files
from conference.extensions import db
from conference.participants_list import documents, services
from conference.participants_list.services import count_parts, plan

log = logging.getLogger(__name__)
KIND = "participants_list"
FORMATS = ("pdf", "xlsx")
MIMETYPES = {"pdf": "application/pdf",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def lists_storage() -> Storage:
    """Where the files of the runs are kept: the folder PARTICIPANTS_LISTS_FOLDER (by default `instance/lists`, never
    static), or the object store of STORAGE_URL."""
    return files("lists")


def list_file_prefix(job: Job) -> str:
    """What the keys of this run's files begin with."""
    return f"list-{job.id}-"


def get_list_run(conference: Conference, job_id: int) -> Job:
    """A run of the list at this session by its number; NotFound otherwise."""
    return get_run(conference.id, KIND, job_id, _("There is no such list of participants at this session."))


def recent_list_runs(conference: Conference, limit: int = 10) -> list[Job]:
    """The latest runs of the list at a session, newest first."""
    return recent_runs(conference.id, KIND, limit)


def start_list_run(conference: Conference, fmt: str, language: str, *, user=None) -> Job:
    """The Job row of a run (QUEUED); the caller commits, then calls `enqueue_list_run(job.id)`."""
    if fmt not in FORMATS or language not in LANGUAGES:
        raise PlenaryError(_("Choose a format and a language."))
    return new_run(conference.id, KIND, total=1, params={"format": fmt, "language": language}, user=user)


def enqueue_list_run(job_id: int) -> threading.Thread | None:
    """Run the job in the background (conference.core.jobs.start); call it after the Job row is committed."""
    return start("conference.participants_list.jobs.run_list_job", job_id)


def run_list_job(job_id: int) -> None:
    """Make the list (in a thread or an RQ worker), recording progress, the file, or the failure on the Job row."""
    run_recorded(job_id, _make_list, "participants list")


def _make_list(job: Job) -> None:
    params = job.params or {}
    part_size = services.PART_SIZE
    conference = db.session.get(Conference, job.conference_id)
    lst = plan(conference)
    # Two steps a part (its people read, then laid out or written), and the file stored.
    job.total, job.done = 2 * count_parts(lst, part_size) + 1, 0
    db.session.commit()

    def step() -> None:
        job.done = min(job.done + 1, job.total - 1)  # the last step is the storing
        db.session.commit()

    fmt = params.get("format", "pdf")
    write = documents.write_pdf if fmt == "pdf" else documents.write_xlsx
    with tempfile.TemporaryDirectory(prefix="plenary-list-") as folder:
        path = Path(folder) / f"list.{fmt}"
        with force_locale(params.get("language", "en")):
            write(lst, path, part_size=part_size, progress=step)
        key = f"{list_file_prefix(job)}{secrets.token_urlsafe(12)}.{fmt}"
        with path.open("rb") as stream:
            lists_storage().put(key, stream)
    job.result_path = key
    job.done = job.total
