"""Writing many rows at once for the large demonstration session (conference/demo/large.py): PostgreSQL's COPY where
it is there, Core executemany elsewhere, ids drawn ahead from the sequence, and the planner's statistics kept fresh
while the tables grow."""

from __future__ import annotations

from enum import Enum

from sqlalchemy import insert, text

from conference.extensions import db


def analyze() -> None:
    """Fresh planner statistics on PostgreSQL. The foreign-key checks of each row are planned once per connection;
    planned on tables the statistics still call empty, they scan them whole, and the load slows down as they grow
    (the first 18,000 scans of a batch took 55 s against 1 s). Autovacuum comes too late for a load of minutes."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        for table in ("delegation", "registration", "badge", "check_in"):
            connection.execute(text(f"ANALYZE {table}"))
        db.session.commit()


def registration_ids(count: int) -> list[int] | None:
    """`count` ids taken from the registration table's sequence on PostgreSQL (so that COPY can write them with
    the badges and scans that refer to them); None elsewhere."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return None
    return connection.execute(text("SELECT nextval(pg_get_serial_sequence('registration', 'id')) "
                                   "FROM generate_series(1, :n)"), {"n": count}).scalars().all()


def copy_rows(table, rows: list[dict]) -> None:
    """Rows into `table`: on PostgreSQL by COPY, one stream (executemany sends the rows one by one, some twenty times
    slower); elsewhere by Core executemany. Every row has the same keys, and gives every column COPY needs (it
    applies no Python-side default)."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    columns = list(rows[0])
    with connection.connection.driver_connection.cursor() as cursor, \
            cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([value.value if isinstance(value, Enum) else value for value in row.values()])
