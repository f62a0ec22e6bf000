"""Search: an index of every name form and of contacts' subjects and notes

search_names holds the folded name forms of each person, organization, issue and bill;
search_texts the folded subject and notes of each interaction. SQLite searches them through
FTS5 tables (trigram for names, words for texts) kept by triggers;
PostgreSQL through GIN indexes (pg_trgm for names, full text for names and texts). The index is
filled from the existing records.

Revision ID: 0023_search
Revises: 0022_api_tokens
Create Date: 2026-12-01 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_search'
down_revision = '0022_api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    from crm.models.search import create_search_structures, rebuild_index

    op.create_table(
        'search_names',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('names', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_names')),
        sa.UniqueConstraint('kind', 'record_id', name='uq_search_names_record'),
    )
    op.create_table(
        'search_texts',
        sa.Column('interaction_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['interaction_id'],
            ['interactions.id'],
            name=op.f('fk_search_texts_interaction_id_interactions'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('interaction_id', name=op.f('pk_search_texts')),
    )
    conn = op.get_bind()
    for table in ('search_names', 'search_texts'):
        create_search_structures(conn, table)
    rebuild_index(conn)


def downgrade():
    from crm.models.search import drop_search_structures

    conn = op.get_bind()
    for table in ('search_texts', 'search_names'):
        drop_search_structures(conn, table)
    op.drop_table('search_texts')
    op.drop_table('search_names')
