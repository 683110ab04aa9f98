"""Specialized agencies and related organizations as a kind of participating entity of their own.

Revision ID: 3b7c1e9a5d20
Revises: ffe22a8fc965
Create Date: 2026-12-06 21:20:00

The statistics and the list of participants tell the UN Secretariat's units and bodies, the specialized agencies
and the other intergovernmental organizations apart, as UN documents do. The kind is a value of the entity_type
check constraint (a VARCHAR, not a native enum): the constraint is replaced; existing rows keep their kind.
"""
from alembic import op

revision = "3b7c1e9a5d20"
down_revision = "ffe22a8fc965"
branch_labels = None
depends_on = None

OLD = ("STATE_PARTY", "SIGNATORY", "NON_SIGNATORY", "UN_ENTITY", "IGO", "NGO_ECOSOC", "NGO_OTHER", "MEDIA",
       "SECRETARIAT", "HOST_COUNTRY", "OTHER")
NEW = ("STATE_PARTY", "SIGNATORY", "NON_SIGNATORY", "UN_ENTITY", "SPECIALIZED_AGENCY", "IGO", "NGO_ECOSOC",
       "NGO_OTHER", "MEDIA", "SECRETARIAT", "HOST_COUNTRY", "OTHER")


def _values(values) -> str:
    return "entity_type IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    with op.batch_alter_table("participating_entity", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_participating_entity_entity_type"), type_="check")
        batch_op.create_check_constraint(op.f("ck_participating_entity_entity_type"), _values(NEW))


def downgrade():
    # Specialized agencies become UN entities again, the nearest kind the old constraint allows.
    op.execute("UPDATE participating_entity SET entity_type = 'UN_ENTITY' WHERE entity_type = 'SPECIALIZED_AGENCY'")
    with op.batch_alter_table("participating_entity", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_participating_entity_entity_type"), type_="check")
        batch_op.create_check_constraint(op.f("ck_participating_entity_entity_type"), _values(OLD))
