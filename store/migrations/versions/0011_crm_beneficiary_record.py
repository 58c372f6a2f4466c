"""crm: a beneficiary's category and staff notes (from an imported sheet), and the staged spreadsheet imports

Revision ID: 0011_crm
Revises: 0010_identity
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import store.models


revision = '0011_crm'
down_revision = '0010_identity'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('beneficiaryimport',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('content_enc', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('imported', sa.Integer(), nullable=False),
    sa.Column('refused_enc', sa.Text(), nullable=True),
    sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('imported_at', store.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('beneficiaryimport', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_beneficiaryimport_staff_id'), ['staff_id'], unique=False)

    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.add_column(sa.Column('notes_enc', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True))
        batch_op.create_index(batch_op.f('ix_beneficiary_category'), ['category'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_beneficiary_category'))
        batch_op.drop_column('notes_enc')
        batch_op.drop_column('category')

    with op.batch_alter_table('beneficiaryimport', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_beneficiaryimport_staff_id'))

    op.drop_table('beneficiaryimport')
