"""Requests from organizations that are not on the list (issue 14): organization_request.

Revision ID: f3b7d1e5a9c2
Revises: e2a9c4f6b8d1
Create Date: 2026-12-07 00:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = "f3b7d1e5a9c2"
down_revision = "e2a9c4f6b8d1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "organization_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("acronym", sa.String(length=80), nullable=False),
        sa.Column("country_iso3", sa.String(length=3), nullable=True),
        sa.Column("ecosoc_status", sa.Enum("GENERAL", "SPECIAL", "ROSTER", name="ecosoc_status", native_enum=False,
                                           create_constraint=True, length=32), nullable=True),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("message", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.Enum("PENDING", "ADMITTED", "REFUSED", name="request_status", native_enum=False,
                                    create_constraint=True, length=32), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status = 'PENDING' OR decided_at IS NOT NULL",
                           name=op.f("ck_organization_request_decided_has_a_time")),
        sa.ForeignKeyConstraint(["conference_id"], ["conference.id"],
                                name=op.f("fk_organization_request_conference_id_conference"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["entity_id"], ["participating_entity.id"],
                                name=op.f("fk_organization_request_entity_id_participating_entity"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_request")),
    )
    with op.batch_alter_table("organization_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organization_request_conference_id"), ["conference_id"], unique=False)


def downgrade():
    with op.batch_alter_table("organization_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organization_request_conference_id"))
    op.drop_table("organization_request")
