"""What the benchmark scripts share: an application on a scratch database, a count of SQL queries, and a page's
profile beside /healthz."""

from __future__ import annotations

import contextlib
import cProfile
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, insert, select  # noqa: E402

from conference import create_app  # noqa: E402
from conference.core.db import utcnow  # noqa: E402
from conference.extensions import db  # noqa: E402
from conference.registration.models import (  # noqa: E402
    Delegation,
    DelegationRole,
    EntityType,
    Gender,
    ParticipatingEntity,
    Registration,
    RegistrationStatus,
)


@contextlib.contextmanager
def scratch_app(database_url: str | None):
    """The application, in its context, on empty tables: a fresh SQLite file by default; with a URL, the tables there
    are dropped and rebuilt, and dropped again at the end."""
    url = database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app({"PLENARY_ENV": "testing", "DATABASE_URL": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        try:
            yield app
        finally:
            db.session.remove()  # end the open transaction, or PostgreSQL's DROP waits for it
            db.drop_all()
            db.engine.dispose()


class QueryCounter:
    """Counts the statements sent to the database while it is open (`with QueryCounter() as q: ...; q.count`);
    `reset()` starts again from zero."""

    def __init__(self):
        self.count = 0
        self.statements: list[str] = []

    def _seen(self, _conn, _cursor, statement, *_):
        self.count += 1
        self.statements.append(statement)

    def reset(self) -> None:
        self.count = 0
        self.statements = []

    def __enter__(self) -> QueryCounter:
        event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(db.engine, "before_cursor_execute", self._seen)


@dataclass
class PageProfile:
    """One page's profile (profile_page): seconds a page under the profiler, seconds a /healthz beside it (the share
    of a page that is the framework's own), the queries of one page, and cProfile's record."""

    seconds: float
    health: float
    queries: int
    profile: cProfile.Profile


def profile_page(client, url: str, repeat: int, headers: dict | None = None) -> PageProfile:
    """`url` requested once to warm templates, catalogues and caches (it must answer 200), once more counting its
    queries, then `repeat` times /healthz timed and `repeat` times `url` timed under cProfile, in the test client
    `client` (signed in or not, as the caller made it)."""
    assert client.get(url, headers=headers).status_code == 200, url
    with QueryCounter() as queries:
        client.get(url, headers=headers)
    started = time.perf_counter()
    for _ in range(repeat):
        client.get("/healthz")
    health = (time.perf_counter() - started) / repeat
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    for _ in range(repeat):
        client.get(url, headers=headers)
    profile.disable()
    return PageProfile((time.perf_counter() - started) / repeat, health, queries.count, profile)


STATUSES = [RegistrationStatus.APPROVED] * 6 + [RegistrationStatus.SUBMITTED] * 3 + [RegistrationStatus.NEEDS_INFO]


def grow_delegation(conference, size: int) -> int:
    """The largest State delegation, grown to `size` people in one bulk insert; its id."""
    d_id, have = db.session.execute(
        select(Delegation.id, func.count(Registration.id)).join(ParticipatingEntity)
        .outerjoin(Registration, Registration.delegation_id == Delegation.id)
        .where(Delegation.conference_id == conference.id, ParticipatingEntity.entity_type == EntityType.STATE)
        .group_by(Delegation.id).order_by(func.count(Registration.id).desc()).limit(1)).one()
    now = utcnow()
    rows = [{"conference_id": conference.id, "delegation_id": d_id, "family_name": f"Member{i:05d}",
             "given_names": "Bench", "badge_name": f"Bench Member{i:05d}", "name_key": f"member{i:05d} bench",
             "gender": Gender.UNDISCLOSED, "email": f"member{i:05d}@bench.example.org",
             "delegation_role": DelegationRole.ADVISER, "status": STATUSES[i % len(STATUSES)],
             "submitted_at": now - timedelta(minutes=i), "approved_at": now,
             "status_token": secrets.token_urlsafe(24), "agenda_token": secrets.token_urlsafe(24)}
            for i in range(max(0, size - have))]
    if rows:
        db.session.execute(insert(Registration), rows)
    db.session.commit()
    return d_id


def give_photos(registrations, uploads_folder: Path, seed: int = 12) -> None:
    """A distinct passport-style JPEG for each of `registrations`, as the upload check would store it (700 x 900),
    so that a badge run reads and embeds one image per badge, as a real run does. The caller commits."""
    import io
    import random

    from PIL import Image

    from conference.registration.uploads import store

    rng = random.Random(seed)
    for registration in registrations:
        out = io.BytesIO()
        colour = tuple(rng.randrange(120, 240) for _ in range(3))
        image = Image.new("RGB", (700, 900), colour)
        image.paste(tuple(c - 80 for c in colour), (200, 150, 500, 900))
        image.save(out, "JPEG", quality=88)
        registration.photo = store(uploads_folder, "photos", out.getvalue(), "jpg")


def bare_badges(badges: list[dict], conference_data: dict, size: str, uploads, target: Path) -> None:
    """The yardstick of the badge benchmarks: the same badges (same HTML, stylesheet, photos, QR codes and fetcher
    as every PDF of Plenary) rendered by bare WeasyPrint as one document, in this one process."""
    from weasyprint import CSS, HTML

    from conference.badges import services
    from conference.badges.rendering import with_photos
    from conference.core.pdf import STATIC, ProjectFetcher

    shown, photos = with_photos(badges, uploads)  # the photos read from storage, as each worker reads its chunk's
    html = services.badges_html(shown, conference_data, size)
    fetcher = ProjectFetcher(uploads=photos)
    HTML(string=html, base_url=str(STATIC), url_fetcher=fetcher).write_pdf(
        str(target), stylesheets=[CSS(filename=str(STATIC / services.STYLESHEET), url_fetcher=fetcher)])
