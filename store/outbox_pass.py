"""The dispatcher's SQL: claim due outbox rows under a lease together with their recipients' identities, and
write a batch's plain outcomes, each as one statement, so that a pass costs a few round trips, not one per row."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import and_, any_, bindparam, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from store import queries
from store.input_rows import rows_on
from store.models import DUE_OUTBOX, ChannelIdentity, OutboxMessage

_OUTBOX = OutboxMessage.__table__
_C = _OUTBOX.c


def _claim(now: datetime, lease: timedelta, limit: int, channels: list[str] | None, postgresql: bool):
    """UPDATE … WHERE id IN (the first due rows, skipping those another dispatcher holds) RETURNING the rows.
    The due test is written out as the partial index's own predicate (DUE_OUTBOX), so that the search reads
    only rows still to send, however many a broadcast has sent already. On PostgreSQL the ids go as an array
    (id = ANY(ARRAY(…))): an IN subquery may be planned as a hash join over the whole table."""
    due = (
        select(_C.id)
        .where(text(DUE_OUTBOX), _C.next_attempt_at <= now)
        .where(*([_C.channel.in_(channels)] if channels is not None else []))
        .order_by(_C.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (
        update(_OUTBOX)
        .where(_C.id == any_(func.array(due.scalar_subquery())) if postgresql else _C.id.in_(due))
        .values(status="sending", attempts=_C.attempts + 1, next_attempt_at=now + lease)
        .returning(*_C)
    )


class Reach(NamedTuple):
    """What the claim reads of a recipient's identity: what a sender may need to know to write to them."""

    last_inbound_at: datetime | None
    opted_out: bool
    unreachable: str | None


async def claim_due(
    tx: AsyncSession, now: datetime, lease: timedelta, limit: int, channels: list[str] | None = None
) -> tuple[list[OutboxMessage], dict[tuple[str, str], Reach]]:
    """Take due rows for sending (pending ones, and ones whose sender's lease ran out), only of `channels` when
    given, in id order; with what is known of their recipients. On PostgreSQL one statement does both (the
    claim as a CTE joined to the identities); SQLite, which has no such CTE, looks the identities up after."""
    postgresql = tx.get_bind().dialect.name == "postgresql"
    claim = _claim(now, lease, limit, channels, postgresql)
    if not postgresql:
        query = select(OutboxMessage).from_statement(claim)
        rows = sorted((await tx.scalars(query)).all(), key=lambda row: row.id)
        known = await queries.recipients(tx, list({(row.channel, row.recipient) for row in rows}))
        return rows, {key: Reach(i.last_inbound_at, i.opted_out, i.unreachable) for key, i in known.items()}
    claimed = claim.cte("claimed")
    row = aliased(OutboxMessage, claimed)
    who = ChannelIdentity.__table__.c
    query = (
        select(row, who.id, who.last_inbound_at, who.opted_out, who.unreachable)
        .outerjoin(ChannelIdentity, and_(who.channel == row.channel, who.external_id == row.recipient))
        .order_by(row.id)
    )
    found = (await tx.execute(query)).all()
    return [r[0] for r in found], {(r[0].channel, r[0].recipient): Reach(*r[2:]) for r in found if r[1] is not None}


# One row's outcome, written only if the row is still ours (sending, on the attempt we claimed): a row whose
# lease ran out and that another dispatcher took over is left alone.
_OUTCOME = (
    update(_OUTBOX)
    .where(_C.id == bindparam("row_id"), _C.status == "sending", _C.attempts == bindparam("claimed"))
    .values(
        status=bindparam("new_status"), error=bindparam("new_error"),
        provider_message_id=func.coalesce(bindparam("provider_id"), _C.provider_message_id),
        sent_at=func.coalesce(bindparam("sent"), _C.sent_at),
        next_attempt_at=func.coalesce(bindparam("retry_at"), _C.next_attempt_at),
    )
)
# The same for a whole batch on PostgreSQL: one statement over arrays, one column each, instead of one per row
# (run on asyncpg itself: through SQLAlchemy's text() it cost more than the database's own work).
_OUTCOMES = """
    UPDATE outboxmessage AS o SET
        status = v.status, error = v.error,
        provider_message_id = coalesce(v.provider_id, o.provider_message_id),
        sent_at = coalesce(v.sent, o.sent_at),
        next_attempt_at = coalesce(v.retry_at, o.next_attempt_at)
    FROM unnest({0}::integer[], {1}::integer[], {2}::varchar[], {3}::varchar[], {4}::varchar[], {5}::timestamptz[],
                {6}::timestamptz[]) AS v(id, claimed, status, error, provider_id, sent, retry_at)
    WHERE o.id = v.id AND o.status = 'sending' AND o.attempts = v.claimed
"""
_OUTCOME_KEYS = ("row_id", "claimed", "new_status", "new_error", "provider_id", "sent", "retry_at")


async def record_outcomes(conn: AsyncConnection, outcomes: list[dict]) -> None:
    """Write outcomes (dicts of row_id, claimed, new_status, new_error, provider_id, sent, retry_at) to rows
    that are still ours; rows another dispatcher took over are left alone. One statement on PostgreSQL (it may
    run by itself, store/db.one_statement)."""
    if not outcomes:
        return
    if conn.dialect.name != "postgresql":
        await conn.execute(_OUTCOME, outcomes)
        return
    rows = await rows_on(conn)
    await rows.execute(_OUTCOMES, *([o[key] for o in outcomes] for key in _OUTCOME_KEYS))
