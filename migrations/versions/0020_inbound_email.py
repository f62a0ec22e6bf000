"""Inbound email: each message read from the coalition mailbox, once per Message-ID

Revision ID: 0020_inbound_email
Revises: 0019_privacy_follow_ups
Create Date: 2026-12-01 12:00:00

"""
from alembic import op
import sqlalchemy as sa

from crm.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0020_inbound_email'
down_revision = '0019_privacy_follow_ups'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'inbound_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.String(length=255), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=True),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('sender', sa.String(length=254), nullable=True),
        sa.Column('subject', sa.String(length=200), nullable=True),
        sa.Column('raw', sa.LargeBinary(), nullable=True),
        sa.Column('received_at', UTCDateTime(), nullable=False),
        sa.Column('interaction_id', sa.Integer(), nullable=True),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.Column('resolved_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['interaction_id'], ['interactions.id'],
            name=op.f('fk_inbound_messages_interaction_id_interactions'),
        ),
        sa.ForeignKeyConstraint(
            ['resolved_by_id'], ['users.id'], name=op.f('fk_inbound_messages_resolved_by_id_users')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_messages')),
        sa.UniqueConstraint('message_id', name=op.f('uq_inbound_messages_message_id')),
    )
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_inbound_messages_interaction_id'), ['interaction_id'], unique=False
        )
        batch_op.create_index('ix_inbound_messages_status', ['status', 'received_at'], unique=False)


def downgrade():
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_messages_status')
        batch_op.drop_index(batch_op.f('ix_inbound_messages_interaction_id'))
    op.drop_table('inbound_messages')
