"""Badge runs in chunks that any number of workers take: every badge printed once, in order, also when a worker dies
holding a chunk (its lease runs out, another worker takes the chunk, the serials it issued are kept)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from conference.badges import chunks, jobs, services
from conference.badges.models import Badge, BadgeRunChunk
from conference.badges.services import BadgeFilter
from conference.core import jobs as core_jobs
from conference.core.db import utcnow
from conference.core.models import Job, JobStatus
from conference.registration.models import BadgeState, EntityType, RegionalGroup, Registration
from conference.registration.uploads import store
from tests.factories import make_conference, make_delegation, make_entity, make_registration

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def people(app, db_session, tmp_path, monkeypatch):
    """Seven approved participants of cop98 (one with a photo), badges kept under tmp_path, short leases."""
    monkeypatch.setitem(app.config, "STORAGE_URL", f"file://{tmp_path / 'store'}")
    monkeypatch.setitem(app.config, "BADGE_CHUNK_LEASE_SECONDS", 2)
    conference = make_conference("cop98")
    austria = make_delegation(conference, make_entity(EntityType.STATE, "Austria", "AUT", RegionalGroup.WEOG))
    out = io.BytesIO()
    Image.new("RGB", (350, 450), (200, 180, 160)).save(out, "JPEG")
    photo = store(app.config["UPLOAD_FOLDER"], "photos", out.getvalue(), "jpg")
    regs = [make_registration(austria, badge_name=f"Delegate {n:02d}", photo=photo if n == 0 else None)
            for n in range(7)]
    db_session.commit()
    return conference, regs


def serials_in(pdf: bytes, regs: list[Registration]) -> list[str]:
    """The serial printed on each page, in page order; every page must carry exactly one of them."""
    wanted = {r.badge_serial for r in regs}
    pages = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        found = [s for s in wanted if s in page.extract_text()]
        assert len(found) == 1, found
        pages.append(found[0])
    return pages


def the_pdf(job: Job) -> bytes:
    return jobs.runs_storage().read(jobs.run_pdf_key(job))


def check_every_badge_once(db_session, job_id: int, regs: list[Registration], *, badges_each: int = 1) -> Job:
    db_session.expire_all()
    job = db_session.get(Job, job_id)
    assert job.status == JobStatus.DONE, job.error
    assert job.done == job.total == len(regs)
    printed = serials_in(the_pdf(job), regs)
    assert Counter(printed) == Counter(r.badge_serial for r in regs)  # all there, none twice
    assert printed == [r.badge_serial for r in sorted(regs, key=lambda r: r.badge_name)]  # in print order
    per_registration = Counter(db_session.scalars(select(Badge.registration_id)))
    assert per_registration == {r.id: badges_each for r in regs}
    assert all(r.badge_state == BadgeState.PRINTED for r in regs)
    # The chunks' own PDFs are gone once merged: only the run's PDF is left.
    assert [f.key for f in jobs.runs_storage().list(jobs.run_pdf_prefix(job))] == [jobs.run_pdf_key(job)]
    return job


def test_a_run_split_into_chunks_prints_every_badge_once_in_order(people, db_session):
    conference, regs = people
    job = jobs.start_badge_run(conference, BadgeFilter(), chunk_size=3)
    db_session.commit()
    jobs.run_badge_job(job.id)  # without Redis: split, then every chunk and the merge in this process
    job = check_every_badge_once(db_session, job.id, regs)
    rows = db_session.scalars(select(BadgeRunChunk).where(BadgeRunChunk.job_id == job.id)
                              .order_by(BadgeRunChunk.number)).all()
    assert [(len(c.registration_ids), c.status, c.attempts) for c in rows] == [(3, "DONE", 1), (3, "DONE", 1),
                                                                              (1, "DONE", 1)]
    jobs.run_badge_job(job.id)  # delivered again by the queue: done already, nothing happens
    assert db_session.scalar(select(func.count()).select_from(Badge)) == len(regs)


def test_a_chunk_whose_worker_died_is_taken_again_with_the_serials_it_issued(people, db_session, monkeypatch):
    conference, regs = people
    for r in regs:  # printed once already: the run below reprints, so every badge gets a new serial, once
        services.issue_badge(r, actor="test")
    db_session.commit()
    job = jobs.start_badge_run(conference, BadgeFilter(), chunk_size=3, reprint=True)
    db_session.commit()
    with monkeypatch.context() as split_only:
        split_only.setattr(chunks, "dispatch", lambda job_id: None)
        jobs.run_badge_job(job.id)

    # A worker claims the first chunk, issues its badges, and dies before rendering it.
    chunk_id, dead = chunks.claim(job.id)
    chunk = db_session.get(BadgeRunChunk, chunk_id)
    job = db_session.get(Job, job.id)
    with services.in_language("en"):
        chunks._issue(job, chunk, job.params)
    db_session.commit()
    issued_by_the_dead = {r.id: r.badge_serial for r in regs if r.id in chunk.registration_ids}
    # While its lease runs, nobody takes that chunk; the other two are free.
    taken = []
    for _ in range(2):
        taken.append(chunks.claim(job.id))
        db_session.commit()
    assert chunks.claim(job.id) is None and chunk_id not in {t[0] for t in taken}
    for claimed in taken:
        chunks.release(*claimed)
    chunk.lease_until = utcnow() - timedelta(seconds=1)  # ... and now it has run out
    db_session.commit()

    chunks.dispatch(job.id)  # another worker (here, this process) takes every chunk left, then merges
    job = check_every_badge_once(db_session, job.id, regs, badges_each=2)  # the first print and one reprint
    assert {r.id: r.badge_serial for r in regs if r.id in issued_by_the_dead} == issued_by_the_dead
    db_session.expire_all()
    retaken = db_session.get(BadgeRunChunk, chunk_id)
    assert retaken.attempts == 2 and retaken.worker != dead
    # The dead worker coming back to life cannot finish the chunk a second time, nor count it twice.
    assert chunks.finish(job.id, chunk_id, dead, 3, None, []) is False
    db_session.expire_all()
    assert db_session.get(Job, job.id).done == len(regs)


def test_a_chunk_that_fails_fails_the_run_which_goes_on_from_its_chunks_when_started_again(people, app, db_session,
                                                                                            monkeypatch):
    conference, regs = people
    job = jobs.start_badge_run(conference, BadgeFilter(), chunk_size=3)
    db_session.commit()
    real = services.render_badges
    calls = []

    def fails_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "render_badges", fails_once)
    monkeypatch.setitem(app.config, "BADGE_RENDER_PROCESSES", 1)  # rendered in this process, where the patch is
    jobs.run_badge_job(job.id)
    db_session.expire_all()
    job = db_session.get(Job, job.id)
    assert job.status == JobStatus.FAILED and "disk full" in job.error
    states = [c.status for c in db_session.scalars(select(BadgeRunChunk).where(BadgeRunChunk.job_id == job.id)
                                                  .order_by(BadgeRunChunk.number))]
    assert states == ["DONE", "QUEUED", "QUEUED"]
    jobs.retry_badge_run(job)
    db_session.commit()
    jobs.run_badge_job(job.id)
    job = check_every_badge_once(db_session, job.id, regs)
    assert len(calls) == 4  # the chunk done was not rendered again


# --------------------------------------------------------------------------------------------------------------------
# Real workers on Redis


def _worker(env: dict, queue: str, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:  # what the worker said, for a failure to show
        # A session of its own: killing it kills RQ's scheduler, a child process, with it (a machine that dies).
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--queue", queue],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _database_url(app) -> str:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("connect_args", {}).get("options")
    if options:  # the test's own PostgreSQL schema, for the worker's connections too
        from urllib.parse import quote

        url = f"{url}?options={quote(options)}"
    return url


def test_two_workers_share_a_run_and_one_killed_holding_a_chunk_loses_nothing(people, app, db_session, tmp_path,
                                                                              monkeypatch):
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("Redis: TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/15)")
    from redis import Redis
    from rq import Queue, Worker

    conference, regs = people
    queue_name = f"plenary-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(core_jobs, "QUEUE", queue_name)
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    env = {**os.environ, "PLENARY_ENV": "testing", "SECRET_KEY": app.config["SECRET_KEY"],
           "DATABASE_URL": _database_url(app), "REDIS_URL": redis_url, "STORAGE_URL": app.config["STORAGE_URL"],
           "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"], "BADGE_CHUNK_LEASE_SECONDS": "2"}
    env.pop("BADGE_RUNS_FOLDER", None)
    connection = Redis.from_url(redis_url)
    workers = {p.pid: p for p in (_worker(env, queue_name, tmp_path / "worker-1.log"),
                                   _worker(env, queue_name, tmp_path / "worker-2.log"))}
    try:
        deadline = time.monotonic() + 120  # two applications start at once, on a busy machine too
        while len(Worker.all(queue=Queue(queue_name, connection=connection))) < 2:
            assert time.monotonic() < deadline, "the workers did not start"
            assert all(p.poll() is None for p in workers.values()), "a worker stopped"
            time.sleep(0.1)
        job = jobs.start_badge_run(conference, BadgeFilter(), chunk_size=1)
        db_session.commit()
        jobs.enqueue_badge_run(job.id)

        # Kill the first worker seen holding a chunk, while it holds it.
        victim = None
        while victim is None:
            assert time.monotonic() < deadline + 60, "no worker took a chunk"
            db_session.rollback()
            for holder in db_session.scalars(select(BadgeRunChunk.worker).where(
                    BadgeRunChunk.job_id == job.id, BadgeRunChunk.status == "RUNNING")):
                pid = int(holder.split(":")[1])
                if pid in workers:
                    os.killpg(pid, signal.SIGKILL)
                    victim = pid
                    break
            time.sleep(0.02)
        workers.pop(victim).wait()
        survivor = next(iter(workers))

        while True:
            db_session.rollback()
            status = db_session.get(Job, job.id).status
            if status in (JobStatus.DONE, JobStatus.FAILED):
                break
            logs = "".join(p.read_text()[-3000:] for p in tmp_path.glob("worker-*.log"))
            assert time.monotonic() < deadline + 120, f"the run is still {status}: {logs}"
            time.sleep(0.2)
        job = check_every_badge_once(db_session, job.id, regs)
        rows = db_session.scalars(select(BadgeRunChunk).where(BadgeRunChunk.job_id == job.id)).all()
        taken_again = [c for c in rows if c.attempts == 2]
        # The chunk the victim held was taken again, by the survivor; every other chunk was rendered once.
        assert len(taken_again) == 1 and f":{survivor}:" in taken_again[0].worker
        assert sorted(c.attempts for c in rows) == [1] * (len(rows) - 1) + [2]
    finally:
        for process in workers.values():
            os.killpg(process.pid, signal.SIGKILL)  # a warm shutdown would wait for a job that waits for a chunk
            process.wait()
        for key in connection.scan_iter(f"*{queue_name}*"):
            connection.delete(key)
