"""outbox due index: the rows still to send (pending or sending) in id order, so that a dispatcher's claim
reads only those, not every row a broadcast has sent before them; it replaces the index on next_attempt_at,
which only the claim used (one index fewer to update on every claim and outcome)

Revision ID: 0019_outbox_due_index
Revises: 0018_beneficiary_types
"""

from alembic import op
import sqlalchemy as sa


revision = '0019_outbox_due_index'
down_revision = '0018_beneficiary_types'
branch_labels = None
depends_on = None

DUE = "status IN ('pending', 'sending')"


def upgrade() -> None:
    op.drop_index('ix_outboxmessage_next_attempt_at', table_name='outboxmessage')
    op.create_index('ix_outbox_due', 'outboxmessage', ['id'], postgresql_where=sa.text(DUE), sqlite_where=sa.text(DUE))


def downgrade() -> None:
    op.drop_index('ix_outbox_due', table_name='outboxmessage')
    op.create_index('ix_outboxmessage_next_attempt_at', 'outboxmessage', ['next_attempt_at'])
