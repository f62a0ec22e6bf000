"""The private contacts by date carry their id: the dashboard's count of those hidden from its
viewer reads only the index

Revision ID: 0027_private_recent_with_id
Revises: 0026_people_last_contact_order
Create Date: 2026-12-03 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027_private_recent_with_id'
down_revision = '0026_people_last_contact_order'
branch_labels = None
depends_on = None


def private_recent(batch_op, columns):
    batch_op.create_index(
        'ix_interactions_private_recent',
        columns,
        unique=False,
        postgresql_where=sa.text('private = true'),
        sqlite_where=sa.text('private = 1'),
    )


def upgrade():
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_index('ix_interactions_private_recent')
        private_recent(batch_op, ['occurred_at', 'deleted_at', 'logged_by_id', 'id'])


def downgrade():
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_index('ix_interactions_private_recent')
        private_recent(batch_op, ['occurred_at', 'deleted_at', 'logged_by_id'])
