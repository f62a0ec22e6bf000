"""Hot paths: the private contacts by date, for the dashboard's 30-day count

The dashboard counts the last 30 days' contacts from the covering index on (occurred_at,
deleted_at, logged_by_id) and subtracts the private ones hidden from its viewer, read from this
small partial index, instead of testing every private contact in the log.

Revision ID: 0021_hot_paths
Revises: 0020_inbound_email
Create Date: 2026-12-01 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_hot_paths'
down_revision = '0020_inbound_email'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.create_index(
            'ix_interactions_private_recent',
            ['occurred_at', 'deleted_at', 'logged_by_id'],
            unique=False,
            postgresql_where=sa.text('private = true'),
            sqlite_where=sa.text('private = 1'),
        )


def downgrade():
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_index('ix_interactions_private_recent')
