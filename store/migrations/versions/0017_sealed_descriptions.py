"""sealed descriptions: what a beneficiary writes of their need (health details among it) is encrypted at rest
like the ID; the text column grows to hold the token, a flag says which rows are sealed (the older ones are
sealed by `python -m bot migrate` / `run`, which hold the keys)

Revision ID: 0017_sealed_descriptions
Revises: 0016_settings
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0017_sealed_descriptions'
down_revision = '0016_settings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('helprequest', schema=None) as batch_op:
        batch_op.alter_column('description', existing_type=sqlmodel.sql.sqltypes.AutoString(length=2000),
                              type_=sa.Text(), existing_nullable=False)
        batch_op.add_column(sa.Column('description_sealed', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('helprequest', schema=None) as batch_op:
        batch_op.drop_column('description_sealed')
        batch_op.alter_column('description', existing_type=sa.Text(),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=2000), existing_nullable=False)
