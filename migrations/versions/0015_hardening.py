"""hardening: import heartbeats; calendar tokens stored as their SHA-256

A running import writes import_runs.heartbeat_at, so a run whose worker died is recognised by its
missing heartbeat. users.calendar_token (the secret itself) becomes users.calendar_token_hash:
each existing token is replaced by its digest, so subscribed calendars keep working while the
database no longer holds a usable URL.

Revision ID: 0015_hardening
Revises: 0014_merge_people
Create Date: 2026-12-01 08:40:00

"""
import hashlib
import secrets

from alembic import op
import sqlalchemy as sa

import crm.models.base


# revision identifiers, used by Alembic.
revision = '0015_hardening'
down_revision = '0014_merge_people'
branch_labels = None
depends_on = None

users = sa.table(
    'users',
    sa.column('id', sa.Integer),
    sa.column('calendar_token', sa.String),
    sa.column('calendar_token_hash', sa.String),
)


def upgrade():
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', crm.models.base.UTCDateTime(), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_token_hash', sa.String(length=64), nullable=True))
    conn = op.get_bind()
    for user_id, token in conn.execute(sa.select(users.c.id, users.c.calendar_token)).all():
        if token:
            digest = hashlib.sha256(token.encode()).hexdigest()
            conn.execute(
                users.update().where(users.c.id == user_id).values(calendar_token_hash=digest)
            )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('uq_users_calendar_token', type_='unique')
        batch_op.drop_column('calendar_token')
        batch_op.create_unique_constraint(
            batch_op.f('uq_users_calendar_token_hash'), ['calendar_token_hash']
        )


def downgrade():
    # The secrets are gone: every user gets a new calendar address.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_token', sa.String(length=64), nullable=True))
    conn = op.get_bind()
    for (user_id,) in conn.execute(sa.select(users.c.id)).all():
        conn.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(calendar_token=secrets.token_urlsafe(32))
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('uq_users_calendar_token_hash', type_='unique')
        batch_op.drop_column('calendar_token_hash')
        batch_op.alter_column('calendar_token', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint('uq_users_calendar_token', ['calendar_token'])

    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
