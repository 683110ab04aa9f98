"""Time to build the programme feed of 300 sessions, and the queries it takes, beside a trivial request.

Run: .venv/bin/python bench/feeds.py [--sessions 300] [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from _common import QueryCounter, scratch_app  # first: it puts the project on the path

from conference.conferences.models import Conference, Room
from conference.extensions import db
from conference.programme.models import Session, SessionKind, SessionStatus


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=300)
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with scratch_app(args.database_url) as app:
        c = Conference(code="bench", title="Benchmark session, with «quotes», commas; and semicolons",
                       short_title="BENCH", venue="Vienna International Centre", city="Vienna",
                       timezone="Europe/Vienna", starts_on=date(2024, 10, 14), ends_on=date(2024, 10, 18))
        db.session.add(c)
        db.session.flush()
        rooms = [Room(conference_id=c.id, slug=f"r{i}", name=f"Room {i}", capacity=100) for i in range(20)]
        db.session.add_all(rooms)
        db.session.flush()
        published = datetime(2024, 10, 1, tzinfo=UTC)
        for i in range(args.sessions):
            start = c.at_venue(c.starts_on + timedelta(days=i % 5), datetime.min.time()) + timedelta(hours=8 + i % 10)
            db.session.add(Session(conference_id=c.id, kind=SessionKind.SIDE_EVENT, room_id=rooms[i % 20].id,
                                   title=f"Side event {i}: Трафик, الجريمة, 犯罪; \"quoted\"",
                                   description="A description\nover two lines, with commas; and semicolons.",
                                   starts_at=start, ends_at=start + timedelta(minutes=90),
                                   status=SessionStatus.PUBLISHED, published_at=published))
        db.session.commit()
        client = app.test_client()
        feed_times, health_times, not_modified = [], [], []
        etag = None
        with QueryCounter() as queries:
            for _ in range(args.repeat):
                queries.reset()
                started = time.perf_counter()
                response = client.get("/bench/programme.ics")
                feed_times.append(time.perf_counter() - started)
                feed_queries, etag, size = queries.count, response.headers["ETag"], len(response.data)
                started = time.perf_counter()
                client.get("/healthz")
                health_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                assert client.get("/bench/programme.ics", headers={"If-None-Match": etag}).status_code == 304
                not_modified.append(time.perf_counter() - started)
        feed, health, cached = (statistics.median(t) * 1000 for t in (feed_times, health_times, not_modified))
        print(f"database: {db.engine.url.get_backend_name()}, sessions: {args.sessions}, feed size: {size:,} bytes")
        print(f"programme.ics: median {feed:.0f} ms ({feed_queries} queries); 304: {cached:.0f} ms; "
              f"/healthz in the same run: {health:.1f} ms; feed/healthz = {feed / health:.0f}x")


if __name__ == "__main__":
    main()
