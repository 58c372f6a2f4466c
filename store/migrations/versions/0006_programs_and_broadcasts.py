"""programs, registrations, broadcasts

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import store.models


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('program',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('title_ar', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('title_en', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description_ar', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('description_en', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('starts_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', store.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('place_ar', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('place_en', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('link', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('registration_deadline', store.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('conditions', sa.JSON(), nullable=False),
    sa.Column('arrangements_ar', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('arrangements_en', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('checkin_code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_program_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_program_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_program_status'), ['status'], unique=False)

    op.create_table('broadcast',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=True),
    sa.Column('text_ar', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('text_en', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('send_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('fanned_out_to', sa.Integer(), nullable=False),
    sa.Column('override_reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_broadcast_program_id'), ['program_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_broadcast_send_at'), ['send_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_broadcast_status'), ['status'], unique=False)

    op.create_table('registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('beneficiary_id', sa.Integer(), nullable=False),
    sa.Column('conversation_key', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', store.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('attended_at', store.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attendance_source', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiary.id'], ),
    sa.ForeignKeyConstraint(['decided_by'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('program_id', 'beneficiary_id', name='uq_registration_person')
    )
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_beneficiary_id'), ['beneficiary_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_program_id'), ['program_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_status'), ['status'], unique=False)

    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('broadcast_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outboxmessage_broadcast_id'), ['broadcast_id'], unique=False)
        batch_op.create_unique_constraint('uq_outbox_broadcast_recipient', ['broadcast_id', 'channel', 'recipient'])
        batch_op.create_foreign_key('fk_outbox_broadcast', 'broadcast', ['broadcast_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.drop_constraint('fk_outbox_broadcast', type_='foreignkey')
        batch_op.drop_constraint('uq_outbox_broadcast_recipient', type_='unique')
        batch_op.drop_index(batch_op.f('ix_outboxmessage_broadcast_id'))
        batch_op.drop_column('broadcast_id')

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_status'))
        batch_op.drop_index(batch_op.f('ix_registration_program_id'))
        batch_op.drop_index(batch_op.f('ix_registration_beneficiary_id'))

    op.drop_table('registration')
    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_broadcast_status'))
        batch_op.drop_index(batch_op.f('ix_broadcast_send_at'))
        batch_op.drop_index(batch_op.f('ix_broadcast_program_id'))

    op.drop_table('broadcast')
    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_program_status'))
        batch_op.drop_index(batch_op.f('ix_program_starts_at'))
        batch_op.drop_index(batch_op.f('ix_program_kind'))

    op.drop_table('program')
