"""verified numbers and link challenges

Revision ID: 0010_identity
Revises: 0009_ops
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import store.models


revision = '0010_identity'
down_revision = '0009_ops'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('phone_verified_at', store.models.UTCDateTime(timezone=True), nullable=True))
    # A WhatsApp identity is the channel's own proof of its number: those records are verified already (each
    # number has one identity, so one record). Numbers typed into forms (`phone`) are not.
    whatsapp = "FROM channelidentity ci WHERE ci.channel = 'whatsapp' AND ci.beneficiary_id = beneficiary.id"
    op.execute(
        f"UPDATE beneficiary SET verified_phone = (SELECT MIN(ci.external_id) {whatsapp}), "
        f"phone_verified_at = (SELECT MIN(ci.created_at) {whatsapp}) WHERE EXISTS (SELECT 1 {whatsapp})"
    )
    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_beneficiary_verified_phone'), ['verified_phone'], unique=True)
    op.create_table(
        'linkchallenge',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_key', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column('beneficiary_id', sa.Integer(), nullable=False),
        sa.Column('number_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('number_masked', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('target_beneficiary_id', sa.Integer(), nullable=True),
        sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('salt', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('finished_at', store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiary.id']),
        sa.ForeignKeyConstraint(['target_beneficiary_id'], ['beneficiary.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('linkchallenge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_linkchallenge_beneficiary_id'), ['beneficiary_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_linkchallenge_conversation_key'), ['conversation_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_linkchallenge_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_linkchallenge_number_hash'), ['number_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_linkchallenge_status'), ['status'], unique=False)


def downgrade() -> None:
    op.drop_table('linkchallenge')
    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_beneficiary_verified_phone'))
        batch_op.drop_column('phone_verified_at')
        batch_op.drop_column('verified_phone')
