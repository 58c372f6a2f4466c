"""live-chat assignment and reading, staff alerts, ready answers, complaint reply threads

Revision ID: 0014_inbox
Revises: 0013_staff
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import store.models


revision = '0014_inbox'
down_revision = '0013_staff'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('handoffrequest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_to', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('answering_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('answering_at', store.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_handoffrequest_assigned_to'), ['assigned_to'], unique=False)
        batch_op.create_foreign_key('fk_handoff_assigned_to', 'staff', ['assigned_to'], ['id'])
        batch_op.create_foreign_key('fk_handoff_answering_by', 'staff', ['answering_by'], ['id'])
    op.create_table(
        'alert',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )
    op.create_table(
        'handoffread',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('handoff_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('seen_at', store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['handoff_id'], ['handoffrequest.id']),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('handoff_id', 'staff_id', name='uq_handoff_read'),
    )
    op.create_index(op.f('ix_handoffread_handoff_id'), 'handoffread', ['handoff_id'], unique=False)
    op.create_table(
        'readyanswer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_readyanswer_language'), 'readyanswer', ['language'], unique=False)
    op.create_table(
        'complaintreply',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('complaint_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column('at', store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id']),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_complaintreply_complaint_id'), 'complaintreply', ['complaint_id'], unique=False)
    # The one reply each complaint could have until now opens its thread.
    op.execute(
        "INSERT INTO complaintreply (complaint_id, staff_id, text, at) "
        "SELECT id, replied_by, reply, replied_at FROM complaint WHERE replied_at IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_complaintreply_complaint_id'), table_name='complaintreply')
    op.drop_table('complaintreply')
    op.drop_index(op.f('ix_readyanswer_language'), table_name='readyanswer')
    op.drop_table('readyanswer')
    op.drop_index(op.f('ix_handoffread_handoff_id'), table_name='handoffread')
    op.drop_table('handoffread')
    op.drop_table('alert')
    with op.batch_alter_table('handoffrequest', schema=None) as batch_op:
        batch_op.drop_constraint('fk_handoff_answering_by', type_='foreignkey')
        batch_op.drop_constraint('fk_handoff_assigned_to', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_handoffrequest_assigned_to'))
        batch_op.drop_column('answering_at')
        batch_op.drop_column('answering_by')
        batch_op.drop_column('assigned_to')
