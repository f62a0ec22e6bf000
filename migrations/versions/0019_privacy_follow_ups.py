"""Privacy: follow-ups remember the contact they came from; private contacts get an index

A follow-up's title is typed in the log of a contact, so a follow-up of a private contact is as
private as the contact: assignments.from_interaction_id links it. The partial index on private
contacts lets every read decide visibility against that small set without scanning the log.

Existing rows: follow-ups are linked to the contact they were created with (the same author,
the same person, the latest contact created before them: both are written in one transaction),
and a person's last contact stops naming its author when it was a private contact.

Revision ID: 0019_privacy_follow_ups
Revises: 0018_audit_log_at
Create Date: 2026-12-01 08:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_privacy_follow_ups'
down_revision = '0018_audit_log_at'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_interaction_id', sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f('ix_assignments_from_interaction_id'), ['from_interaction_id'], unique=False
        )
        batch_op.create_foreign_key(
            'fk_assignments_from_interaction_id_interactions',
            'interactions',
            ['from_interaction_id'],
            ['id'],
        )
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.create_index(
            'ix_interactions_private',
            ['id', 'logged_by_id'],
            unique=False,
            postgresql_where=sa.text('private = true'),
            sqlite_where=sa.text('private = 1'),
        )
    op.execute(
        "UPDATE assignments SET from_interaction_id = ("
        " SELECT i.id FROM interactions i"
        " JOIN interaction_people ip ON ip.interaction_id = i.id"
        " WHERE i.logged_by_id = assignments.created_by_id"
        " AND ip.person_id = assignments.person_id"
        " AND i.created_at <= assignments.created_at"
        " ORDER BY i.created_at DESC, i.id DESC LIMIT 1)"
        " WHERE source = 'follow-up'"
    )
    op.execute(
        "UPDATE people SET last_contacted_by_id = NULL"
        " WHERE last_contacted_by_id IS NOT NULL AND EXISTS ("
        " SELECT 1 FROM interactions i"
        " WHERE i.private AND i.deleted_at IS NULL"
        " AND i.logged_by_id = people.last_contacted_by_id"
        " AND i.occurred_at = people.last_contacted_at)"
    )


def downgrade():
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_index(
            'ix_interactions_private',
            postgresql_where=sa.text('private = true'),
            sqlite_where=sa.text('private = 1'),
        )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_constraint('fk_assignments_from_interaction_id_interactions', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_assignments_from_interaction_id'))
        batch_op.drop_column('from_interaction_id')
