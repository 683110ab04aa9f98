"""Indexes that match the back office's pages of registrations (issue 18): the queue's filters and its order (newest
first), and a delegation's members by status, so that a page reads one index range whatever the number of people.

Revision ID: b4d6f8a0c2e4
Revises: e4a9c2d71b36
Create Date: 2026-12-07 01:15:00
"""
from alembic import op

revision = "b4d6f8a0c2e4"
down_revision = "e4a9c2d71b36"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_registration_conference_id_id", "registration", ["conference_id", "id"])
    op.create_index("ix_registration_conference_id_status_id", "registration", ["conference_id", "status", "id"])
    op.drop_index("ix_registration_conference_id_status", table_name="registration")
    op.create_index("ix_registration_delegation_id_status_id", "registration", ["delegation_id", "status", "id"])
    op.drop_index("ix_registration_delegation_id", table_name="registration")


def downgrade():
    op.create_index("ix_registration_delegation_id", "registration", ["delegation_id"])
    op.drop_index("ix_registration_delegation_id_status_id", table_name="registration")
    op.create_index("ix_registration_conference_id_status", "registration", ["conference_id", "status"])
    op.drop_index("ix_registration_conference_id_status_id", table_name="registration")
    op.drop_index("ix_registration_conference_id_id", table_name="registration")
