"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from conference import create_app
from conference.extensions import db

EXPECTED_TABLES = {
    "conference", "room", "participating_entity", "delegation", "registration", "review_mechanism_contact",
    "session", "session_organizer", "session_speaker", "session_signup", "check_in", "badge", "user",
    "user_role", "audit_log", "job", "outgoing_mail",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """An empty database for the migrations: a fresh SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}", {}
        return
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("PostgreSQL: TEST_DATABASE_URL is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    schema = f"migration_check_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url, {"connect_args": {"options": f"-csearch_path={schema}"}}
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _differences(app) -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_migrations_match_the_models(empty_database):
    url, engine_options = empty_database
    app = create_app({"PLENARY_ENV": "testing", "DATABASE_URL": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, **engine_options}})
    with app.app_context():
        try:
            upgrade()
            tables = set(inspect(db.engine).get_table_names())
            assert EXPECTED_TABLES <= tables
            assert _differences(app) == []
            # The constraints came along: a check constraint refuses a bad row.
            with pytest.raises(Exception, match="(?i)check"):
                with db.engine.begin() as conn:
                    conn.execute(text("INSERT INTO room (conference_id, slug, name, building, capacity) "
                                      "VALUES (1, 'x', 'x', '', 0)"))
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        finally:
            db.engine.dispose()
