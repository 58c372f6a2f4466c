"""How far a broadcast has gone (its outbox rows counted by status, and in the groups the console shows) and
cancelling one: no more fan-out, its messages still pending cancelled, those already sent left as they are."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Broadcast, OutboxMessage

GROUPS = {  # outbox statuses counted together
    "queued": ("pending", "sending"),
    "sent": ("sent",),
    "delivered": ("delivered",),
    "read": ("read",),
    "failed": ("failed", "undelivered"),
    "skipped": ("skipped",),
    "needs_template": ("needs_template",),
    "cancelled": ("cancelled",),
}


async def by_status(tx: AsyncSession, broadcast_id: int) -> dict[str, int]:
    """The broadcast's messages counted by outbox status (only the statuses it has)."""
    query = select(OutboxMessage.status, func.count()).where(OutboxMessage.broadcast_id == broadcast_id)
    return dict((await tx.execute(query.group_by(OutboxMessage.status))).all())


async def grouped(tx: AsyncSession, broadcast_id: int) -> dict[str, int]:
    """The broadcast's messages counted in GROUPS (every group, zero included)."""
    counts = await by_status(tx, broadcast_id)
    return {group: sum(counts.get(s, 0) for s in statuses) for group, statuses in GROUPS.items()}


async def cancel(tx: AsyncSession, broadcast: Broadcast) -> int | None:
    """Cancel the broadcast and its pending messages; how many were cancelled (None: it already was)."""
    if broadcast.status == "cancelled":
        return None
    broadcast.status = "cancelled"
    pending = (OutboxMessage.broadcast_id == broadcast.id, OutboxMessage.status == "pending")
    result = await tx.execute(update(OutboxMessage).where(*pending).values(status="cancelled"))
    return result.rowcount
