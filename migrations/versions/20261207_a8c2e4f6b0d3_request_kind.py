"""An organization's request is an NGO's or a media outlet's a journalist typed (issue 14): organization_request.kind.

Revision ID: a8c2e4f6b0d3
Revises: f3b7d1e5a9c2
Create Date: 2026-12-07 01:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "a8c2e4f6b0d3"
down_revision = "f3b7d1e5a9c2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organization_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=32), server_default="NGO", nullable=False))
        batch_op.create_check_constraint(op.f("ck_organization_request_request_kind"), "kind IN ('NGO', 'MEDIA')")


def downgrade():
    with op.batch_alter_table("organization_request", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_organization_request_request_kind"), type_="check")
        batch_op.drop_column("kind")
