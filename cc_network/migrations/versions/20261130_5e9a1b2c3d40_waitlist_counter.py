"""waitlist_counter

Revision ID: 5e9a1b2c3d40
Revises: c0ffee7c0701
Create Date: 2026-11-30 22:20:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '5e9a1b2c3d40'
down_revision = 'c0ffee7c0701'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the last waitlist number given on the event: taken under the event's row lock, in the
    # statement that queues the student (registrations never reuse a number)
    # plain ALTERs (SQLite has both since 3.35): no rebuild of a table others reference
    op.add_column('event', sa.Column('waitlist_last_seq', sa.Integer(), nullable=False, server_default='0'))
    op.execute("UPDATE event SET waitlist_last_seq = COALESCE((SELECT max(r.waitlist_seq) FROM registration r "
               "WHERE r.tenant_id = event.tenant_id AND r.event_id = event.id), 0)")


def downgrade() -> None:
    op.drop_column('event', 'waitlist_last_seq')
