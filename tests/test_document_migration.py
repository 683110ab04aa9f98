"""The migration to documents in versions (e6b2d8f4a1c9) moves what a delegation had on file into version 1, and its
downgrade puts the version that counts back, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from conference import create_app
from conference.extensions import db
from tests.test_migrations import empty_database  # noqa: F401 - the fixture

RECEIVED = datetime(2026, 9, 1, 8, 30, tzinfo=UTC)
SENT = datetime(2026, 9, 3, 10, 0, tzinfo=UTC)


def _rows(sql: str) -> list[tuple]:
    with db.engine.begin() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def test_documents_on_file_become_version_one(empty_database):  # noqa: F811
    url, engine_options = empty_database
    app = create_app({"PLENARY_ENV": "testing", "DATABASE_URL": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, **engine_options}})
    with app.app_context():
        try:
            upgrade(revision="8ecf286aff9d")
            with db.engine.begin() as conn:
                conn.execute(text(
                    "INSERT INTO conference (id, code, title, short_title, venue, city, timezone, starts_on, ends_on, "
                    "venue_opens, venue_closes, retention_days, side_events_per_organizer, badge_scheme, "
                    "side_event_slots, created_at) VALUES (1, 'cop30', 'T', 'COP30', 'V', 'C', 'Europe/Vienna', "
                    "'2026-10-12', '2026-10-16', '08:00:00', '19:00:00', 365, 1, '{}', '[]', :at)"),
                    {"at": RECEIVED})
                conn.execute(text("INSERT INTO participating_entity (id, entity_type, name, names, website) VALUES "
                                  "(1, 'STATE_PARTY', 'Austria', '{}', ''), (2, 'STATE_PARTY', 'Chile', '{}', ''), "
                                  "(3, 'IGO', 'Interpol', '{}', '')"))
                conn.execute(text(
                    "INSERT INTO delegation (id, conference_id, entity_id, nomination_document, "
                    "nomination_received_at, credentials_status, credentials_document, ngo_admission, created_at) "
                    "VALUES "
                    "(1, 1, 1, 'documents/aut.pdf', :received, 'PROVISIONAL', 'documents/aut-cred.pdf', "
                    "'NOT_APPLICABLE', :created), "
                    "(2, 1, 2, NULL, :received, 'PENDING', NULL, 'NOT_APPLICABLE', :created), "
                    "(3, 1, 3, NULL, NULL, 'NOT_REQUIRED', NULL, 'NOT_APPLICABLE', :created)"),
                    {"received": RECEIVED, "created": RECEIVED})
                conn.execute(text('INSERT INTO "user" (id, email, name, active, session_version, created_at) '
                                  "VALUES (7, 'fp@example.org', '', :yes, 1, :at)"), {"yes": True, "at": RECEIVED})
                conn.execute(text(
                    "INSERT INTO audit_log (at, user_id, actor, action, object_type, object_id, reason) VALUES "
                    "(:at, 7, 'fp@example.org', 'delegation.credentials_submitted', 'Delegation', 1, '')"),
                    {"at": SENT})
            upgrade()
            rows = _rows("SELECT delegation_id, kind, version, path, sent_by_user_id, is_current "
                         "FROM delegation_document ORDER BY delegation_id, kind")
            assert [(d, k, v, p, u, bool(c)) for d, k, v, p, u, c in rows] == [
                (1, "CREDENTIALS", 1, "documents/aut-cred.pdf", 7, True),
                (1, "NOMINATION", 1, "documents/aut.pdf", None, True),
                (2, "NOMINATION", 1, None, None, True),  # received on paper: the date, no file
            ]
            received = dict(((d, k), at) for d, k, at in _rows(
                "SELECT delegation_id, kind, received_at FROM delegation_document"))
            as_utc = {key: (at if isinstance(at, datetime) else datetime.fromisoformat(at)).replace(tzinfo=None)
                      for key, at in received.items()}
            assert as_utc[(1, "NOMINATION")] == RECEIVED.replace(tzinfo=None)
            assert as_utc[(1, "CREDENTIALS")] == SENT.replace(tzinfo=None)

            downgrade(revision="8ecf286aff9d")
            assert _rows("SELECT id, nomination_document, credentials_document FROM delegation ORDER BY id") == [
                (1, "documents/aut.pdf", "documents/aut-cred.pdf"), (2, None, None), (3, None, None)]
            assert [r[0] for r in _rows("SELECT id FROM delegation WHERE nomination_received_at IS NOT NULL "
                                        "ORDER BY id")] == [1, 2]
        finally:
            db.engine.dispose()
