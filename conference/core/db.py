"""The declarative base, the constraint naming convention and column types shared by every domain."""

from __future__ import annotations

import enum
import re
import sqlite3
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlalchemy.dialects.postgresql
from flask_babel import get_locale
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase

# Every constraint gets a predictable name, so that migrations can drop and
# alter them on PostgreSQL and in SQLite's batch mode alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record):
    """SQLite ignores foreign keys unless asked, per connection. And Python's sqlite3 driver begins
    transactions on its own, late: a savepoint opened first would then commit by itself when released.
    Letting SQLAlchemy emit BEGIN (below) makes savepoints nest inside the real transaction."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Readers do not block the writer (the dev server serves several requests at once,
        # and mail is delivered in a session of its own right after a commit).
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")


class UTCDateTime(sa.types.TypeDecorator):
    """A point in time, always timezone-aware and in UTC once loaded.

    PostgreSQL keeps the offset itself (timestamptz). SQLite has no such type:
    the value is written in UTC without an offset and the UTC offset is put back
    on load, so nothing is lost. A naive datetime is refused rather than guessed
    at: a time without a zone is a bug in the caller.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: give it a time zone")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# JSONB on PostgreSQL (comparable, indexable), plain JSON text on SQLite.
JSONType = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)")
_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (\w+)")


def violated_constraint(exc: IntegrityError) -> str | None:
    """The name of the constraint or unique index that a statement broke, so that a caller maps it to the field
    the person can correct, whatever the error's words (which hold the offending values on PostgreSQL: an
    e-mail address containing "passport" must not be read as a passport number).

    PostgreSQL names it (`diag.constraint_name`, psycopg). SQLite names a CHECK constraint, and for a unique one
    only its columns: the name is the unique constraint or index of the models with exactly those columns.
    None when it cannot be told (SQLite's foreign keys, say).
    """
    orig = getattr(exc, "orig", None)
    name = getattr(getattr(orig, "diag", None), "constraint_name", None)
    if name:
        return name
    text = str(orig or exc).splitlines()[0] if str(orig or exc) else ""
    check = _SQLITE_CHECK.match(text)
    if check:
        return check.group(1)
    unique = _SQLITE_UNIQUE.match(text)
    if unique is None:
        return None
    qualified = [c.strip() for c in unique.group(1).split(",")]
    table_name = qualified[0].split(".", 1)[0]
    columns = tuple(c.split(".", 1)[-1] for c in qualified)
    table = Base.metadata.tables.get(table_name)
    if table is None:
        return None
    for constraint in table.constraints:
        if isinstance(constraint, sa.UniqueConstraint) and tuple(c.name for c in constraint.columns) == columns:
            return constraint.name
    for index in table.indexes:
        if index.unique and tuple(c.name for c in index.columns) == columns:
            return index.name
    return None


def utcnow() -> datetime:
    return datetime.now(UTC)


def enum_type(enum_cls: type[enum.Enum], name: str, length: int = 32) -> sa.Enum:
    """A portable enumeration column: VARCHAR plus a named CHECK constraint.

    Native PostgreSQL enums make every new value a migration of its own; a
    check constraint gives the same integrity and stays easy to change.
    """
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


# Keyed by (enumeration, value): members of two enumerations with the same value are equal strings, and must not
# answer for each other.
_LABELS: dict[tuple[type, str], object] = {}
_TRANSLATED: dict[tuple, str] = {}  # (locale, enumeration, value): the label in that language


def labels(enum_cls: type[StrEnum], mapping: dict) -> None:
    """Give every member of an enumeration the words people read for it, marked for translation with `_l`.

    Kept beside the enumeration; a test checks that no member of any enumeration goes without one.
    """
    missing = set(enum_cls) - set(mapping)
    if missing:
        raise ValueError(f"{enum_cls.__name__}: no label for {sorted(m.value for m in missing)}")
    _LABELS.update({(enum_cls, member.value): label for member, label in mapping.items()})


def has_labels(enum_cls: type[enum.Enum]) -> bool:
    return all((enum_cls, member.value) in _LABELS for member in enum_cls)


class StrEnum(enum.StrEnum):
    """An enumeration whose stored value is its name, readable in SQL and JSON."""

    @property
    def label(self) -> str:
        """What people read: the registered label in the page's language (see `labels`)."""
        found = _LABELS.get((type(self), self.value))
        if found is None:
            return self.value.replace("_", " ").capitalize()
        # A page of 100 registrations reads 300 labels; each lookup through Flask-Babel costs more than the rest of
        # the row. The catalogues do not change while the process runs: keep each label per language.
        key = (get_locale(), type(self), self.value)
        text = _TRANSLATED.get(key)
        if text is None:
            text = _TRANSLATED[key] = str(found)
        return text
