"""A badge run in chunks that any number of workers take, on one machine or several.

A run (a Job row of kind "badges") is split into BadgeRunChunk rows. The database, not the queue, says who holds
which chunk: a worker claims one with a single conditional UPDATE (`FOR UPDATE SKIP LOCKED` in its subquery on
PostgreSQL, SQLite's one writer at a time elsewhere), issues its badges in the same transaction, renews a lease
while it renders, writes the chunk's PDF to the badges' storage under a key of the chunk's own (a chunk rendered
again overwrites it, never adds a second one), and marks it DONE. A chunk whose worker died is claimed again once
its lease has run out; it was issued already, so it prints the same serials: no badge is printed twice.

The worker that finishes the last chunk (decided while it holds the Job row's lock, the `done` counter's UPDATE)
puts the merge on the queue. RQ only carries the work: one `work_on_run` per chunk, any of which takes whatever
chunk is free; a `watch_run` that comes back while the run lasts, for chunks and merges left by workers that all
died; and the desk's "start again" (jobs.retry_badge_run) when Redis itself lost the work. Without Redis the thread
that prepared the run works through its chunks and merges them itself.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import secrets
import socket
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, update

from conference.accounts.models import User
from conference.badges import services
from conference.badges.models import BadgeRunChunk
from conference.badges.rendering import prepare_worker
from conference.conferences.models import Conference
from conference.core import pdf
from conference.core.db import utcnow
from conference.core.jobs import application, enqueue, queue, record_failure, result_key
from conference.core.models import Job, JobStatus
from conference.core.storage import Storage, files
from conference.extensions import db
from conference.registration.models import Modality, Registration, RegistrationStatus
from conference.registration.uploads import upload_storage

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE = "QUEUED", "RUNNING", "DONE"
# How long one queued `work_on_run` goes on taking chunks before it leaves the rest to the next ones on the queue:
# well inside RQ's job timeout (180 s), and short enough that other work (e-mail) is not held up behind a big run.
WORK_BUDGET = timedelta(seconds=90)


def runs_storage() -> Storage:
    """Where the PDFs of badge runs are kept: the folder BADGE_RUNS_FOLDER (by default `instance/badges`, never
    static), or the object store of STORAGE_URL."""
    return files("badges")


def run_pdf_key(job: Job) -> str | None:
    """The key of a finished run's PDF in `runs_storage()` (see core.jobs.result_key)."""
    return result_key(job)


def run_pdf_prefix(job: Job | int) -> str:
    """What the keys of every PDF of this run begin with: the one it finished, its chunks, any left by a failed
    attempt."""
    return f"job-{getattr(job, 'id', job)}-"


def chunk_key(job_id: int, number: int) -> str:
    """The key of a chunk's rendered badges (a part: see core.pdf_parts): one per chunk, so a chunk rendered
    again replaces its file."""
    return f"{run_pdf_prefix(job_id)}chunk-{number:05d}.part"


def lease() -> timedelta:
    return timedelta(seconds=current_app.config.get("BADGE_CHUNK_LEASE_SECONDS", 60))


# --------------------------------------------------------------------------------------------------------------------
# Splitting a run and handing it to the workers


def split(job: Job, registration_ids: list[int], chunk_size: int) -> int:
    """Add the chunk rows of `job` (the caller commits); returns how many."""
    if job.params.get("size") == "a4-sheet":
        chunk_size = max(4, chunk_size - chunk_size % 4)  # keep sheets full except the last one
    count = 0
    for number, start in enumerate(range(0, len(registration_ids), chunk_size)):
        db.session.add(BadgeRunChunk(job_id=job.id, number=number, status=QUEUED,
                                     registration_ids=list(registration_ids[start:start + chunk_size])))
        count += 1
    return count


def dispatch(job_id: int) -> None:
    """Hand the run's open chunks to the workers (call it after committing them): one `work_on_run` on the queue
    per open chunk and a `watch_run` for when a lease runs out; without Redis, work through them here and merge."""
    if queue() is None:
        processes = current_app.config.get("BADGE_RENDER_PROCESSES") or os.cpu_count() or 1
        open_chunks = db.session.scalar(select(func.count()).where(BadgeRunChunk.job_id == job_id,
                                                                   BadgeRunChunk.status != DONE))
        db.session.rollback()
        if processes > 1 and open_chunks > 1:
            _work_in_processes(job_id, min(processes, open_chunks))
        else:
            _work(job_id, budget=None)
        merge_badge_run(job_id)
        return
    open_chunks = db.session.scalar(select(func.count()).where(BadgeRunChunk.job_id == job_id,
                                                               BadgeRunChunk.status != DONE))
    for _ in range(open_chunks):
        enqueue("conference.badges.chunks.work_on_run", job_id)
    if not open_chunks:
        enqueue("conference.badges.chunks.merge_badge_run", job_id)
    _watch_later(job_id, lease())


def _watch_later(job_id: int, after: timedelta) -> None:
    # One watch per run and moment (the id): every worker that schedules it for the same time schedules one.
    when = int(time.time() + after.total_seconds())
    enqueue("conference.badges.chunks.watch_run", job_id, after=after + timedelta(seconds=1),
            job_id=f"plenary-badges-{job_id}-watch-{when}")


# --------------------------------------------------------------------------------------------------------------------
# What the workers run


def work_on_run(job_id: int) -> None:
    """Queued once per chunk: take free chunks of the run and render them, one after another, for WORK_BUDGET;
    at the end of a run, wait for the chunks others hold and take any whose lease runs out."""
    with application():
        _work(job_id, budget=WORK_BUDGET)


def watch_run(job_id: int) -> None:
    """Scheduled while a run lasts: take the chunks whose worker died, merge a run whose merge was lost, and come
    back later while the run is not finished."""
    with application():
        _work(job_id, budget=WORK_BUDGET, wait=False)
        job = db.session.get(Job, job_id)
        if job is None or job.status != JobStatus.RUNNING:
            return
        open_chunks = db.session.scalars(select(BadgeRunChunk).where(BadgeRunChunk.job_id == job_id,
                                                                     BadgeRunChunk.status != DONE)).all()
        if open_chunks:
            due = min((c.lease_until for c in open_chunks if c.lease_until), default=utcnow())
            db.session.rollback()
            _watch_later(job_id, max(due - utcnow(), timedelta(seconds=1)))
            return
        last = db.session.scalar(select(func.max(BadgeRunChunk.finished_at)).where(BadgeRunChunk.job_id == job_id))
        db.session.rollback()
        if last is None or utcnow() - last > lease():
            merge_badge_run(job_id)  # the merge put on the queue never finished
        else:
            _watch_later(job_id, lease())


def _work(job_id: int, *, budget: timedelta | None, wait: bool = True) -> None:
    started = time.monotonic()
    while budget is None or time.monotonic() - started < budget.total_seconds():
        try:
            taken = _take(job_id)
        except Exception as exc:  # the run's page says why
            record_failure(job_id, exc, "badge")
            return
        if taken is None:
            if not wait or not _wait_for_others(job_id):
                return
            continue
        try:
            _render(taken)
        except Exception as exc:  # a chunk that cannot be rendered fails the run, which says why
            release(taken.chunk_id, taken.holder)
            record_failure(job_id, exc, "badge")
            return
        _done(taken)


def _wait_for_others(job_id: int) -> bool:
    """At the end of a run, when the chunks left are held by others: wait a little (until one may be done or its
    lease runs out) and say True; False when no chunk is held (every one is done, or the run stopped)."""
    due = _earliest_lease(job_id)
    if due is None:
        return False
    time.sleep(min(max((due - utcnow()).total_seconds(), 0.2), lease().total_seconds() / 3, 5))
    return True


def _work_in_processes(job_id: int, processes: int) -> None:
    """Without Redis: this thread claims, issues and finishes the chunks, a pool of `processes` renders them (the
    cores of this machine, as the `badges` command does)."""
    context = multiprocessing.get_context("forkserver")  # clean processes: no copy of the web app's threads
    context.set_forkserver_preload(["conference.badges.rendering"])
    running: dict = {}
    with ProcessPoolExecutor(max_workers=processes, mp_context=context, initializer=prepare_worker) as pool:
        try:
            while True:
                while len(running) < processes and (taken := _take(job_id)) is not None:
                    held = _Lease(db.engine, taken.chunk_id, taken.holder, lease()).__enter__()
                    future = pool.submit(render_chunk_pdf, taken.badges, taken.conference_data, taken.size,
                                         upload_storage(), runs_storage(), taken.key)
                    running[future] = (taken, held)
                if not running:
                    if not _wait_for_others(job_id):
                        return
                    continue
                finished, _pending = futures_wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    taken, held = running.pop(future)
                    held.__exit__()
                    future.result()
                    _done(taken)
        except Exception as exc:  # a chunk that cannot be rendered fails the run, which says why
            for taken, held in running.values():
                held.__exit__()
                release(taken.chunk_id, taken.holder)
            record_failure(job_id, exc, "badge")


def _earliest_lease(job_id: int):
    due = db.session.scalar(select(func.min(BadgeRunChunk.lease_until)).where(
        BadgeRunChunk.job_id == job_id, BadgeRunChunk.status == RUNNING))
    db.session.rollback()
    return due


# --------------------------------------------------------------------------------------------------------------------
# Claiming, renewing, finishing


def _claimable(now):
    return (BadgeRunChunk.status == QUEUED) | ((BadgeRunChunk.status == RUNNING) & (BadgeRunChunk.lease_until < now))


def claim(job_id: int) -> tuple[int, str] | None:
    """Take a free chunk of the run, or one whose lease has run out: (chunk id, holder), or None when there is none.

    One statement that writes first: PostgreSQL skips the chunks other workers are claiming at the same moment
    (SKIP LOCKED), and on SQLite the UPDATE takes the database's one write lock before it reads. The claim is
    committed with the chunk's badges issued (see `_issue`), so the chunk is never half-taken.
    """
    now = utcnow()
    holder = f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(4)}"
    candidate = (select(BadgeRunChunk.id).where(BadgeRunChunk.job_id == job_id, _claimable(now))
                 .order_by(BadgeRunChunk.number).limit(1).with_for_update(skip_locked=True).scalar_subquery())
    chunk_id = db.session.scalar(
        update(BadgeRunChunk).where(BadgeRunChunk.id == candidate, _claimable(now))
        .values(status=RUNNING, worker=holder, lease_until=now + lease(), attempts=BadgeRunChunk.attempts + 1)
        .returning(BadgeRunChunk.id).execution_options(synchronize_session=False))
    if chunk_id is None:
        db.session.rollback()
        return None
    return chunk_id, holder


@dataclass
class _Taken:
    """A claimed chunk with its badges issued: what rendering it needs, as plain data a process pool can take."""

    job_id: int
    chunk_id: int
    holder: str
    count: int
    key: str
    badges: list[dict]
    conference_data: dict
    size: str
    names: list


def _take(job_id: int) -> _Taken | None:
    """Claim a chunk of a running run and issue its badges (once), committed together; None when none is free."""
    job = db.session.get(Job, job_id)
    running = job is not None and job.status == JobStatus.RUNNING
    db.session.rollback()  # a claim begins its transaction with its write (SQLite: no stale snapshot)
    if not running:
        return None
    claimed = claim(job_id)
    if claimed is None:
        return None
    try:
        job = db.session.get(Job, job_id)
        chunk = db.session.get(BadgeRunChunk, claimed[0], populate_existing=True)
        params = job.params or {}
        with services.in_language(params.get("language")):
            badges = _issue(job, chunk, params)
            conference_data = services.conference_data(db.session.get(Conference, job.conference_id),
                                                       params.get("language"))
        taken = _Taken(job_id, chunk.id, claimed[1], len(chunk.registration_ids), chunk_key(job_id, chunk.number),
                       badges, conference_data, params.get("size", "a6"),
                       services.names_to_check(badges, params.get("size", "a6")))
        db.session.commit()  # the claim and the serials together
    except Exception:
        release(*claimed)
        raise
    return taken


def render_chunk_pdf(badges: list[dict], conference_data: dict, size: str, uploads: Storage, runs: Storage,
                     key: str) -> None:
    """Render a chunk's badges and put them in `runs` under `key` (in this process, or a process of a pool), as a
    part: renumbered here, by whichever worker rendered the chunk, so that the merge only copies bytes."""
    with tempfile.TemporaryDirectory(prefix="plenary-chunk-") as tmp:
        target = Path(tmp) / "chunk.pdf"
        services.render_badges(badges, conference_data, size=size, target=target, uploads=uploads)
        part = Path(tmp) / "chunk.part"
        with part.open("wb") as out:
            pdf.make_part(target, out)
        with part.open("rb") as stream:
            runs.put(key, stream)


def _render(taken: _Taken) -> None:
    with _Lease(db.engine, taken.chunk_id, taken.holder, lease()):
        if taken.badges:
            render_chunk_pdf(taken.badges, taken.conference_data, taken.size, upload_storage(), runs_storage(),
                             taken.key)


def _done(taken: _Taken) -> None:
    last = finish(taken.job_id, taken.chunk_id, taken.holder, taken.count, taken.key if taken.badges else None,
                  taken.names)
    if last and queue() is not None:  # without Redis, `dispatch` merges after the last chunk
        enqueue("conference.badges.chunks.merge_badge_run", taken.job_id)


def _issue(job: Job, chunk: BadgeRunChunk, params: dict) -> list[dict]:
    """The chunk's badges: issued the first time (new serials with a reprint), as they are when taken again."""
    ids = db.session.scalars(select(Registration.id).where(
        Registration.id.in_(chunk.registration_ids), Registration.status == RegistrationStatus.APPROVED,
        Registration.modality == Modality.IN_PERSON)).all()
    eligible = set(ids)  # someone withdrawn since the run was split is left out
    user = db.session.get(User, job.created_by_id) if job.created_by_id else None
    badges = services.prepare_badges(db.session.get(Conference, job.conference_id),
                                     [i for i in chunk.registration_ids if i in eligible],
                                     user=user, actor=None if user else "system",
                                     reprint=bool(params.get("reprint")) and not chunk.issued)
    chunk.issued = True
    return badges


def finish(job_id: int, chunk_id: int, holder: str, count: int, key: str | None, names: list) -> bool:
    """Mark the chunk done if `holder` still holds it, and count its badges into the run's progress; True when it
    was the run's last chunk (the caller merges). The count of chunks left is taken while holding the run's row
    lock (the `done` UPDATE), so of two workers finishing the last two chunks exactly one sees none left."""
    taken = db.session.execute(
        update(BadgeRunChunk).where(BadgeRunChunk.id == chunk_id, BadgeRunChunk.worker == holder,
                                    BadgeRunChunk.status == RUNNING)
        .values(status=DONE, pdf_key=key, names=names, finished_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if taken != 1:  # our lease ran out and another worker took the chunk over: it counts it
        db.session.rollback()
        return False
    db.session.execute(update(Job).where(Job.id == job_id).values(done=Job.done + count)
                       .execution_options(synchronize_session=False))
    left = db.session.scalar(select(func.count()).where(BadgeRunChunk.job_id == job_id, BadgeRunChunk.status != DONE))
    db.session.commit()
    return left == 0


def release(chunk_id: int, holder: str) -> None:
    """Give a chunk back (its rendering failed), so that starting the run again takes it."""
    db.session.rollback()
    db.session.execute(update(BadgeRunChunk).where(BadgeRunChunk.id == chunk_id, BadgeRunChunk.worker == holder)
                       .values(status=QUEUED, lease_until=None).execution_options(synchronize_session=False))
    db.session.commit()


class _Lease:
    """Renews a chunk's lease every third of it while the chunk renders, on a connection of its own."""

    def __init__(self, engine, chunk_id: int, holder: str, length: timedelta):
        self.engine, self.chunk_id, self.holder, self.length = engine, chunk_id, holder, length
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._renew, name=f"lease-{chunk_id}", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()

    def _renew(self) -> None:
        while not self.stop.wait(self.length.total_seconds() / 3):
            try:
                with self.engine.begin() as connection:
                    connection.execute(update(BadgeRunChunk).where(
                        BadgeRunChunk.id == self.chunk_id, BadgeRunChunk.worker == self.holder,
                        BadgeRunChunk.status == RUNNING).values(lease_until=utcnow() + self.length))
            except Exception:  # a missed renewal only lets another worker take the chunk over: the run survives
                log.warning("badge chunk %s: lease not renewed", self.chunk_id, exc_info=True)


# --------------------------------------------------------------------------------------------------------------------
# The merge


def merge_badge_run(job_id: int) -> None:
    """Put the chunks' PDFs together, in order, into the run's PDF, and mark the run DONE. Safe to run twice: the
    first to record its PDF wins, the other erases its own."""
    with application():
        try:
            _merge(job_id)
        except Exception as exc:  # the run's page says why
            record_failure(job_id, exc, "badge")


def _merge(job_id: int) -> None:
    job = db.session.get(Job, job_id)
    if job is None or job.status != JobStatus.RUNNING or job.result_path:
        return
    chunks = db.session.scalars(select(BadgeRunChunk).where(BadgeRunChunk.job_id == job_id)
                                .order_by(BadgeRunChunk.number)).all()
    if not chunks or any(c.status != DONE for c in chunks):
        return
    keys = [c.pdf_key for c in chunks if c.pdf_key]
    names = [n for c in chunks for n in (c.names or [])]
    params = {**job.params, "names": names}
    db.session.rollback()
    storage = runs_storage()
    key = f"{run_pdf_prefix(job_id)}{secrets.token_urlsafe(12)}.pdf"
    with tempfile.TemporaryDirectory(prefix="plenary-run-") as scratch:
        target = Path(scratch) / key
        # One chunk's part in memory at a time; the parts were renumbered by the workers, so this only copies.
        pdf.join_parts((storage.read(k) for k in keys), target)
        with target.open("rb") as stream:
            storage.put(key, stream)
    recorded = db.session.execute(
        update(Job).where(Job.id == job_id, Job.status == JobStatus.RUNNING, Job.result_path.is_(None))
        .values(status=JobStatus.DONE, result_path=key, finished_at=utcnow(), params=params)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if recorded != 1:  # another merge of the same run recorded its PDF first
        storage.delete(key)
        return
    for k in keys:
        storage.delete(k)
