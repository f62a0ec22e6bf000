"""Contacts logged against an organization: interactions.organization_id, indexed for the
organization's timeline

Revision ID: 0025_interaction_organization
Revises: 0024_tags_lists
Create Date: 2026-12-01 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025_interaction_organization'
down_revision = '0024_tags_lists'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organization_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_interactions_organization_id_organizations'),
            'organizations',
            ['organization_id'],
            ['id'],
        )
        batch_op.create_index(
            'ix_interactions_organization', ['organization_id', 'occurred_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_index('ix_interactions_organization')
        batch_op.drop_constraint(
            batch_op.f('fk_interactions_organization_id_organizations'), type_='foreignkey'
        )
        batch_op.drop_column('organization_id')
