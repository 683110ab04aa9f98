"""Versions of the calendar feeds per session (conference), for ETags decided without building the feed.

Revision ID: d5f1a3c7e9b2
Revises: b81d3c6f0a27
Create Date: 2026-12-06 22:50:00

Bumped by conference/feeds/versions.py with every change the feeds show.
"""
import sqlalchemy as sa
from alembic import op

revision = "d5f1a3c7e9b2"
down_revision = "b81d3c6f0a27"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("conference", schema=None) as batch_op:
        batch_op.add_column(sa.Column("programme_version", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("agenda_version", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("conference", schema=None) as batch_op:
        batch_op.drop_column("agenda_version")
        batch_op.drop_column("programme_version")
