"""API: personal access tokens (hashed, scoped, expiring, revocable)

Revision ID: 0022_api_tokens
Revises: 0021_hot_paths
Create Date: 2026-12-01 12:00:00

"""
from alembic import op
import sqlalchemy as sa

import crm.models.base

# revision identifiers, used by Alembic.
revision = '0022_api_tokens'
down_revision = '0021_hot_paths'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('hint', sa.String(length=16), nullable=False),
        sa.Column('scopes', sa.String(length=40), nullable=False),
        sa.Column('created_at', crm.models.base.UTCDateTime(), nullable=False),
        sa.Column('expires_at', crm.models.base.UTCDateTime(), nullable=False),
        sa.Column('revoked_at', crm.models.base.UTCDateTime(), nullable=True),
        sa.Column('last_used_at', crm.models.base.UTCDateTime(), nullable=True),
        sa.Column('last_used_ip', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_api_tokens_user_id_users'),
        sa.PrimaryKeyConstraint('id', name='pk_api_tokens'),
        sa.UniqueConstraint('token_hash', name='uq_api_tokens_token_hash'),
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))
    op.drop_table('api_tokens')
