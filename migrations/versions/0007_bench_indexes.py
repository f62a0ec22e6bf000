"""Indexes the hot paths need at coalition scale (measured with bench/run.py)

Covering indexes for the directory (level/chamber, state in name order, kind; their counts) and
the dashboard (contacts in the last 30 days; legislators never contacted), and a copy of
occurred_at on the people and members links so a person's timeline and a member's recent contacts
read the newest entries of one index instead of sorting a whole history.

Revision ID: 0007_bench_indexes
Revises: 0006_worker
Create Date: 2026-11-27 21:20:31.307157

"""
from alembic import op
import sqlalchemy as sa

import crm.models.base


# revision identifiers, used by Alembic.
revision = '0007_bench_indexes'
down_revision = '0006_worker'
branch_labels = None
depends_on = None

LINKS = (
    # table, old index, old columns, new index, new columns
    ('interaction_people', 'ix_interaction_people_person', ['person_id', 'interaction_id'],
     'ix_interaction_people_timeline', ['person_id', 'occurred_at', 'interaction_id']),
    ('interaction_members', 'ix_interaction_members_user', ['user_id', 'interaction_id'],
     'ix_interaction_members_timeline', ['user_id', 'occurred_at', 'interaction_id']),
)


def upgrade():
    for table, old, _, new, columns in LINKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('occurred_at', crm.models.base.UTCDateTime(), nullable=True))
        op.execute(
            f"UPDATE {table} SET occurred_at = "
            f"(SELECT interactions.occurred_at FROM interactions "
            f"WHERE interactions.id = {table}.interaction_id)"
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(old)
            batch_op.create_index(new, columns, unique=False)

    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_index('ix_interactions_occurred_at')
        batch_op.create_index('ix_interactions_recent', ['occurred_at', 'deleted_at', 'logged_by_id'], unique=False)

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index('ix_people_directory')
        batch_op.create_index('ix_people_directory', ['level', 'chamber', 'state', 'in_office', 'deleted_at'], unique=False)
        batch_op.drop_index('ix_people_kind_in_office')
        batch_op.create_index('ix_people_kind_contact', ['kind', 'in_office', 'deleted_at', 'last_contacted_at'], unique=False)
        batch_op.create_index('ix_people_state_name', ['state', 'sort_name', 'id', 'in_office', 'deleted_at'], unique=False)


def downgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index('ix_people_state_name')
        batch_op.drop_index('ix_people_kind_contact')
        batch_op.create_index('ix_people_kind_in_office', ['kind', 'in_office'], unique=False)
        batch_op.drop_index('ix_people_directory')
        batch_op.create_index('ix_people_directory', ['level', 'chamber', 'state'], unique=False)

    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_index('ix_interactions_recent')
        batch_op.create_index('ix_interactions_occurred_at', ['occurred_at'], unique=False)

    for table, old, old_columns, new, _ in LINKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(new)
            batch_op.create_index(old, old_columns, unique=False)
            batch_op.drop_column('occurred_at')
