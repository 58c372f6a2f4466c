"""Delivery reports from a provider: an outbox row's status only moves forward (sent, delivered, read)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import OutboxMessage

# How far a message has got; the provider's early states rank below "sent", which the dispatcher writes as
# soon as the provider accepted the message, so a late "queued" never moves a row back.
PROGRESS = {"accepted": 0, "scheduled": 0, "queued": 0, "sending": 0, "sent": 1, "delivered": 2, "read": 3}
FAILED = frozenset({"failed", "undelivered"})
FINAL = FAILED | {"read"}


def _moves_forward(current: str, reported: str) -> bool:
    """Whether `reported` is news for a row now in `current`."""
    if current in FINAL or current not in PROGRESS:
        return False  # done, or not a row the provider accepted (pending, needs_template, …)
    if reported in FAILED:
        return True
    return PROGRESS.get(reported, -1) > PROGRESS[current]


async def record_status(
    tx: AsyncSession, provider_message_id: str, status: str, error_code: str | None
) -> bool:
    """Apply a provider's status report to the outbox row with that id; False when no row has it."""
    query = select(OutboxMessage).where(OutboxMessage.provider_message_id == provider_message_id)
    row = (await tx.scalars(query.limit(1).with_for_update())).first()
    if row is None:
        return False
    if _moves_forward(row.status, status):
        row.status = status
        if error_code:
            row.error = f"{status}: provider error {error_code}"[:500]
    return True
