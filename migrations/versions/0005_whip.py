"""Partial indexes on interactions: the deleted ones (their positions stop counting) and the
live ones by time and kind (activity reports)

Revision ID: 0005_whip
Revises: 0002_imports
Create Date: 2026-11-27 21:30:00

"""
from alembic import op
import sqlalchemy as sa

import crm.models.base  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0005_whip'
down_revision = '0002_imports'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.create_index('ix_interactions_deleted', ['id'], unique=False,
                              postgresql_where=sa.text('deleted_at IS NOT NULL'),
                              sqlite_where=sa.text('deleted_at IS NOT NULL'))
        batch_op.create_index('ix_interactions_live_when_kind',
                              ['occurred_at', 'kind', 'deleted_at'], unique=False,
                              postgresql_where=sa.text('deleted_at IS NULL'),
                              sqlite_where=sa.text('deleted_at IS NULL'))


def downgrade():
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_index('ix_interactions_live_when_kind',
                            postgresql_where=sa.text('deleted_at IS NULL'),
                            sqlite_where=sa.text('deleted_at IS NULL'))
        batch_op.drop_index('ix_interactions_deleted',
                            postgresql_where=sa.text('deleted_at IS NOT NULL'),
                            sqlite_where=sa.text('deleted_at IS NOT NULL'))
