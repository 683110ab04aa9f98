"""HTTP throughput and p99 latency of gunicorn (2 workers) on PostgreSQL with the demonstration data,
each page beside /healthz measured in the same run as the ceiling; then 200 simultaneous sign-ups for a
100-seat session.

Run by hand (needs wrk: apt-get install wrk; PostgreSQL and Redis on this machine):
    .venv/bin/python bench/load.py [--participants 1400] [--duration 10]
It works in a schema of its own in the PostgreSQL database and drops it at the end. Up to 20,000 participants it
measures the COP12 replay (cop12) with its largest State delegation grown to `--delegation` people; above, the
COP28-shaped session (cop28, `flask demo --participants 100000`: about 3 minutes on PostgreSQL), whose largest
delegation (4.41 % of the participants, some 4,400 at 100,000) is the delegation measured.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conference.demo.large import CODE as LARGE_CODE  # noqa: E402
from conference.demo.large import LARGE_FROM  # noqa: E402

PASSWORD = "bench password 12345"


def run(args, env, **kw):
    return subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=True, text=True, **kw)


def wrk(url: str, duration: int, headers: dict[str, str]) -> tuple[float, float]:
    """Requests per second and p99 latency (ms) from wrk on loopback."""
    args = ["wrk", "-t2", "-c16", f"-d{duration}s", "--latency", url]
    for name, value in headers.items():
        args[1:1] = ["-H", f"{name}: {value}"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    value, unit = float(p99.group(1)), p99.group(2)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        print(f"  ({url}: {non2xx.group(1)} answers were not 2xx/3xx)")
    return rps, value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


class Client:
    """A tiny browser: cookies, and the CSRF token of the last page."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.read().decode()

    def post(self, path: str, data: dict, token_from: str) -> int:
        page = self.get(token_from)
        data = {**data, "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)}
        request = urllib.request.Request(self.base + path, data=urllib.parse.urlencode(data).encode())
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=1400)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--delegation", type=int, default=4400,
                        help="grow the largest State delegation to this many people (COP28 had one of 4,409)")
    parser.add_argument("--only", help="measure only the pages whose name contains this")
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench/load.py needs wrk (apt-get install wrk)")

    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.database_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{args.database_url}?options=-csearch_path%3D{schema}"
    # Development, not production: plain http on loopback, where secure-only cookies would not come back.
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": args.redis_url, "PLENARY_ENV": "development",
           "SECRET_KEY": "bench-" + "x" * 40, "PUBLIC_URL": f"http://127.0.0.1:{args.port}",
           "UPLOAD_FOLDER": f"/tmp/{schema}", "MAIL_OUTBOX": f"/tmp/{schema}-outbox"}
    flask = [str(ROOT / ".venv/bin/flask"), "--app", "wsgi"]
    server = None
    try:
        started = time.perf_counter()
        run(flask + ["db", "upgrade"], env)
        run(flask + ["demo", "--participants", str(args.participants)], env)
        run(flask + ["users", "create", "bench@example.org", "--role", "admin", "--password-stdin"], env,
            input=PASSWORD + "\n")
        code = LARGE_CODE if args.participants > LARGE_FROM else "cop12"
        delegation_id, size = grow(env, code, args.delegation if code == "cop12" else 0)
        print(f"set up {code} with {args.participants} participants (one delegation of {size}) in "
              f"{time.perf_counter() - started:.0f} s; load average {load()}")
        server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "--threads", "2", "-k", "gthread",
                                   "-b", f"127.0.0.1:{args.port}", "--log-level", "warning", "wsgi:app"],
                                  cwd=ROOT, env=env)
        base = f"http://127.0.0.1:{args.port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        browser = Client(base)
        assert browser.post("/login", {"email": "bench@example.org", "password": PASSWORD}, "/login") == 200
        etag = urllib.request.urlopen(f"{base}/{code}/programme.ics").headers["ETag"]
        page_etag = urllib.request.urlopen(f"{base}/{code}/programme").headers["ETag"]
        for url, tag in ((f"{base}/{code}/programme.ics", etag), (f"{base}/{code}/programme", page_etag)):
            try:  # a 304 is what the lines below measure: make sure it is one
                urllib.request.urlopen(urllib.request.Request(url, headers={"If-None-Match": tag}))
                sys.exit(f"{url} did not answer 304 to its own ETag")
            except urllib.error.HTTPError as exc:
                assert exc.code == 304, (url, exc.code)
        office = {"Cookie": browser.cookie_header()}
        pages = [
            ("programme page", f"/{code}/programme", {}),
            ("programme page, 304", f"/{code}/programme", {"If-None-Match": page_etag}),
            ("programme.ics", f"/{code}/programme.ics", {}),
            ("programme.ics, 304", f"/{code}/programme.ics", {"If-None-Match": etag}),
            ("registration form", f"/{code}/register/state", {}),
            ("back-office list", f"/admin/{code}/registrations", office),
            ("back-office list, filtered", f"/admin/{code}/registrations?status=SUBMITTED&page=3", office),
            (f"delegation of {size}", f"/admin/{code}/delegations/{delegation_id}", office),
            ("delegation, page 20", f"/admin/{code}/delegations/{delegation_id}?status=APPROVED&page=20", office),
        ]
        if args.only:
            pages = [p for p in pages if args.only in p[0]]
        print(f"\ngunicorn, 2 workers x 2 threads, PostgreSQL, {code}, {args.participants} participants, wrk -t2 "
              f"-c16 -d{args.duration}s; load average {load()}")
        print(f"{'page':<22}{'req/s':>9}{'p99 ms':>9}{'healthz req/s':>15}{'share of ceiling':>18}")
        for name, path, headers in pages:
            ceiling, _ = wrk(base + "/healthz", args.duration, {})
            rps, p99 = wrk(base + path, args.duration, headers)
            print(f"{name:<22}{rps:>9.0f}{p99:>9.1f}{ceiling:>15.0f}{rps / ceiling:>17.0%}")
        print(f"load average {load()}")
        if not args.only:
            sign_ups(base, env, code)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        shutil.rmtree(f"/tmp/{schema}", ignore_errors=True)
        shutil.rmtree(f"/tmp/{schema}-outbox", ignore_errors=True)


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def grow(env: dict, code: str, size: int) -> tuple[int, int]:
    """The largest State delegation of the session grown to `size` people (none added when it has them); its id and
    its number of people."""
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "PLENARY_ENV", "SECRET_KEY")})
    sys.path.insert(0, str(ROOT / "bench"))
    from _common import grow_delegation
    from sqlalchemy import func, select

    from conference import create_app
    from conference.conferences.services import get_conference
    from conference.extensions import db
    from conference.registration.models import Registration

    app = create_app()
    with app.app_context():
        conference = get_conference(code)
        delegation_id = grow_delegation(conference, size)
        people = db.session.scalar(select(func.count()).select_from(Registration).where(
            Registration.delegation_id == delegation_id))
        db.engine.dispose()
    return delegation_id, people


def sign_ups(base: str, env: dict, code: str) -> None:
    """200 participants sign up at the same moment for a 100-seat session, through their private links. Each answer
    is told apart: the page a sign-up lands on says what happened (a seat, the waiting list, or a refusal and why),
    and a request that got no answer at all (a time-out, a reset connection) is counted as such, not left out."""
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "PLENARY_ENV", "SECRET_KEY")})
    from datetime import time as clock

    from sqlalchemy import func, select

    from conference import create_app
    from conference.conferences.models import Room
    from conference.conferences.services import get_conference
    from conference.core.errors import RuleViolation
    from conference.extensions import db
    from conference.programme import services
    from conference.programme.models import Session, SessionKind, SessionSignup, SignupStatus
    from conference.registration.models import Registration, RegistrationStatus

    app = create_app()
    with app.app_context():
        c = get_conference(code)
        rooms = db.session.scalars(select(Room).where(Room.conference_id == c.id)
                                   .order_by((Room.slug == "boardroom-d").desc(), Room.id)).all()
        s = services.create_session(c, SessionKind.BRIEFING, "Bench: 100 seats", actor="bench",
                                    expected_attendance=100)
        for room in rooms:  # the first room free at that hour
            try:
                with db.session.begin_nested():
                    services.schedule(s, room, c.at_venue(c.ends_on, clock(18, 15)),
                                      c.at_venue(c.ends_on, clock(19, 45)), actor="bench")
                break
            except RuleViolation:
                continue
        services.review(s, "publish", actor="bench")
        s.capacity = 100
        db.session.commit()
        session_id = s.id
        # People free at that hour: one who holds a seat elsewhere then is refused while seats are left ("You already
        # hold a seat at ..."), answered by a redirect to their agenda like a seat; earlier runs counted those as
        # neither confirmed nor waiting (81-88 on the waiting list, every answer 200).
        busy = (select(SessionSignup.registration_id).join(Session, Session.id == SessionSignup.session_id)
                .where(SessionSignup.status == SignupStatus.CONFIRMED, Session.starts_at < s.ends_at,
                       Session.ends_at > s.starts_at, Session.id != s.id))
        tokens = db.session.scalars(select(Registration.status_token).where(
            Registration.conference_id == c.id, Registration.status == RegistrationStatus.APPROVED,
            Registration.id.not_in(busy)).order_by(Registration.id).limit(200)).all()

    clients = [Client(base) for _ in tokens]
    pages = [f"/{code}/registration/{t}/programme" for t in tokens]
    tokens_csrf = []
    for client, page in zip(clients, pages, strict=True):
        html = client.get(page)
        tokens_csrf.append(re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1))
    barrier = threading.Barrier(len(tokens))
    outcomes: list[str] = []

    def go(client, token, csrf):
        barrier.wait()
        request = urllib.request.Request(f"{base}/{code}/registration/{token}/sessions/{session_id}/signup",
                                         data=urllib.parse.urlencode({"csrf_token": csrf}).encode())
        try:
            with client.opener.open(request, timeout=300) as response:  # the redirect followed to the agenda
                page = response.read().decode()
                flash = re.search(r'class="flash flash-(\w+)">([^<]*)', page)
                outcomes.append(f"{response.status} {flash.group(1)}: {flash.group(2)[:70]}" if flash else
                                f"{response.status}, no message")
        except urllib.error.HTTPError as exc:
            outcomes.append(f"{exc.code}")
        except Exception as exc:  # no answer at all: counted, never lost with its thread
            outcomes.append(f"no answer: {type(exc).__name__}: {exc}"[:100])

    work = zip(clients, tokens, tokens_csrf, strict=True)
    threads = [threading.Thread(target=go, args=(cl, t, cs)) for cl, t, cs in work]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    with app.app_context():
        counts = dict(db.session.execute(select(SessionSignup.status, func.count())
                                         .where(SessionSignup.session_id == session_id)
                                         .group_by(SessionSignup.status)).all())
        db.engine.dispose()
    confirmed, waiting = counts.get(SignupStatus.CONFIRMED, 0), counts.get(SignupStatus.WAITLISTED, 0)
    print(f"\n{len(tokens)} simultaneous sign-ups for 100 seats: {confirmed} confirmed, {waiting} on the waiting "
          f"list, in {elapsed:.1f} s; {len(outcomes)} answers:")
    for outcome, n in Counter(re.sub(r"“[^”]*”", "“…”", o) for o in outcomes).most_common():
        print(f"  {n:>4}  {outcome}")


if __name__ == "__main__":
    main()
