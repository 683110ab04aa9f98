"""A badge run through real RQ workers (`flask worker`), with 1 and then 2 workers, against bare WeasyPrint.

Run: .venv/bin/python bench/badge_workers.py [--participants 1400] [--workers 1,2] [--chunk-size 50[,100]] [--rounds 1]
        [--database postgresql+psycopg://postgres@127.0.0.1:5432/test] [--redis redis://127.0.0.1:6379/14]
        [--profile]

The demonstration session's badges (a distinct 700 x 900 JPEG photo each) are issued once beforehand, so every
measured run does the same work: a badge run started from the desk's service (`start_badge_run`), split into
chunks, taken by N workers started beforehand (their start-up is not timed), merged; the time is from the run's
start to its DONE. Then bare WeasyPrint renders the same badges as one document in this one process. With
`--profile`, one worker's work (the same run, chunks and merge in this process) and the bare run are profiled with
cProfile, and the time is split into: HTML/CSS layout, drawing, writing the PDF (font subsetting, images), the
database and storage, and the merge.

On PostgreSQL the run uses a schema of its own, dropped at the end. Prints the load average before and after:
figures taken on a busy machine say little.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _common import bare_badges, give_photos  # noqa: E402
from sqlalchemy import create_engine, select, text  # noqa: E402

from conference import create_app  # noqa: E402
from conference.badges import jobs, services  # noqa: E402
from conference.core import jobs as core_jobs  # noqa: E402
from conference.core.models import Job, JobStatus  # noqa: E402
from conference.demo.services import load_demo  # noqa: E402
from conference.extensions import db  # noqa: E402
from conference.registration.models import Modality, Registration  # noqa: E402


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process (its own, not its children's)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / os.sysconf("SC_CLK_TCK"), sum(values) / os.sysconf("SC_CLK_TCK")


def start_workers(n: int, env: dict, queue: str, redis_url: str) -> list[subprocess.Popen]:
    from redis import Redis
    from rq import Queue, Worker

    workers = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--queue", queue],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)  # killed with RQ's scheduler, its child
               for _ in range(n)]
    connection = Redis.from_url(redis_url)
    q = Queue(queue, connection=connection)
    q.empty()  # what a killed run left on the queue (its idle work_on_run calls, its watch) is not this run's work
    while len(Worker.all(queue=q)) < n:
        if any(w.poll() is not None for w in workers):
            raise SystemExit("a worker stopped at start")
        time.sleep(0.1)
    # Warm each worker as a long-running one is: the badge modules (WeasyPrint, fonts) imported by a call that finds
    # no run to work on, so that the clock measures rendering, not a fresh process's first imports.
    for _ in range(n):
        q.enqueue("conference.badges.chunks.watch_run", 0)
    while q.count or any(w.get_state() == "busy" for w in Worker.all(queue=q)):
        time.sleep(0.1)
    return workers


def measure(app, conference_id: int, chunk_size: int, n: int, env: dict, queue: str, redis_url: str,
            badges: int) -> float:
    """One badge run by `n` workers started beforehand: prints its figures, returns badges per second."""
    workers = start_workers(n, env, queue, redis_url)
    try:
        cpu_before, busy_before = [cpu_seconds(w.pid) for w in workers], machine_busy()
        elapsed, job = timed_run(app, conference_id, chunk_size)
        rss = [peak_rss_mb(w.pid) for w in workers]
        cpu = [cpu_seconds(w.pid) - b for w, b in zip(workers, cpu_before, strict=True)]
        busy = [a - b for a, b in zip(machine_busy(), busy_before, strict=True)]
    finally:
        for w in workers:
            os.killpg(w.pid, signal.SIGKILL)
            w.wait()
    size_mb = jobs.runs_storage().size(jobs.run_pdf_key(job)) / 1e6
    print(f"    CPU seconds of the workers: {', '.join(f'{c:.1f}' for c in cpu)}; the machine was busy {busy[0]:.1f} "
          f"of {busy[1]:.1f} core-seconds (everything else: {busy[0] - sum(cpu):.1f})")
    print(f"  {n} worker(s), chunks of {chunk_size}: {elapsed:.1f} s, {badges / elapsed:.1f} badges/s, PDF "
          f"{size_mb:.1f} MB, peak RSS per worker {', '.join(f'{r:.0f}' for r in rss)} MB; load after: {load()}")
    return badges / elapsed


def timed_run(app, conference_id: int, chunk_size: int) -> tuple[float, Job]:
    from conference.conferences.models import Conference

    conference = db.session.get(Conference, conference_id)
    started = time.perf_counter()
    job = jobs.start_badge_run(conference, services.BadgeFilter(), chunk_size=chunk_size)
    db.session.commit()
    jobs.enqueue_badge_run(job.id)
    while True:
        db.session.rollback()
        job = db.session.get(Job, job.id)
        db.session.refresh(job)
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            break
        time.sleep(0.25)  # a light poll: this process shares the cores with the workers
    elapsed = time.perf_counter() - started
    if job.status != JobStatus.DONE:
        raise SystemExit(f"run failed: {job.error}")
    timeline(job)
    return elapsed, job


def timeline(job: Job) -> None:
    """Who rendered which chunk and when (seconds from the run's start): two workers that do not overlap, a gap
    before the first chunk or a long merge show here."""
    from conference.badges.models import BadgeRunChunk

    chunks = db.session.scalars(select(BadgeRunChunk).where(BadgeRunChunk.job_id == job.id)
                                .order_by(BadgeRunChunk.finished_at)).all()
    start = job.started_at or job.created_at
    by_worker: dict[str, list[float]] = {}
    for chunk in chunks:
        pid = chunk.worker.split(":")[1] if chunk.worker else "?"
        by_worker.setdefault(pid, []).append((chunk.finished_at - start).total_seconds())
    for pid, times in by_worker.items():
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        print(f"    worker pid {pid}: {len(times)} chunks, first done at {times[0]:.1f} s, last at {times[-1]:.1f} s, "
              f"{(sum(gaps) / len(gaps)) if gaps else 0:.1f} s a chunk; attempts "
              f"{sum(c.attempts for c in chunks if c.worker and c.worker.split(':')[1] == pid)}")
    last = max(c.finished_at for c in chunks)
    print(f"    merge: {(job.finished_at - last).total_seconds():.1f} s after the last chunk; run "
          f"{(job.finished_at - start).total_seconds():.1f} s from started_at, started "
          f"{(start - job.created_at).total_seconds():.1f} s after created")


def bare(badges: list[dict], conference_data: dict, size: str, target: Path) -> None:
    from conference.registration.uploads import upload_storage

    bare_badges(badges, conference_data, size, upload_storage(), target)


# Where the time of a badge run goes: (label, file suffix, function name), each the cumulative time of that function.
PHASES = [
    ("Jinja template and QR codes", "conference/badges/rendering.py", "badges_html"),
    ("photos read from storage", "conference/badges/rendering.py", "with_photos"),
    ("issuing serials (database)", "conference/badges/services.py", "prepare_badges"),
    ("WeasyPrint: parse, cascade, layout", "weasyprint/document.py", "_render"),
    ("  images fetched and decoded", "weasyprint/images.py", "get_image_from_uri"),
    ("WeasyPrint: write the PDF", "weasyprint/document.py", "write_pdf"),
    ("  drawing the pages", "weasyprint/draw/__init__.py", "draw_page"),
    ("  fonts embedded (subsetting)", "weasyprint/pdf/fonts.py", "build_fonts_dictionary"),
    ("  images embedded", "weasyprint/images.py", "get_x_object"),
    ("chunk PDFs to storage", "conference/core/storage.py", "put"),
    ("merge of the chunks", "conference/core/pdf.py", "merge_pdfs"),
]


def phases(profile: cProfile.Profile) -> list[tuple[str, float]]:
    stats = pstats.Stats(profile).stats
    out = [("total", max(ct for (_cc, _nc, _tt, ct, _callers) in stats.values()))]
    for label, path, name in PHASES:
        out.append((label, sum(ct for (file, _line, fn), (_cc, _nc, _tt, ct, _callers) in stats.items()
                               if file.endswith(path) and fn == name)))
    return out


def print_profile(title: str, profile: cProfile.Profile, top: int) -> None:
    print(f"\n--- {title}: where the time goes (cumulative seconds under cProfile)")
    for label, seconds in phases(profile):
        print(f"  {label:<34} {seconds:7.2f}")
    stream = io.StringIO()
    pstats.Stats(profile, stream=stream).sort_stats("tottime").print_stats(top)
    print("  own time, the heaviest functions:")
    print("\n".join("  " + line for line in stream.getvalue().splitlines()[6:6 + top + 3]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=1400)
    parser.add_argument("--workers", default="1,2", help="worker counts to measure, in order")
    parser.add_argument("--badges", type=int, default=None, help="print only the first N (a quick check)")
    parser.add_argument("--chunk-size", default=str(services.CHUNK_SIZE), help="chunk sizes to measure, in order")
    parser.add_argument("--rounds", type=int, default=1, help="measure every chunk size and worker count this often, "
                        "alternating: on a shared machine one round says little")
    parser.add_argument("--size", choices=services.SIZES, default="a6")
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="a PostgreSQL URL (a schema of its own is used); default: a SQLite file")
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--no-bare", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="plenary-bench-workers-"))
    schema = None
    if args.database:
        schema = f"bench_badges_{os.getpid()}"
        with create_engine(args.database).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        database = f"{args.database}?options={quote(f'-csearch_path={schema}')}"
    else:
        database = f"sqlite:///{work}/bench.db"
    queue = f"plenary-bench-{uuid.uuid4().hex[:8]}"
    core_jobs.QUEUE = queue
    env = {**os.environ, "PLENARY_ENV": "testing", "SECRET_KEY": "bench-" + "x" * 40, "DATABASE_URL": database,
           "REDIS_URL": args.redis, "STORAGE_URL": f"file://{work}/store", "UPLOAD_FOLDER": str(work / "uploads"),
           "BADGE_CHUNK_LEASE_SECONDS": "60"}
    app = create_app({"PLENARY_ENV": "testing", "DATABASE_URL": database, "SECRET_KEY": env["SECRET_KEY"],
                      "REDIS_URL": args.redis, "STORAGE_URL": env["STORAGE_URL"],
                      "UPLOAD_FOLDER": env["UPLOAD_FOLDER"]})
    app.config["SECRET_KEY"] = env["SECRET_KEY"]  # the workers sign the badges' codes with the same key
    try:
        with app.app_context():
            db.create_all()
            conference, _ = load_demo(args.participants)
            db.session.commit()
            ids = services.select_registrations(conference, services.BadgeFilter())
            if args.badges:  # the others are set aside: online, so no run prints them
                left_out = select(Registration).where(Registration.id.in_(ids[args.badges:]))
                for registration in db.session.scalars(left_out):
                    registration.modality = Modality.ONLINE_OBSERVER
                ids = ids[:args.badges]
            give_photos(db.session.scalars(select(Registration).where(Registration.id.in_(ids))), work / "uploads")
            db.session.commit()
            # Issued once here, so that every measured run prints the same serials and does the same work.
            badges = services.prepare_badges(conference, ids, actor="bench")
            conference_data = services.conference_data(conference, "en")
            db.session.commit()
            conference_id = conference.id
            print(f"badges: {len(badges)} ({args.size}, photos), CPU cores: "
                  f"{os.cpu_count()}, database: {'PostgreSQL' if schema else 'SQLite'}; load before: {load()}")

            throughput: dict[tuple[int, int], list[float]] = {}
            sizes = [int(x) for x in str(args.chunk_size).split(",") if x.strip()]
            counts = [int(x) for x in args.workers.split(",") if x.strip()]
            for round_ in range(1, args.rounds + 1):
                for size in sizes:
                    for n in counts:
                        print(f"round {round_}, chunks of {size}, {n} worker(s):")
                        rate = measure(app, conference_id, size, n, env, queue, args.redis, len(badges))
                        throughput.setdefault((size, n), []).append(rate)
            for size in sizes:
                if (size, 1) in throughput and (size, 2) in throughput:
                    ratios = [two / one for one, two in zip(throughput[size, 1], throughput[size, 2], strict=True)]
                    print(f"chunks of {size}: throughput 2 workers / 1 worker, each round: "
                          f"{', '.join(f'{r:.2f}' for r in ratios)} (aim: 1.8 or more)")

            if not args.no_bare:
                started, cpu = time.perf_counter(), time.process_time()
                bare(badges, conference_data, args.size, work / "bare.pdf")
                seconds = time.perf_counter() - started
                print(f"bare WeasyPrint, one process, one document: {seconds:.1f} s "
                      f"(CPU {time.process_time() - cpu:.1f} s), peak RSS of this process "
                      f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; load after: {load()}")
                for (size, n), rates in throughput.items():
                    print(f"  chunks of {size}, {n} worker(s) / bare, wall clock, each round: "
                          f"{', '.join(f'{len(badges) / rate / seconds:.2f}' for rate in rates)} (aim with 2: 0.6)")

            if args.profile:
                app.config["REDIS_URL"] = None  # one worker's work, in this process: chunks then merge
                app.config["BADGE_RENDER_PROCESSES"] = 1
                job = jobs.start_badge_run(db.session.get(type(conference), conference_id), services.BadgeFilter(),
                                           chunk_size=sizes[0])
                db.session.commit()
                profile = cProfile.Profile()
                started = time.perf_counter()
                profile.runcall(jobs.run_badge_job, job.id)
                print(f"\none worker's run, in this process under cProfile: {time.perf_counter() - started:.1f} s")
                print_profile(f"one worker (chunks of {sizes[0]}, then the merge)", profile, 15)
                profile = cProfile.Profile()
                started = time.perf_counter()
                profile.runcall(bare, badges, conference_data, args.size, work / "bare-profiled.pdf")
                print(f"\nbare run under cProfile: {time.perf_counter() - started:.1f} s")
                print_profile("bare WeasyPrint, one document", profile, 15)
    finally:
        from redis import Redis

        connection = Redis.from_url(args.redis)
        for key in connection.scan_iter(f"*{queue}*"):
            connection.delete(key)
        if schema:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            with create_engine(args.database).begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
