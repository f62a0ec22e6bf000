"""Organizations as first-class records: retired organizations, the agency directory's check date

Revision ID: 0008_organizations
Revises: 0007_bench_indexes
Create Date: 2026-12-01 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import crm.models.base


revision = '0008_organizations'
down_revision = '0007_bench_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', crm.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('checked_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_organizations_parent', ['parent_id'], unique=False)


def downgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index('ix_organizations_parent')
        batch_op.drop_column('checked_on')
        batch_op.drop_column('retired_at')
