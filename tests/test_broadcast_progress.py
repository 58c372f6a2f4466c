"""A broadcast's progress and cancelling it, on SQLite and PostgreSQL: its messages counted by status and in
the groups the console shows; a cancel stops only what has not gone, and happens once."""

from __future__ import annotations

from sqlalchemy import select

from store import broadcast_progress as progress
from store.models import Broadcast, OutboxMessage
from tests.conftest import T0

STATUSES = ["pending", "pending", "sending", "sent", "delivered", "undelivered", "failed", "needs_template"]


async def _broadcast(sessions) -> int:
    async with sessions() as tx, tx.begin():
        broadcast = Broadcast(text_ar="إعلان", text_en="Notice", status="sending", send_at=T0)
        other = Broadcast(text_ar="آخر", text_en="Other", status="sending", send_at=T0)
        tx.add_all([broadcast, other])
        await tx.flush()
        for n, status in enumerate(STATUSES):
            tx.add(OutboxMessage(channel="web", recipient=f"u{n}", conversation_key=f"web:u{n}",
                                 status=status, broadcast_id=broadcast.id, created_at=T0))  # fmt: skip
        tx.add(OutboxMessage(channel="web", recipient="x", conversation_key="web:x", broadcast_id=other.id,
                             created_at=T0))  # fmt: skip
        return broadcast.id


async def test_messages_are_counted_by_status_and_in_every_group(sessions):
    bid = await _broadcast(sessions)
    async with sessions() as tx:
        assert await progress.by_status(tx, bid) == {
            "pending": 2, "sending": 1, "sent": 1, "delivered": 1, "undelivered": 1, "failed": 1,
            "needs_template": 1,
        }  # fmt: skip
        assert await progress.grouped(tx, bid) == {
            "queued": 3, "sent": 1, "delivered": 1, "read": 0, "failed": 2, "skipped": 0, "needs_template": 1,
            "cancelled": 0,
        }  # fmt: skip
        assert await progress.by_status(tx, bid + 100) == {}


async def test_cancelling_stops_the_pending_messages_only_and_only_once(sessions):
    bid = await _broadcast(sessions)
    async with sessions() as tx, tx.begin():
        broadcast = await tx.get(Broadcast, bid, with_for_update=True)
        assert await progress.cancel(tx, broadcast) == 2
        assert await progress.cancel(tx, broadcast) is None
    async with sessions() as tx:
        assert (await tx.get(Broadcast, bid)).status == "cancelled"
        rows = (await tx.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
        assert [r.status for r in rows if r.broadcast_id == bid] == ["cancelled"] * 2 + STATUSES[2:]
        assert [r.status for r in rows if r.broadcast_id != bid] == ["pending"]  # another broadcast goes on
