"""social channels (issue 7): a centre's connected social-network accounts

Revision ID: c0ffee7c0701
Revises: 7a1e55e55a01
Create Date: 2026-11-30 12:40:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import integrations.db


revision = 'c0ffee7c0701'
down_revision = '7a1e55e55a01'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('social_channel',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('account_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('base_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('token_enc', sa.Text(), server_default='', nullable=False),
    sa.Column('secret_enc', sa.Text(), server_default='', nullable=False),
    sa.Column('token_hint', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('connected_by', sa.Integer(), nullable=True),
    sa.Column('created_at', integrations.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', integrations.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'connected_by'], ['membership.tenant_id', 'membership.id'], name=op.f('fk_social_channel_tenant_id_connected_by_membership')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_social_channel_tenant_id_tenant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_social_channel')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_social_channel_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'provider', 'account_id', 'base_url', name=op.f('uq_social_channel_tenant_id_provider_account_id_base_url'))
    )
    with op.batch_alter_table('social_channel', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_social_channel_tenant_id'), ['tenant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('social_channel', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_social_channel_tenant_id'))

    op.drop_table('social_channel')
