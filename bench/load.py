"""HTTP throughput and p99 latency of gunicorn (2 workers) on PostgreSQL with the demonstration data,
each page beside /healthz measured in the same run as the ceiling; then 200 simultaneous sign-ups for a
100-seat session.

Run by hand (needs wrk: apt-get install wrk; PostgreSQL and Redis on this machine):
    .venv/bin/python bench/load.py [--participants 1400] [--duration 10]
It works in a schema of its own in the PostgreSQL database and drops it at the end.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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
        delegation_id = grow(env, args.delegation)
        print(f"set up {args.participants} participants (one delegation of {args.delegation}) in "
              f"{time.perf_counter() - started:.0f} s")
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
        etag = urllib.request.urlopen(base + "/cop12/programme.ics").headers["ETag"]
        page_etag = urllib.request.urlopen(base + "/cop12/programme").headers["ETag"]
        office = {"Cookie": browser.cookie_header()}
        pages = [
            ("programme page", "/cop12/programme", {}),
            ("programme page, 304", "/cop12/programme", {"If-None-Match": page_etag}),
            ("programme.ics", "/cop12/programme.ics", {}),
            ("programme.ics, 304", "/cop12/programme.ics", {"If-None-Match": etag}),
            ("registration form", "/cop12/register/state", {}),
            ("back-office list", "/admin/cop12/registrations", office),
            ("back-office list, filtered", "/admin/cop12/registrations?status=SUBMITTED&page=3", office),
            (f"delegation of {args.delegation}", f"/admin/cop12/delegations/{delegation_id}", office),
            ("delegation, page 20", f"/admin/cop12/delegations/{delegation_id}?status=APPROVED&page=20", office),
        ]
        if args.only:
            pages = [p for p in pages if args.only in p[0]]
        print(f"\ngunicorn, 2 workers x 2 threads, PostgreSQL, {args.participants} participants, wrk -t2 -c16 "
              f"-d{args.duration}s")
        print(f"{'page':<22}{'req/s':>9}{'p99 ms':>9}{'healthz req/s':>15}{'share of ceiling':>18}")
        for name, path, headers in pages:
            ceiling, _ = wrk(base + "/healthz", args.duration, {})
            rps, p99 = wrk(base + path, args.duration, headers)
            print(f"{name:<22}{rps:>9.0f}{p99:>9.1f}{ceiling:>15.0f}{rps / ceiling:>17.0%}")
        if not args.only:
            sign_ups(base, env)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        shutil.rmtree(f"/tmp/{schema}", ignore_errors=True)
        shutil.rmtree(f"/tmp/{schema}-outbox", ignore_errors=True)


def grow(env: dict, size: int) -> int:
    """The largest State delegation of the demonstration grown to `size` people; its id."""
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "PLENARY_ENV", "SECRET_KEY")})
    sys.path.insert(0, str(ROOT / "bench"))
    from _common import grow_delegation

    from conference import create_app
    from conference.conferences.services import get_conference
    from conference.extensions import db

    app = create_app()
    with app.app_context():
        delegation_id = grow_delegation(get_conference("cop12"), size)
        db.engine.dispose()
    return delegation_id


def sign_ups(base: str, env: dict) -> None:
    """200 participants sign up at the same moment for a 100-seat session, through their private links."""
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "PLENARY_ENV", "SECRET_KEY")})
    from sqlalchemy import func, select

    from conference import create_app
    from conference.conferences.models import Room
    from conference.extensions import db
    from conference.programme import services
    from conference.programme.models import SessionKind, SessionSignup, SignupStatus
    from conference.registration.models import Registration, RegistrationStatus

    app = create_app()
    with app.app_context():
        from conference.conferences.services import get_conference

        c = get_conference("cop12")
        room = db.session.scalar(select(Room).where(Room.conference_id == c.id, Room.slug == "boardroom-d"))
        s = services.create_session(c, SessionKind.BRIEFING, "Bench: 100 seats", actor="bench",
                                    expected_attendance=100)
        from datetime import time as clock

        services.schedule(s, room, c.at_venue(c.ends_on, clock(18, 15)), c.at_venue(c.ends_on, clock(19, 45)),
                          actor="bench")
        services.review(s, "publish", actor="bench")
        s.capacity = 100
        db.session.commit()
        session_id = s.id
        tokens = db.session.scalars(select(Registration.status_token).where(
            Registration.conference_id == c.id, Registration.status == RegistrationStatus.APPROVED)
            .order_by(Registration.id).limit(200)).all()

    clients = [Client(base) for _ in tokens]
    pages = [f"/cop12/registration/{t}/programme" for t in tokens]
    tokens_csrf = []
    for client, page in zip(clients, pages, strict=True):
        html = client.get(page)
        tokens_csrf.append(re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1))
    barrier = threading.Barrier(len(tokens))
    codes = []

    def go(client, token, csrf):
        barrier.wait()
        request = urllib.request.Request(f"{base}/cop12/registration/{token}/sessions/{session_id}/signup",
                                         data=urllib.parse.urlencode({"csrf_token": csrf}).encode())
        try:
            with client.opener.open(request, timeout=120) as response:
                codes.append(response.status)
        except urllib.error.HTTPError as exc:
            codes.append(exc.code)

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
    print(f"\n200 simultaneous sign-ups for 100 seats: {confirmed} confirmed, {waiting} on the waiting list, "
          f"in {elapsed:.1f} s; answers {sorted(set(codes))}")


if __name__ == "__main__":
    main()
