"""Replaced private links: a digest of each old token, so its address says "replaced" rather than "not valid".

Revision ID: 09c1ae5fd968
Revises: a4e2b7c95d13
Create Date: 2026-12-06 22:03:39
"""
from alembic import op
import sqlalchemy as sa

revision = "09c1ae5fd968"
down_revision = "a4e2b7c95d13"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "replaced_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["registration_id"], ["registration.id"],
                                name=op.f("fk_replaced_link_registration_id_registration"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replaced_link")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_replaced_link_token_digest")),
    )
    with op.batch_alter_table("replaced_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_replaced_link_registration_id"), ["registration_id"], unique=False)


def downgrade():
    with op.batch_alter_table("replaced_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_replaced_link_registration_id"))
    op.drop_table("replaced_link")
