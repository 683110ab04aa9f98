"""A session version per account, so that signing out, a new password or deactivation end every sign-in.

Revision ID: 32a45afd85cd
Revises: 8c1f0e2b7a41
Create Date: 2026-12-06 21:46:40

The session and remember-me cookies carry "id:version"; raising the version makes every copy of them useless.
Existing accounts start at 1; cookies issued before this carry a bare id and are asked to sign in again once.
"""
from alembic import op
import sqlalchemy as sa

revision = "32a45afd85cd"
down_revision = "8c1f0e2b7a41"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default=sa.text("1"), nullable=False))


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("session_version")
