"""The secretariat's short form of a name, printed on the badge only when the whole name does not fit.

Revision ID: b81d3c6f0a27
Revises: c3e5a7d9f2b1
Create Date: 2026-12-06 22:25:00

Long names were cut by the badge's stylesheet without anyone knowing; now the badge shows the whole name (smaller
type, then two lines), then this short form, and the badge desk is told of every name that did not fit whole.
"""
import sqlalchemy as sa
from alembic import op

revision = "b81d3c6f0a27"
down_revision = "c3e5a7d9f2b1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("badge_short_name", sa.String(length=60), nullable=True))


def downgrade():
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_column("badge_short_name")
