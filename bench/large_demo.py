"""Building the COP28-shaped session (`demo --participants 100000`): time, peak memory, the machine's load; then its
statistics (JSON figures and PDF report) with their queries counted.

Run: .venv/bin/python bench/large_demo.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/plenary_big
     [--participants 100000] [--skip-pdf]
The database must exist (createdb plenary_big); its tables are dropped and rebuilt, and dropped again at the end.
Peak memory is the process's maximum resident set (the application and its imports included), as `/usr/bin/time -v`
reports it; the load average is read before and after, because the machine is shared.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import time

from _common import QueryCounter, scratch_app  # first: it puts the project on the path

from conference.demo.large import BATCH, load_large
from conference.extensions import db
from conference.statistics.services import compute


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--skip-pdf", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with scratch_app(args.database_url) as app:
        before = peak_mb()
        started = time.perf_counter()
        conference, _ = load_large(args.participants)
        load = time.perf_counter() - started
        after = peak_mb()
        load_after = os.getloadavg()

        with QueryCounter() as queries:
            started = time.perf_counter()
            figures = compute(conference)
            stats = time.perf_counter() - started
        pdf_line = ""
        if not args.skip_pdf:
            from conference.statistics.report import render

            with app.test_request_context(), QueryCounter() as pdf_queries:
                started = time.perf_counter()
                pdf = render(conference, figures)
                pdf_line = (f"\nstatistics PDF: {time.perf_counter() - started:.2f} s, {pdf_queries.count} queries, "
                            f"{len(pdf) // 1024} kB")
        print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
              f"database: {db.engine.url.get_backend_name()}")
        print(f"load average before: {' '.join(f'{x:.1f}' for x in load_before)}; "
              f"after the build: {' '.join(f'{x:.1f}' for x in load_after)}")
        print(f"cop28 with {figures['participants']:,} participants ({figures['attended']:,} attended): "
              f"built in {load:.1f} s, batches of {BATCH:,}")
        print(f"peak resident memory: {before:.0f} MB before the build, {after:.0f} MB after")
        print(f"statistics JSON: {stats:.2f} s, {queries.count} queries{pdf_line}")


if __name__ == "__main__":
    main()
