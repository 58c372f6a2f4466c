"""ratings and complaints

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import store.models


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('beneficiary_id', sa.Integer(), nullable=False),
    sa.Column('conversation_key', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('due_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reply', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('replied_at', store.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('replied_by', sa.Integer(), nullable=True),
    sa.Column('resolved_at', store.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiary.id'], ),
    sa.ForeignKeyConstraint(['replied_by'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['resolved_by'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_beneficiary_id'), ['beneficiary_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_conversation_key'), ['conversation_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_status'), ['status'], unique=False)

    op.create_table('rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('beneficiary_id', sa.Integer(), nullable=False),
    sa.Column('conversation_key', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('service_kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('service_ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('prompted_at', store.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_at', store.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiary.id'], ),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('service_kind', 'service_ref', 'beneficiary_id', name='uq_rating_service')
    )
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_beneficiary_id'), ['beneficiary_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rating_conversation_key'), ['conversation_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_rating_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_rating_program_id'), ['program_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rating_service_kind'), ['service_kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_rating_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rating_status'), ['status'], unique=False)

    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('complaint_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_attachment_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_foreign_key('fk_attachment_complaint', 'complaint', ['complaint_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_constraint('fk_attachment_complaint', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_attachment_complaint_id'))
        batch_op.drop_column('complaint_id')

    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_status'))
        batch_op.drop_index(batch_op.f('ix_rating_staff_id'))
        batch_op.drop_index(batch_op.f('ix_rating_service_kind'))
        batch_op.drop_index(batch_op.f('ix_rating_program_id'))
        batch_op.drop_index(batch_op.f('ix_rating_created_at'))
        batch_op.drop_index(batch_op.f('ix_rating_conversation_key'))
        batch_op.drop_index(batch_op.f('ix_rating_beneficiary_id'))

    op.drop_table('rating')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_status'))
        batch_op.drop_index(batch_op.f('ix_complaint_due_at'))
        batch_op.drop_index(batch_op.f('ix_complaint_created_at'))
        batch_op.drop_index(batch_op.f('ix_complaint_conversation_key'))
        batch_op.drop_index(batch_op.f('ix_complaint_beneficiary_id'))

    op.drop_table('complaint')
