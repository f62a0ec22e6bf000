"""Talking points on issues and bills (printed on meeting briefs)

Revision ID: 0011_talking_points
Revises: 0010_conrad30
Create Date: 2026-12-01 09:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_talking_points'
down_revision = '0010_conrad30'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('issues', 'bills'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('talking_points', sa.Text(), nullable=True))


def downgrade():
    for table in ('issues', 'bills'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('talking_points')
