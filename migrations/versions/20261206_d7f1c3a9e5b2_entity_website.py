"""An organization's web site (the NGO roster imported from the back office).

Revision ID: d7f1c3a9e5b2
Revises: d5f1a3c7e9b2
Create Date: 2026-12-06 23:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "d7f1c3a9e5b2"
down_revision = "d5f1a3c7e9b2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("participating_entity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("website", sa.String(length=300), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("participating_entity", schema=None) as batch_op:
        batch_op.drop_column("website")
