"""A delegation's documents in versions: delegation_document, with which version counts.

Revision ID: e6b2d8f4a1c9
Revises: 8ecf286aff9d
Create Date: 2026-12-07 00:30:00

Each delegation's nominating document and credentials on file become version 1 of their kind, counting:
- the nominating document with the date it was received; a receipt recorded without a file (on paper) too, with
  no path;
- the credentials' file with the time of the focal point's last sending in the audit log (the delegation's
  creation when the log has none), and that focal point as the sender.
Then delegation.nomination_document, nomination_received_at and credentials_document go. The columns are dropped
with ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), not by copying the table: rebuilding `delegation` would
have SQLite, with its foreign keys on, delete or refuse the rows that refer to it.
"""
import sqlalchemy as sa
from alembic import op

revision = "e6b2d8f4a1c9"
down_revision = "8ecf286aff9d"
branch_labels = None
depends_on = None

_LAST_CREDENTIALS = ("FROM audit_log a WHERE a.object_type = 'Delegation' AND a.object_id = d.id "
                     "AND a.action = 'delegation.credentials_submitted'")


def upgrade():
    op.create_table(
        "delegation_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("NOMINATION", "CREDENTIALS", name="document_kind", native_enum=False,
                                  create_constraint=True, length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=True),
        sa.Column("original_filename", sa.String(length=200), server_default="", nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_by_user_id", sa.Integer(), nullable=True),
        sa.Column("sent_by_registration_id", sa.Integer(), nullable=True),
        sa.Column("sent_by_email", sa.String(length=254), server_default="", nullable=False),
        sa.Column("is_current", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.CheckConstraint("version > 0", name=op.f("ck_delegation_document_version_positive")),
        sa.ForeignKeyConstraint(["delegation_id"], ["delegation.id"],
                                name=op.f("fk_delegation_document_delegation_id_delegation"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sent_by_registration_id"], ["registration.id"],
                                name=op.f("fk_delegation_document_sent_by_registration_id_registration"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["sent_by_user_id"], ["user.id"],
                                name=op.f("fk_delegation_document_sent_by_user_id_user"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegation_document")),
        sa.UniqueConstraint("delegation_id", "kind", "version",
                            name=op.f("uq_delegation_document_delegation_id_kind_version")),
    )
    with op.batch_alter_table("delegation_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delegation_document_delegation_id"), ["delegation_id"], unique=False)
        batch_op.create_index("uq_delegation_document_one_current", ["delegation_id", "kind"], unique=True,
                              sqlite_where=sa.text("is_current"), postgresql_where=sa.text("is_current"))

    op.execute(sa.text(
        "INSERT INTO delegation_document (delegation_id, kind, version, path, original_filename, received_at, "
        "sent_by_email, is_current) "
        "SELECT d.id, 'NOMINATION', 1, d.nomination_document, '', COALESCE(d.nomination_received_at, d.created_at), "
        "'', :yes FROM delegation d WHERE d.nomination_document IS NOT NULL OR d.nomination_received_at IS NOT NULL"
    ).bindparams(yes=True))
    op.execute(sa.text(
        "INSERT INTO delegation_document (delegation_id, kind, version, path, original_filename, received_at, "
        "sent_by_user_id, sent_by_email, is_current) "
        f"SELECT d.id, 'CREDENTIALS', 1, d.credentials_document, '', "
        f"COALESCE((SELECT max(a.at) {_LAST_CREDENTIALS}), d.created_at), "
        f"(SELECT a.user_id {_LAST_CREDENTIALS} ORDER BY a.at DESC, a.id DESC LIMIT 1), '', :yes "
        "FROM delegation d WHERE d.credentials_document IS NOT NULL"
    ).bindparams(yes=True))
    # A focal point's account may be gone while its audit entry stays: no sender rather than a dangling one.
    op.execute(sa.text('UPDATE delegation_document SET sent_by_user_id = NULL WHERE sent_by_user_id IS NOT NULL '
                       'AND sent_by_user_id NOT IN (SELECT id FROM "user")'))

    for column in ("nomination_document", "nomination_received_at", "credentials_document"):
        op.drop_column("delegation", column)


def downgrade():
    op.add_column("delegation", sa.Column("nomination_document", sa.String(length=300), nullable=True))
    op.add_column("delegation", sa.Column("nomination_received_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("delegation", sa.Column("credentials_document", sa.String(length=300), nullable=True))
    # The version that counts goes back to the delegation; the other versions' files become orphans, which
    # purge-stale-files erases.
    current = ("FROM delegation_document v WHERE v.delegation_id = delegation.id AND v.kind = '{}' "
               "AND v.is_current = :yes")
    op.execute(sa.text(
        f"UPDATE delegation SET nomination_document = (SELECT v.path {current.format('NOMINATION')}), "
        f"nomination_received_at = (SELECT v.received_at {current.format('NOMINATION')}), "
        f"credentials_document = (SELECT v.path {current.format('CREDENTIALS')})").bindparams(yes=True))
    with op.batch_alter_table("delegation_document", schema=None) as batch_op:
        batch_op.drop_index("uq_delegation_document_one_current", sqlite_where=sa.text("is_current"),
                            postgresql_where=sa.text("is_current"))
        batch_op.drop_index(batch_op.f("ix_delegation_document_delegation_id"))
    op.drop_table("delegation_document")
