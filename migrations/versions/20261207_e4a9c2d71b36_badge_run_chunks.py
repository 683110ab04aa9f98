"""Badge runs in chunks that any worker may take (badge_run_chunk).

Revision ID: e4a9c2d71b36
Revises: a8c2e4f6b0d3
Create Date: 2026-12-07 00:45:00

Who holds which chunk is kept here, with a lease, so a chunk held by a worker that died is taken again.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "e4a9c2d71b36"
down_revision = "a8c2e4f6b0d3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "badge_run_chunk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("registration_ids", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("issued", sa.Boolean(), nullable=False),
        sa.Column("worker", sa.String(length=120), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pdf_key", sa.String(length=200), nullable=True),
        sa.Column("names", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('QUEUED', 'RUNNING', 'DONE')", name=op.f("ck_badge_run_chunk_known_status")),
        sa.CheckConstraint("status != 'RUNNING' OR lease_until IS NOT NULL",
                           name=op.f("ck_badge_run_chunk_running_has_lease")),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], name=op.f("fk_badge_run_chunk_job_id_job"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badge_run_chunk")),
        sa.UniqueConstraint("job_id", "number", name=op.f("uq_badge_run_chunk_job_id_number")),
    )
    with op.batch_alter_table("badge_run_chunk", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_badge_run_chunk_job_id"), ["job_id"], unique=False)


def downgrade():
    with op.batch_alter_table("badge_run_chunk", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_badge_run_chunk_job_id"))
    op.drop_table("badge_run_chunk")
