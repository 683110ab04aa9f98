"""Where the time of the back office's pages goes, and of the public ones beside them: repeated requests in a test
client signed in as an admin, on the demonstration session, each page beside /healthz (asked by a visitor with no
cookie, as a load balancer does) in the same run, with the number of queries per page. `--delegation N` first grows
the largest State delegation to N people (a COP28-size delegation: 4,409 in Dubai).

Each request runs in a context of its own, as under gunicorn: its own application context, database session and
identity map (a request made inside the script's application context would reuse one session, and skip the
queries that load the user). Each page is timed twice: without the profiler (the median of `--repeat` requests,
interleaved with /healthz: the share is /healthz's time over the page's), then under cProfile for where the time goes.

Run: .venv/bin/python bench/profile_pages.py [--participants 1400] [--delegation 4400] [--repeat 20] [--top 20]
     [--page queue,delegation] (names below; all by default) [--sort tottime]
"""

from __future__ import annotations

import argparse
import contextvars
import cProfile
import datetime
import os
import pstats
import statistics
import time

from _common import QueryCounter, grow_delegation, scratch_app  # first: it puts the project on the path

from conference.accounts.models import Role
from conference.accounts.services import create_user
from conference.demo.services import load_demo
from conference.extensions import db

PASSWORD = "bench password 12345"


def alone(fn, *args, **kwargs):
    """`fn(*args, **kwargs)` in an empty context: no application context around it, as in a web process."""
    return contextvars.Context().run(fn, *args, **kwargs)


def token_of(page: str) -> str:
    return page.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=1400)
    parser.add_argument("--delegation", type=int, default=4400)
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--callers", help="print who calls the functions matching this")
    parser.add_argument("--sql", action="store_true", help="print each page's statements")
    parser.add_argument("--page", help="names of the pages to measure, separated by commas")
    args = parser.parse_args()
    with scratch_app(args.database_url) as app:
        app.config["PAGE_CACHE_SIZE"] = 256  # as in production (the tests' configuration keeps nothing)
        app.config["FEED_CACHE_SIZE"] = 256
        conference, _ = load_demo(args.participants)
        db.session.commit()
        d_id = grow_delegation(conference, args.delegation)
        create_user("bench@example.org", [Role.ADMIN], PASSWORD, actor="bench")
        db.session.commit()
        code = conference.code
        db.session.remove()
        client, visitor = app.test_client(), app.test_client()
        token = token_of(alone(client.get, "/login").get_data(as_text=True))
        assert alone(lambda: client.post("/login", data={"email": "bench@example.org", "password": PASSWORD,
                                                         "csrf_token": token}).status_code) in (200, 302)
        page_tag = alone(visitor.get, f"/{code}/programme").headers["ETag"]
        ics_tag = alone(visitor.get, f"/{code}/programme.ics").headers["ETag"]
        pages = {"programme": (visitor, f"/{code}/programme", {}),
                 "programme-304": (visitor, f"/{code}/programme", {"If-None-Match": page_tag}),
                 "ics-304": (visitor, f"/{code}/programme.ics", {"If-None-Match": ics_tag}),
                 "form": (visitor, f"/{code}/register/state", {}),
                 "queue": (client, f"/admin/{code}/registrations", {}),
                 "queue-filtered": (client, f"/admin/{code}/registrations?status=SUBMITTED&page=3", {}),
                 "delegation": (client, f"/admin/{code}/delegations/{d_id}", {}),
                 "delegation-20": (client, f"/admin/{code}/delegations/{d_id}?status=APPROVED&page=20", {})}
        wanted = set(args.page.split(",")) if args.page else set(pages)
        print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load average "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}, {db.engine.url.get_backend_name()}, "
              f"{args.participants} participants, a delegation of {args.delegation}")
        for name, (who, url, headers) in pages.items():
            if name not in wanted:
                continue
            expected = 304 if "If-None-Match" in headers else 200
            for _ in range(2):  # warm: templates, catalogues, caches
                assert alone(who.get, url, headers=headers).status_code == expected, url
            with QueryCounter() as queries:
                alone(who.get, url, headers=headers)
            page_times, health_times = [], []
            for _ in range(args.repeat):
                started = time.perf_counter()
                alone(visitor.get, "/healthz")
                health_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                alone(who.get, url, headers=headers)
                page_times.append(time.perf_counter() - started)
            took, health = statistics.median(page_times), statistics.median(health_times)
            profile = cProfile.Profile()
            started = time.perf_counter()
            profile.enable()
            for _ in range(args.repeat):
                alone(who.get, url, headers=headers)
            profile.disable()
            profiled = (time.perf_counter() - started) / args.repeat
            print(f"== {name}: {url}: {took * 1000:.2f} ms a page ({profiled * 1000:.1f} under the profiler), "
                  f"{queries.count} queries; /healthz {health * 1000:.2f} ms; share {health / took:.2f}")
            if args.sql:
                print("\n".join("   " + " ".join(q.split())[:160] for q in queries.statements))
            if args.top:
                stats = pstats.Stats(profile).sort_stats(args.sort)
                stats.print_stats(args.top)
                if args.callers:
                    stats.print_callers(args.callers)


if __name__ == "__main__":
    main()
