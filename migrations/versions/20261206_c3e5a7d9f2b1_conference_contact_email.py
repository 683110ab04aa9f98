"""The secretariat's contact address per session.

Revision ID: c3e5a7d9f2b1
Revises: 09c1ae5fd968
Create Date: 2026-12-06 22:30:00

Shown on the session's public pages and in every e-mail; empty until the secretariat sets it.
"""
import sqlalchemy as sa
from alembic import op

revision = "c3e5a7d9f2b1"
down_revision = "09c1ae5fd968"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("conference", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_email", sa.String(length=254), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("conference", schema=None) as batch_op:
        batch_op.drop_column("contact_email")
