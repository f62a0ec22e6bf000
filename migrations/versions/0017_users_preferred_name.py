"""users.preferred_name: what greetings call a member (first name otherwise)

Revision ID: 0017_users_preferred_name
Revises: 0016_accounts
Create Date: 2026-12-01 08:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0017_users_preferred_name"
down_revision = "0016_accounts"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("preferred_name", sa.String(length=60), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("preferred_name")
