"""desk intake (walk-ins, phone calls, letters, representatives) and the aid given with its amount

Revision ID: 0013_staff
Revises: 0012_wa
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import store.models


revision = '0013_staff'
down_revision = '0012_wa'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'deskintake',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('beneficiary_id', sa.Integer(), nullable=False),
        sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('entered_by', sa.Integer(), nullable=False),
        sa.Column('representative_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column('representative_office', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column('declaration', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column('declaration_attachment_id', sa.Integer(), nullable=True),
        sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiary.id']),
        sa.ForeignKeyConstraint(['entered_by'], ['staff.id']),
        sa.ForeignKeyConstraint(['declaration_attachment_id'], ['attachment.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('deskintake', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deskintake_beneficiary_id'), ['beneficiary_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deskintake_record_id'), ['record_id'], unique=False)
    with op.batch_alter_table('helprequest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('aid_kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column('aid_halalas', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('helprequest', schema=None) as batch_op:
        batch_op.drop_column('aid_halalas')
        batch_op.drop_column('aid_kind')
    with op.batch_alter_table('deskintake', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deskintake_record_id'))
        batch_op.drop_index(batch_op.f('ix_deskintake_beneficiary_id'))
    op.drop_table('deskintake')
