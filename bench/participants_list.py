"""The list of participants (PDF and spreadsheet) at 1,400 (the COP12 replay) and at 100,000 (the COP28-shaped session):
seconds, pages or rows, file size and peak resident memory of the process that made it (issue 18: bounded memory).

Run: .venv/bin/python bench/participants_list.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
     [--participants 100000] [--part-size 1500] [--skip-large]
Both sessions are built in a PostgreSQL schema of their own (dropped at the end); without --database-url, the 1,400
alone in a SQLite file. Each list is made in a fresh subprocess (`--measure`), so that each peak is its own: the peak
is the process's maximum resident set (`ru_maxrss`: Python, Flask, WeasyPrint and the fonts included), beside its
resident set just before the list was begun. The load average is printed before and after: the machine is shared.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from _common import scratch_app  # first: it puts the project on the path
from sqlalchemy import create_engine, select, text  # noqa: E402

from conference import create_app  # noqa: E402
from conference.conferences.models import Conference  # noqa: E402
from conference.extensions import db  # noqa: E402


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(database_url: str, code: str, fmt: str, part_size: int) -> dict:
    """Make one list in this process; its figures."""
    from pypdf import PdfReader

    from conference.core.i18n import force_locale
    from conference.participants_list import documents
    from conference.participants_list.services import plan

    app = create_app({"PLENARY_ENV": "testing", "DATABASE_URL": database_url})
    with app.app_context(), app.test_request_context(), tempfile.TemporaryDirectory() as folder:
        before = resident_mb()
        target = Path(folder) / f"list.{fmt}"
        steps = []
        started = time.perf_counter()
        lst = plan(db.session.scalar(select(Conference).where(Conference.code == code)))
        with force_locale("en"):
            write = documents.write_pdf if fmt == "pdf" else documents.write_xlsx
            count = write(lst, target, part_size=part_size, progress=lambda: steps.append(1))
        seconds = time.perf_counter() - started
        if fmt == "pdf":
            assert count == len(PdfReader(str(target)).pages)
        return {"code": code, "format": fmt, "people": lst.people, "seconds": seconds, "count": count,
                "parts": len(steps) // 2, "bytes": target.stat().st_size, "rss_before_mb": before,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def in_subprocess(database_url: str, code: str, fmt: str, part_size: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--measure", code, fmt, "--database-url", database_url,
                          "--part-size", str(part_size)], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", help="PostgreSQL (a schema of its own is used); default: a SQLite file")
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--part-size", type=int, default=None)
    parser.add_argument("--skip-large", action="store_true", help="the 1,400 alone")
    parser.add_argument("--measure", nargs=2, metavar=("CODE", "FORMAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    from conference.participants_list.services import PART_SIZE

    part_size = args.part_size or PART_SIZE
    if args.measure:
        print(json.dumps(measure(args.database_url, *args.measure, part_size)))
        return
    schema = None
    url = args.database_url
    if url:
        schema = f"bench_plist_{uuid.uuid4().hex[:8]}"
        with create_engine(args.database_url).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{args.database_url}?options={quote(f'-csearch_path={schema}')}"
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
          f"database: {'PostgreSQL' if schema else 'SQLite'}, part size {part_size}; load average: {load()}")
    try:
        with scratch_app(url):
            from conference.demo.large import load_large
            from conference.demo.services import load_demo

            cop12, _ = load_demo(1400)
            db.session.commit()
            codes = [cop12.code]
            if not args.skip_large:
                started = time.perf_counter()
                cop28, _ = load_large(args.participants)
                db.session.commit()
                print(f"cop28 built in {time.perf_counter() - started:.0f} s; load average: {load()}")
                codes.append(cop28.code)
            db.session.remove()
            for code in codes:
                for fmt in ("pdf", "xlsx"):
                    r = in_subprocess(url, code, fmt, part_size)
                    unit = "pages" if fmt == "pdf" else "rows"
                    print(f"{code} ({r['people']:,} people) {fmt.upper()}: {r['seconds']:.1f} s, {r['count']:,} "
                          f"{unit}, {r['parts']} parts, {r['bytes'] / 2**20:.1f} MB; resident {r['rss_before_mb']:.0f}"
                          f" MB before, peak {r['peak_mb']:.0f} MB; load average: {load()}", flush=True)
    finally:
        if schema:
            with create_engine(args.database_url).begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
