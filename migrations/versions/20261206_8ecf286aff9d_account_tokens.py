"""Account tokens (invitations and password resets); an invited account has no password until it sets one.

Revision ID: 8ecf286aff9d
Revises: d7f1c3a9e5b2
Create Date: 2026-12-06 22:25:01

Only a SHA-256 hash of each token is stored, with its expiry and the moment it was used. Existing accounts all
have a password, so making user.password_hash nullable changes no row.
"""
import sqlalchemy as sa
from alembic import op

revision = '8ecf286aff9d'
down_revision = 'd7f1c3a9e5b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('INVITATION', 'PASSWORD_RESET', name='token_purpose', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('expires_at > created_at', name=op.f('ck_account_token_expires_after_created')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_account_token_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_account_token_token_hash'))
    )
    with op.batch_alter_table('account_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_token_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('password_hash',
               existing_type=sa.VARCHAR(length=255),
               nullable=True)


def downgrade():
    # Accounts still waiting for their invitation keep a hash no password matches (argon2 refuses it as a hash).
    op.execute(sa.text("UPDATE \"user\" SET password_hash = '!' WHERE password_hash IS NULL"))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('password_hash',
               existing_type=sa.VARCHAR(length=255),
               nullable=False)

    with op.batch_alter_table('account_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_token_user_id'))

    op.drop_table('account_token')
