"""Where the time of the back office's pages goes, and of the public ones beside them: cProfile over repeated
requests in a test client signed in as an admin, on the demonstration session, each page beside /healthz in the same
run, with the number of queries per page. `--delegation N` first grows the largest State delegation to N people (a
COP28-size delegation: 4,409 in Dubai).

Run: .venv/bin/python bench/profile_pages.py [--participants 1400] [--delegation 4400] [--repeat 20] [--top 20]
     [--page queue] (one of the names below; all by default)
"""

from __future__ import annotations

import argparse
import pstats

from _common import grow_delegation, profile_page, scratch_app  # first: it puts the project on the path

from conference.accounts.models import Role
from conference.accounts.services import create_user
from conference.demo.services import load_demo
from conference.extensions import db

PASSWORD = "bench password 12345"
def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=1400)
    parser.add_argument("--delegation", type=int, default=4400)
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--page")
    args = parser.parse_args()
    with scratch_app(args.database_url) as app:
        app.config["PAGE_CACHE_SIZE"] = 256  # as in production (the tests' configuration keeps nothing)
        conference, _ = load_demo(args.participants)
        db.session.commit()
        d_id = grow_delegation(conference, args.delegation)
        create_user("bench@example.org", [Role.ADMIN], PASSWORD, actor="bench")
        db.session.commit()
        code = conference.code
        pages = {"programme": f"/{code}/programme", "form": f"/{code}/register/state",
                 "queue": f"/admin/{code}/registrations", "queue-filtered":
                 f"/admin/{code}/registrations?status=SUBMITTED&page=3",
                 "delegation": f"/admin/{code}/delegations/{d_id}"}
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
        assert client.post("/login", data={"email": "bench@example.org", "password": PASSWORD,
                                           "csrf_token": token}).status_code in (200, 302)
        for name, url in pages.items():
            if args.page and name != args.page:
                continue
            run = profile_page(client, url, args.repeat)
            print(f"\n== {name}: {url}: {run.seconds * 1000:.1f} ms a page under the profiler, {run.queries} queries; "
                  f"/healthz {run.health * 1000:.2f} ms; share {run.health / run.seconds:.3f}")
            if args.top:
                pstats.Stats(run.profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
