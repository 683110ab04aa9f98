"""What the benchmark scripts share: an application on a scratch database, and a count of SQL queries."""

from __future__ import annotations

import contextlib
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from conference import create_app  # noqa: E402
from conference.extensions import db  # noqa: E402


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

    def _seen(self, *_):
        self.count += 1

    def reset(self) -> None:
        self.count = 0

    def __enter__(self) -> QueryCounter:
        event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(db.engine, "before_cursor_execute", self._seen)
