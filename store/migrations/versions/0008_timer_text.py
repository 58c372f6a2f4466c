"""timer text

Revision ID: 0008
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import store.models


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('timer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('timer', schema=None) as batch_op:
        batch_op.drop_column('text')
