"""Time to render the demonstration session's badges: the project's parallel renderer against bare WeasyPrint.

Run: .venv/bin/python bench/badges.py [--participants 1400] [--size a6] [--no-photos] [--workers N]

Both render the same badges (same HTML, same stylesheet, same photos and QR codes) in the same run:
(1) `render_badge_run`: chunks across all CPU cores, fonts and stylesheet prepared once per worker, chunk PDFs
    concatenated; (2) bare WeasyPrint: the whole run as one HTML document, in this one process.
It prints both times, the ratio parallel/bare, and peak resident memory. The parallel run comes first, so the
parent's peak it reports is not inflated by the bare run.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import bare_badges, give_photos  # noqa: E402
from sqlalchemy import select  # noqa: E402

from conference import create_app  # noqa: E402
from conference.badges import services  # noqa: E402
from conference.core.storage import LocalStorage  # noqa: E402
from conference.demo.services import load_demo  # noqa: E402
from conference.extensions import db  # noqa: E402
from conference.registration.models import Registration  # noqa: E402


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports kB


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=1400)
    parser.add_argument("--size", choices=services.SIZES, default="a6")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--no-photos", action="store_true", help="print the placeholder instead of a photo each")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="plenary-bench-"))
    app = create_app({"PLENARY_ENV": "testing", "DATABASE_URL": f"sqlite:///{work}/bench.db",
                      "UPLOAD_FOLDER": str(work / "uploads")})
    with app.app_context():
        db.create_all()
        conference, _ = load_demo(args.participants)
        db.session.commit()
        ids = services.select_registrations(conference, services.BadgeFilter())
        if not args.no_photos:
            give_photos(db.session.scalars(select(Registration).where(Registration.id.in_(ids))), work / "uploads")
            db.session.commit()
        badges = services.prepare_badges(conference, ids, actor="bench")
        conference_data = services.conference_data(conference)
        db.session.commit()
    n = len(badges)
    cores = os.cpu_count()
    print(f"badges: {n} ({args.size}, {'photos' if not args.no_photos else 'placeholder'}), CPU cores: {cores}, "
          f"load average before: {os.getloadavg()[0]:.2f}")

    stats: dict = {}
    cpu_before = time.process_time()
    started = time.perf_counter()
    uploads = LocalStorage(work / "uploads")
    pages = services.render_badge_run(badges, conference_data, work / "parallel.pdf", size=args.size,
                                      workers=args.workers, stats=stats, uploads=uploads)
    parallel = time.perf_counter() - started
    parent_after_parallel = peak_mb(resource.RUSAGE_SELF)
    parallel_cpu = stats["worker_cpu_s"] + time.process_time() - cpu_before
    print(f"parallel renderer: {parallel:.1f} s for {pages} pages ({stats['workers']} workers, {stats['chunks']} "
          f"chunks of {services.CHUNK_SIZE}), {(work / 'parallel.pdf').stat().st_size / 1e6:.1f} MB; peak RSS: "
          f"parent {parent_after_parallel:.0f} MB, busiest worker {stats['worker_peak_rss_kb'] / 1024:.0f} MB; "
          f"CPU time {parallel_cpu:.1f} s (workers and parent)")

    cpu_before = time.process_time()
    started = time.perf_counter()
    bare_badges(badges, conference_data, args.size, uploads, work / "bare.pdf")
    bare = time.perf_counter() - started
    bare_cpu = time.process_time() - cpu_before
    print(f"bare WeasyPrint, one process, one document: {bare:.1f} s, "
          f"{(work / 'bare.pdf').stat().st_size / 1e6:.1f} MB; "
          f"peak RSS of this process {peak_mb(resource.RUSAGE_SELF):.0f} MB; CPU time {bare_cpu:.1f} s")
    print(f"ratio parallel/bare, wall clock: {parallel / bare:.2f} (aim: 0.6 or better on two cores); "
          f"CPU time: {parallel_cpu / bare_cpu:.2f}; load average after: {os.getloadavg()[0]:.2f}")
    print("(the wall-clock ratio can reach 1/cores only when the cores are free: compare the load average)")


if __name__ == "__main__":
    main()
