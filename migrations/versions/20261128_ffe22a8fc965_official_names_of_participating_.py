"""Official names of participating entities in other languages (ParticipatingEntity.names).

Revision ID: ffe22a8fc965
Revises: 45cab4b88040
Create Date: 2026-11-28 04:25:52

A JSON object by language code ({"fr": "Autriche"}); empty for existing rows, which keep showing their name as
entered. The server default fills the column for rows that exist when it is added.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "ffe22a8fc965"
down_revision = "45cab4b88040"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("participating_entity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("names", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                                      server_default="{}", nullable=False))


def downgrade():
    with op.batch_alter_table("participating_entity", schema=None) as batch_op:
        batch_op.drop_column("names")
