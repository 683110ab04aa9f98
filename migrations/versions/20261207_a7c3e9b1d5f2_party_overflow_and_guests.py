"""Party overflow and Party guests: two delegation roles for a State's people beyond its delegates.

Revision ID: a7c3e9b1d5f2
Revises: b4d6f8a0c2e4
Create Date: 2026-12-07 01:00:00

A COP28-size session badges a Party's overflow and its guests apart from its delegates (narrower access) and lists
them under the Party. They are members of the Party's delegation (its quota, its list), so they are values of the
delegation_role check constraint (a VARCHAR, not a native enum): the constraint is replaced; existing rows keep
their role.
"""
from alembic import op

revision = "a7c3e9b1d5f2"
down_revision = "b4d6f8a0c2e4"
branch_labels = None
depends_on = None

OLD = ("HEAD", "ALTERNATE", "ADVISER", "EXPERT", "SUPPORT_STAFF", "REPRESENTATIVE")
NEW = OLD + ("PARTY_OVERFLOW", "PARTY_GUEST")


def _values(values) -> str:
    return "delegation_role IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _replace(values) -> None:
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_registration_delegation_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_registration_delegation_role"), _values(values))


def upgrade():
    _replace(NEW)


def downgrade():
    # Overflow and guests become support staff, the nearest role the old constraint allows.
    op.execute("UPDATE registration SET delegation_role = 'SUPPORT_STAFF' "
               "WHERE delegation_role IN ('PARTY_OVERFLOW', 'PARTY_GUEST')")
    _replace(OLD)
