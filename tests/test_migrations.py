"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from conference import create_app
from conference.extensions import db
from tests.conftest import postgresql_schema

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
    with postgresql_schema("migration_check") as found:
        yield found


def _differences(app) -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def _partial_index_conditions(engine) -> list[str]:
    """The partial indexes whose condition in the migrated database differs from the models' (Alembic's comparison
    does not look at conditions: the active statuses of the head index, for one, are built from a tuple)."""
    wrong = []
    with engine.begin() as conn:
        for table in db.metadata.sorted_tables:
            for index in table.indexes:
                where = index.dialect_options[conn.dialect.name].get("where")
                if where is None:
                    continue
                if conn.dialect.name == "sqlite":
                    sql = conn.scalar(text("SELECT sql FROM sqlite_master WHERE name = :n"), {"n": index.name})
                    if not " ".join(sql.split()).endswith(" WHERE " + " ".join(str(where).split())):
                        wrong.append(index.name)
                    continue
                # PostgreSQL rewrites a condition its own way: build the models' one beside it and compare the two.
                scratch = f"check_{index.name}"[:63]
                columns = ", ".join(f'"{c.name}"' for c in index.columns)
                conn.execute(text(f'CREATE INDEX "{scratch}" ON "{table.name}" ({columns}) WHERE {where}'))
                migrated, model = (conn.scalar(text("SELECT pg_get_expr(indpred, indrelid) FROM pg_index "
                                                    "WHERE indexrelid = to_regclass(:n)"), {"n": f'"{name}"'})
                                   for name in (index.name, scratch))
                conn.execute(text(f'DROP INDEX "{scratch}"'))
                if migrated != model:
                    wrong.append(index.name)
    return wrong


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
            assert _partial_index_conditions(db.engine) == []
            # The constraints came along: a check constraint refuses a bad row.
            with pytest.raises(Exception, match="(?i)check"):
                with db.engine.begin() as conn:
                    conn.execute(text("INSERT INTO room (conference_id, slug, name, building, capacity) "
                                      "VALUES (1, 'x', 'x', '', 0)"))
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        finally:
            db.engine.dispose()
