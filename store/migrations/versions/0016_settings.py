"""the association's settings edited in the console: sections and FAQ entries over the profile file, a version

Revision ID: 0016_settings
Revises: 0015_files
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import store.models


revision = '0016_settings'
down_revision = '0015_files'
branch_labels = None
depends_on = None


def upgrade() -> None:
    state = op.create_table(
        'settingsstate',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('reviewed_at', store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('reviewed_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['reviewed_by'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.bulk_insert(state, [{'id': 1, 'version': 0}])
    op.create_table(
        'settingvalue',
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('value', sa.JSON(), nullable=False),
        sa.Column('updated_at', store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by'], ['staff.id']),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_table(
        'faqrecord',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('retired', sa.Boolean(), nullable=False),
        sa.Column('updated_at', store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )


def downgrade() -> None:
    op.drop_table('faqrecord')
    op.drop_table('settingvalue')
    op.drop_table('settingsstate')
