"""A check-in records whether the serial was typed by the door officer rather than read from the QR code.

Revision ID: 7d1f0c2b9e41
Revises: 8f3d2a61c7b4
Create Date: 2026-12-06 21:35:00

A typed serial carries no signature: the door admits it only after the officer compared the person with the photo,
and the row says so. Existing rows were all admitted on their own, without that step: they stay `false`.
"""
import sqlalchemy as sa
from alembic import op

revision = "7d1f0c2b9e41"
down_revision = "8f3d2a61c7b4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.add_column(sa.Column("typed", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.drop_column("typed")
