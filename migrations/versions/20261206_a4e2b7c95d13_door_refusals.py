"""Three more answers at the door: a badge not printed since approval, a door closed, no seat at a full meeting.

Revision ID: a4e2b7c95d13
Revises: 32a45afd85cd
Create Date: 2026-12-06 22:05:00

The result of a check-in is a VARCHAR with a check constraint (not a native enum): the constraint is replaced;
existing rows keep their results. Downgrading maps the new refusals to the nearest old one (NOT_APPROVED for a
badge not printed, NOT_INVITED for a closed door or no seat): they stay refusals, never admissions.
"""
from alembic import op

revision = "a4e2b7c95d13"
down_revision = "32a45afd85cd"
branch_labels = None
depends_on = None

OLD = ("ADMITTED", "ALREADY_ADMITTED", "NOT_INVITED", "BADGE_REPLACED", "NOT_APPROVED", "UNKNOWN", "FORGED")
NEW = ("ADMITTED", "ALREADY_ADMITTED", "NOT_INVITED", "BADGE_REPLACED", "NOT_APPROVED", "NOT_PRINTED", "CLOSED",
       "NO_SEAT", "UNKNOWN", "FORGED")


def _values(values) -> str:
    return "result IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_check_in_check_in_result"), type_="check")
        batch_op.create_check_constraint(op.f("ck_check_in_check_in_result"), _values(NEW))


def downgrade():
    op.execute("UPDATE check_in SET result = 'NOT_APPROVED' WHERE result = 'NOT_PRINTED'")
    op.execute("UPDATE check_in SET result = 'NOT_INVITED' WHERE result IN ('CLOSED', 'NO_SEAT')")
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_check_in_check_in_result"), type_="check")
        batch_op.create_check_constraint(op.f("ck_check_in_check_in_result"), _values(OLD))
