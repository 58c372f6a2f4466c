"""wa: WhatsApp templates per kind and language, and what each outbox row is about (its page shows it)

Revision ID: 0012_wa
Revises: 0011_crm
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import store.models


revision = '0012_wa'
down_revision = '0011_crm'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('whatsapptemplate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('content_sid', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('rejection_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('updated_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'language', name='uq_whatsapptemplate_kind_language')
    )
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True))
        batch_op.create_index(batch_op.f('ix_outboxmessage_subject'), ['subject'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outboxmessage_subject'))
        batch_op.drop_column('subject')

    op.drop_table('whatsapptemplate')
