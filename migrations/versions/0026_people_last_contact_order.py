"""The directory's "last contact" order as an index on PostgreSQL (never-contacted last)

Revision ID: 0026_people_last_contact_order
Revises: 0025_interaction_organization
Create Date: 2026-12-03 14:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0026_people_last_contact_order'
down_revision = '0025_interaction_organization'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            'CREATE INDEX ix_people_last_contact ON people (last_contacted_at DESC NULLS LAST, id)'
        )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_people_last_contact', table_name='people')
