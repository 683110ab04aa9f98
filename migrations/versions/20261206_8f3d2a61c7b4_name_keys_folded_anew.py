"""Name keys folded anew: "Łukasiewicz" is found from "Lukasiewicz", and "й" stays apart from "и".

Revision ID: 8f3d2a61c7b4
Revises: 6d7a5da8e097
Create Date: 2026-12-06 22:00:00

`registration.name_key` holds each name folded the way the search and the duplicate check compare names
(`conference.core.i18n.fold`). The folding changed (ł, ø, ð and the like now read as l, o, d; marks that make
another letter in Cyrillic, Japanese or Indic scripts are kept), so the stored keys are computed again with the
code's folding. No column changes. Where two people of one session born on the same day would now share a key
(the unique index forbids it), the later registration keeps its old key, and the migration says which ones: the
secretariat decides whether they are the same person.
"""
import logging

import sqlalchemy as sa
from alembic import op

revision = "8f3d2a61c7b4"
down_revision = "6d7a5da8e097"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    # The code's own folding, on purpose: the keys must be what the application compares them with.
    from conference.registration.services import name_key

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, conference_id, family_name, given_names, date_of_birth, name_key "
                                "FROM registration ORDER BY id")).all()
    new = {row.id: name_key(row.family_name, row.given_names) or row.name_key for row in rows}
    # The keys the unique index holds once done: first those that do not change, then the others in order of arrival.
    taken = {(row.conference_id, row.name_key, row.date_of_birth) for row in rows
             if row.date_of_birth is not None and new[row.id] == row.name_key}
    registration = sa.table("registration", sa.column("id", sa.Integer), sa.column("name_key", sa.String))
    changing = [row for row in rows if new[row.id] != row.name_key]
    # First every changing key out of the way (a key that one row leaves may be the one another row takes).
    for row in changing:
        conn.execute(registration.update().where(registration.c.id == row.id).values(name_key=f"#{row.id}"))
    for row in changing:
        key = new[row.id]
        if row.date_of_birth is not None:
            if (row.conference_id, key, row.date_of_birth) in taken:
                log.warning("registration %s keeps its name key %r: another registration of the session with the "
                            "same date of birth now reads as the same name", row.id, row.name_key)
                key = row.name_key
                if (row.conference_id, key, row.date_of_birth) in taken:
                    key = f"{row.name_key} #{row.id}"[:250]
            taken.add((row.conference_id, key, row.date_of_birth))
        conn.execute(registration.update().where(registration.c.id == row.id).values(name_key=key))


def downgrade():
    # The keys stay as they are: they are only ever compared with keys folded by the code that runs.
    pass
