"""Session titles in the six languages and the languages a session works in.

Revision ID: 6d7a5da8e097
Revises: 3b7c1e9a5d20
Create Date: 2026-12-06 21:20:00

`conference.titles` and `conference.short_titles` hold the titles in the other five languages by language code
({"fr": "..."}); existing sessions get none and keep showing their English titles. `conference.languages` lists the
languages the session works in; existing sessions get all six.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "6d7a5da8e097"
down_revision = "3b7c1e9a5d20"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade():
    with op.batch_alter_table("conference", schema=None) as batch_op:
        batch_op.add_column(sa.Column("titles", JSON, server_default="{}", nullable=False))
        batch_op.add_column(sa.Column("short_titles", JSON, server_default="{}", nullable=False))
        batch_op.add_column(sa.Column("languages", JSON, server_default='["ar", "zh", "en", "fr", "ru", "es"]',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table("conference", schema=None) as batch_op:
        batch_op.drop_column("languages")
        batch_op.drop_column("short_titles")
        batch_op.drop_column("titles")
