"""The session's decision on an NGO's admission: its day and its reason (issue 14).

Revision ID: e2a9c4f6b8d1
Revises: e6b2d8f4a1c9
Create Date: 2026-12-07 00:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "e2a9c4f6b8d1"
down_revision = "e6b2d8f4a1c9"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("delegation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ngo_decided_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("ngo_decision_reason", sa.String(length=1000), server_default="",
                                      nullable=False))


def downgrade():
    with op.batch_alter_table("delegation", schema=None) as batch_op:
        batch_op.drop_column("ngo_decision_reason")
        batch_op.drop_column("ngo_decided_on")
