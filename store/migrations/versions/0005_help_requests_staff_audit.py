"""help requests, staff, sessions, audit log

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import store.models


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', store.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('auditlog',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('auditlog', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auditlog_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditlog_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditlog_subject'), ['subject'], unique=False)

    op.create_table('helprequest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('beneficiary_id', sa.Integer(), nullable=False),
    sa.Column('conversation_key', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('city', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('residency', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('household_size', sa.Integer(), nullable=False),
    sa.Column('income_bracket', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('conditions', sa.JSON(), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('full_name_enc', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('national_id_enc', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('info_question', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('due_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', store.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decision_reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('delivered_at', store.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_by', sa.Integer(), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('updated_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiary.id'], ),
    sa.ForeignKeyConstraint(['decided_by'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['delivered_by'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('helprequest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_helprequest_beneficiary_id'), ['beneficiary_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_helprequest_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_helprequest_city'), ['city'], unique=False)
        batch_op.create_index(batch_op.f('ix_helprequest_conversation_key'), ['conversation_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_helprequest_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_helprequest_status'), ['status'], unique=False)

    op.create_table('staffsession',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('staffsession', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staffsession_staff_id'), ['staff_id'], unique=False)

    op.create_table('requestevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['helprequest.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('requestevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_requestevent_request_id'), ['request_id'], unique=False)

    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.Integer(), nullable=True))
        batch_op.alter_column('inbound_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_attachment_request_id'), ['request_id'], unique=False)
        batch_op.create_foreign_key('fk_attachment_request', 'helprequest', ['request_id'], ['id'])

    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        batch_op.add_column(sa.Column('full_name_enc', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True))
        batch_op.add_column(sa.Column('national_id_enc', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True))
        batch_op.add_column(sa.Column('city', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.add_column(sa.Column('residency', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column('household_size', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('income_bracket', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column('consent_at', store.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('erased_at', store.models.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('handoffrequest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', store.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_handoff_closed_by', 'staff', ['closed_by'], ['id'])

    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_outbox_staff', 'staff', ['staff_id'], ['id'])

    _audit_log_append_only()


def _audit_log_append_only() -> None:
    """The database itself refuses to change or remove an audit row, whoever asks."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION auditlog_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER auditlog_append_only BEFORE UPDATE OR DELETE ON auditlog "
            "FOR EACH ROW EXECUTE FUNCTION auditlog_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER auditlog_no_{event.lower()} BEFORE {event} ON auditlog "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )

def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS auditlog_append_only ON auditlog")
        op.execute("DROP FUNCTION IF EXISTS auditlog_append_only()")
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.drop_constraint('fk_outbox_staff', type_='foreignkey')
        batch_op.drop_column('staff_id')

    with op.batch_alter_table('handoffrequest', schema=None) as batch_op:
        batch_op.drop_constraint('fk_handoff_closed_by', type_='foreignkey')
        batch_op.drop_column('closed_by')
        batch_op.drop_column('closed_at')

    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
        batch_op.drop_column('consent_at')
        batch_op.drop_column('income_bracket')
        batch_op.drop_column('household_size')
        batch_op.drop_column('residency')
        batch_op.drop_column('city')
        batch_op.drop_column('national_id_enc')
        batch_op.drop_column('full_name_enc')

    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_constraint('fk_attachment_request', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_attachment_request_id'))
        batch_op.alter_column('inbound_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('request_id')

    with op.batch_alter_table('requestevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_requestevent_request_id'))

    op.drop_table('requestevent')
    with op.batch_alter_table('staffsession', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staffsession_staff_id'))

    op.drop_table('staffsession')
    with op.batch_alter_table('helprequest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_helprequest_status'))
        batch_op.drop_index(batch_op.f('ix_helprequest_due_at'))
        batch_op.drop_index(batch_op.f('ix_helprequest_conversation_key'))
        batch_op.drop_index(batch_op.f('ix_helprequest_city'))
        batch_op.drop_index(batch_op.f('ix_helprequest_category'))
        batch_op.drop_index(batch_op.f('ix_helprequest_beneficiary_id'))

    op.drop_table('helprequest')
    with op.batch_alter_table('auditlog', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditlog_subject'))
        batch_op.drop_index(batch_op.f('ix_auditlog_staff_id'))
        batch_op.drop_index(batch_op.f('ix_auditlog_at'))

    op.drop_table('auditlog')
    op.drop_table('staff')
