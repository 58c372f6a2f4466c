"""beneficiary types: which kind of beneficiary a request is from (seed 004: families, trainees, …), as the
profile defines them

Revision ID: 0018_beneficiary_types
Revises: 0017_sealed_descriptions
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0018_beneficiary_types'
down_revision = '0017_sealed_descriptions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('helprequest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('beneficiary_type', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False,
                                      server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('helprequest', schema=None) as batch_op:
        batch_op.drop_column('beneficiary_type')
