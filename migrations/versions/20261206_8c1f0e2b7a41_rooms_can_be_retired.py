"""Rooms can be retired (room.retired_at).

Revision ID: 8c1f0e2b7a41
Revises: 7d1f0c2b9e41
Create Date: 2026-12-06 21:50:00

A retired room keeps the sessions it held and is no longer offered for scheduling. Existing rooms are in use.
"""
import sqlalchemy as sa
from alembic import op

revision = "8c1f0e2b7a41"
down_revision = "7d1f0c2b9e41"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("room", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("room", schema=None) as batch_op:
        batch_op.drop_column("retired_at")
