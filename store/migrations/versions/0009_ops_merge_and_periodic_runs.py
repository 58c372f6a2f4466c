"""ops: keyed national-ID hashes, merged beneficiary records, periodic runs (the weekly digest)

Revision ID: 0009_ops
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import store.models


revision = '0009_ops'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('periodicrun',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('due_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        batch_op.add_column(sa.Column('national_id_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('merged_at', store.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_beneficiary_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_beneficiary_national_id_hash'), ['national_id_hash'], unique=False)
        batch_op.create_foreign_key('fk_beneficiary_merged_into', 'beneficiary', ['merged_into_id'], ['id'])

    with op.batch_alter_table('helprequest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('national_id_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_helprequest_national_id_hash'), ['national_id_hash'], unique=False)
    # Existing rows get their hashes from `python -m bot migrate` / `run` (store/rotation.py fill_id_hashes):
    # the key is in DATA_KEYS or ./data/data.key, which a migration does not read.


def downgrade() -> None:
    with op.batch_alter_table('helprequest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_helprequest_national_id_hash'))
        batch_op.drop_column('national_id_hash')

    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        batch_op.drop_constraint('fk_beneficiary_merged_into', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_beneficiary_national_id_hash'))
        batch_op.drop_index(batch_op.f('ix_beneficiary_merged_into_id'))
        batch_op.drop_column('merged_at')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('national_id_hash')

    op.drop_table('periodicrun')
