"""Treaty status per session: on the delegation, no longer in the entity's kind.

Revision ID: 08272a5591d6
Revises: a7c3e9b1d5f2
Create Date: 2026-12-07 00:30:00

A State that ratifies between two sessions is a signatory in the earlier one's records and a party in the later
one's (issue 14). `participating_entity.entity_type` said both what an entity is and where it stood
(STATE_PARTY, SIGNATORY, NON_SIGNATORY), for every session at once. Now:

- `delegation.treaty_status` (PARTY, SIGNATORY, NON_SIGNATORY; NULL for entities that hold none) is filled, for
  every session, from the entity's former kind, so every session's records and statistics read as before;
- the entity keeps only what it is: the three State kinds become STATE; a "party" without an ISO code (the European
  Union, which the statistics already counted as the REIO) becomes REIO;
- a State must have its ISO code (`state_has_iso3`): States are counted by it.

Downgrade: each State takes the status of its latest session's delegation (not a signatory when it has none), the
REIO becomes a party again.
"""
import sqlalchemy as sa
from alembic import op

revision = "08272a5591d6"
down_revision = "a7c3e9b1d5f2"
branch_labels = None
depends_on = None

OLD_KINDS = ("STATE_PARTY", "SIGNATORY", "NON_SIGNATORY", "UN_ENTITY", "SPECIALIZED_AGENCY", "IGO", "NGO_ECOSOC",
             "NGO_OTHER", "MEDIA", "SECRETARIAT", "HOST_COUNTRY", "OTHER")
NEW_KINDS = ("STATE", "REIO", "UN_ENTITY", "SPECIALIZED_AGENCY", "IGO", "NGO_ECOSOC", "NGO_OTHER", "MEDIA",
             "SECRETARIAT", "HOST_COUNTRY", "OTHER")
STATUSES = ("PARTY", "SIGNATORY", "NON_SIGNATORY")
OLD_STATE_KINDS = "('STATE_PARTY', 'SIGNATORY', 'NON_SIGNATORY')"


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    # A column constraint in ALTER TABLE ... ADD COLUMN: the same statement on SQLite and PostgreSQL, and no
    # rebuild of the delegation table on SQLite.
    op.execute("ALTER TABLE delegation ADD COLUMN treaty_status VARCHAR(32) "
               f"CONSTRAINT ck_delegation_treaty_status CHECK ({_in('treaty_status', STATUSES)})")
    op.execute(
        "UPDATE delegation SET treaty_status = (SELECT CASE e.entity_type WHEN 'STATE_PARTY' THEN 'PARTY' "
        "WHEN 'SIGNATORY' THEN 'SIGNATORY' WHEN 'NON_SIGNATORY' THEN 'NON_SIGNATORY' END "
        "FROM participating_entity e WHERE e.id = delegation.entity_id)")

    # The old constraints go first: the new kinds are not among the old values.
    with op.batch_alter_table("participating_entity", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_participating_entity_entity_type"), type_="check")
        batch_op.drop_constraint(op.f("ck_participating_entity_iso3_only_for_states"), type_="check")
    op.execute(f"UPDATE participating_entity SET entity_type = 'REIO' "
               f"WHERE entity_type IN {OLD_STATE_KINDS} AND iso3 IS NULL")
    op.execute(f"UPDATE participating_entity SET entity_type = 'STATE' WHERE entity_type IN {OLD_STATE_KINDS}")
    with op.batch_alter_table("participating_entity", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_participating_entity_entity_type"), _in("entity_type", NEW_KINDS))
        batch_op.create_check_constraint(op.f("ck_participating_entity_iso3_only_for_states"),
                                         "(iso3 IS NULL AND regional_group IS NULL) OR entity_type = 'STATE'")
        batch_op.create_check_constraint(op.f("ck_participating_entity_state_has_iso3"),
                                         "entity_type <> 'STATE' OR iso3 IS NOT NULL")


def downgrade():
    with op.batch_alter_table("participating_entity", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_participating_entity_state_has_iso3"), type_="check")
        batch_op.drop_constraint(op.f("ck_participating_entity_entity_type"), type_="check")
        batch_op.drop_constraint(op.f("ck_participating_entity_iso3_only_for_states"), type_="check")
    op.execute("UPDATE participating_entity SET entity_type = 'STATE_PARTY' WHERE entity_type = 'REIO'")
    op.execute(
        "UPDATE participating_entity SET entity_type = COALESCE((SELECT CASE d.treaty_status "
        "WHEN 'PARTY' THEN 'STATE_PARTY' ELSE d.treaty_status END FROM delegation d "
        "JOIN conference c ON c.id = d.conference_id WHERE d.entity_id = participating_entity.id "
        "AND d.treaty_status IS NOT NULL ORDER BY c.starts_on DESC, d.id DESC LIMIT 1), 'NON_SIGNATORY') "
        "WHERE entity_type = 'STATE'")
    with op.batch_alter_table("participating_entity", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_participating_entity_entity_type"), _in("entity_type", OLD_KINDS))
        batch_op.create_check_constraint(op.f("ck_participating_entity_iso3_only_for_states"),
                                         f"(iso3 IS NULL AND regional_group IS NULL) OR entity_type IN "
                                         f"{OLD_STATE_KINDS}")
    with op.batch_alter_table("delegation", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_delegation_treaty_status"), type_="check")
        batch_op.drop_column("treaty_status")
