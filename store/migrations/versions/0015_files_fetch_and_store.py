"""files beneficiaries send: fetched into the file store, with a transcript for voice notes

Revision ID: 0015_files
Revises: 0014_inbox
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import store.models


revision = '0015_files'
down_revision = '0014_inbox'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fetch_status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('fetch_due_at', store.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('fetch_attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('fetch_error', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('stored_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('size', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('transcript', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_attachment_fetch_status'), ['fetch_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_fetch_due_at'), ['fetch_due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_fetch_due_at'))
        batch_op.drop_index(batch_op.f('ix_attachment_fetch_status'))
        for name in ('transcript', 'size', 'stored_name', 'fetch_error', 'fetch_attempts', 'fetch_due_at', 'fetch_status'):
            batch_op.drop_column(name)
