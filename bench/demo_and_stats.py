"""Time to load the demonstration session and to compute its statistics, with the number of SQL queries.

Run: .venv/bin/python bench/demo_and_stats.py [--participants 1400] [--database-url URL]
Uses a fresh SQLite file by default; with --database-url the tables there are dropped and rebuilt.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _common import QueryCounter, scratch_app  # first: it puts the project on the path

from conference.demo.services import load_demo
from conference.extensions import db
from conference.statistics.services import compute


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=1400)
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with scratch_app(args.database_url) as app:
        started = time.perf_counter()
        conference, _ = load_demo(args.participants)
        db.session.commit()
        load = time.perf_counter() - started

        timings = []
        with QueryCounter() as queries:
            for _ in range(args.repeat):
                queries.reset()
                started = time.perf_counter()
                figures = compute(conference)
                timings.append(time.perf_counter() - started)
        from conference.statistics.report import render

        with app.test_request_context():
            started = time.perf_counter()
            pdf = render(conference, figures)
            first_pdf = time.perf_counter() - started
            started = time.perf_counter()
            render(conference, figures)
            second_pdf = time.perf_counter() - started
        # Baseline in the same run: one trivial query, to read the figures against.
        started = time.perf_counter()
        for _ in range(args.repeat):
            db.session.execute(db.text("SELECT 1"))
        baseline = (time.perf_counter() - started) / args.repeat
        print(f"database: {db.engine.url.get_backend_name()}, participants: {figures['participants']}")
        print(f"demo load: {load:.2f} s")
        print(f"statistics: median {statistics.median(timings) * 1000:.1f} ms over {args.repeat} runs, "
              f"{queries.count} queries (SELECT 1 takes {baseline * 1000:.2f} ms here)")
        print(f"PDF report: {first_pdf:.2f} s the first time (fonts loaded), {second_pdf:.2f} s the next, "
              f"{len(pdf) // 1024} kB")


if __name__ == "__main__":
    main()
