"""Index the audit log by time, for the admin audit page (newest first, date filters)

Revision ID: 0018_audit_log_at
Revises: 0017_users_preferred_name
Create Date: 2026-12-01 09:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018_audit_log_at'
down_revision = '0017_users_preferred_name'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_at', ['at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_at')
