"""Fan-out: a due broadcast becomes one outbox row per recipient, streamed in batches (never all recipients in
memory), resumable after a crash from the last identity queued, and never twice (a unique key per recipient)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations import languages
from store.audience import audience_query
from store.queries import insert_new
from store.models import Broadcast, ChannelIdentity, OutboxMessage

log = logging.getLogger(__name__)
BATCH = 1000


async def fan_out_due(sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime], batch: int = BATCH) -> int:
    """Queue every due broadcast's recipients; the number of rows queued."""
    async with sessions() as tx:
        due = select(Broadcast.id).where(Broadcast.status.in_(("scheduled", "sending")), Broadcast.send_at <= clock())
        ids = list((await tx.scalars(due)).all())
    return sum([await fan_out(sessions, b, clock, batch) for b in ids])


async def fan_out(sessions: async_sessionmaker[AsyncSession], broadcast_id: int, clock: Callable[[], datetime], batch: int = BATCH) -> int:
    """Queue one broadcast, a batch per transaction, until its audience is exhausted or it is cancelled."""
    queued = 0
    while True:
        async with sessions() as tx, tx.begin():
            query = select(Broadcast).where(Broadcast.id == broadcast_id).with_for_update(skip_locked=True)
            broadcast = (await tx.scalars(query)).first()
            if broadcast is None or broadcast.status not in ("scheduled", "sending"):
                return queued  # cancelled, finished, or another process is on this batch
            page = (
                audience_query(broadcast.audience)
                .where(ChannelIdentity.id > broadcast.fanned_out_to)
                .order_by(ChannelIdentity.id)
                .limit(batch)
            )
            found = (await tx.execute(page)).all()
            now = clock()
            rows = [
                {
                    "channel": identity.channel,
                    "recipient": identity.external_id,
                    "conversation_key": f"{identity.channel}:{identity.external_id}",
                    "payload": {
                        "kind": "announcement",
                        "text": broadcast.text_ar if languages.get(person.language).fallback == "ar" else broadcast.text_en,
                        "choices": [],
                    },
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "broadcast_id": broadcast.id,
                }
                for identity, person in found
            ]
            if rows:
                queued += await insert_new(tx, OutboxMessage, rows)  # rows already queued are not counted again
                broadcast.fanned_out_to = found[-1][0].id
            broadcast.status = "sending" if len(found) == batch else "done"
            if broadcast.status == "done":
                log.info("broadcast %s: %s more recipients queued, fan-out done", broadcast.id, queued)
                return queued
