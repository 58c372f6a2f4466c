"""The rows of files still to fetch from a channel: claimed when due (others skip them), then stored, retried
later or failed with a reason; the note that tells a beneficiary which files are accepted; and a stored file
looked up for staff to open."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Attachment, Conversation, InboundMessage, OutboxMessage


async def claim_due(tx: AsyncSession, now: datetime, lease: timedelta, limit: int = 20) -> list[Attachment]:
    """Pending fetches that are due, taken by this process for `lease` (a dead one's are retaken after)."""
    query = (
        select(Attachment)
        .where(Attachment.fetch_status == "pending", Attachment.fetch_due_at <= now)
        .order_by(Attachment.fetch_due_at, Attachment.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list((await tx.scalars(query)).all())
    for row in rows:
        row.fetch_attempts += 1
        row.fetch_due_at = now + lease
    return rows


async def record_stored(
    tx: AsyncSession, attachment_id: int, name: str, content_type: str, size: int
) -> None:
    row = await tx.get(Attachment, attachment_id)
    row.fetch_status, row.fetch_due_at, row.fetch_error = "stored", None, ""
    row.stored_name, row.content_type, row.size = name, content_type, size


async def record_failure(
    tx: AsyncSession, attachment_id: int, reason: str, retry_at: datetime | None
) -> None:
    """Try again at `retry_at`; with None, the fetch has failed for good and staff see `reason`."""
    row = await tx.get(Attachment, attachment_id)
    row.fetch_error = reason
    row.fetch_status, row.fetch_due_at = ("pending", retry_at) if retry_at else ("failed", None)


async def stored_names(tx: AsyncSession) -> set[str]:
    """The names of every file a row still holds in the file store."""
    return set((await tx.scalars(select(Attachment.stored_name).where(Attachment.stored_name != ""))).all())


async def stored_file(tx: AsyncSession, attachment_id: int, name: str) -> Attachment | None:
    """A file a beneficiary sent, by its id and stored name, when it is in the file store."""
    query = select(Attachment).where(
        Attachment.id == attachment_id, Attachment.stored_name == name, Attachment.fetch_status == "stored"
    )
    return (await tx.scalars(query)).first()


async def tell_sender(tx: AsyncSession, attachment: Attachment, text_for: callable, now: datetime) -> None:
    """Queue a message to whoever sent the file, in their conversation's language (`text_for(lang)`)."""
    message = await tx.get(InboundMessage, attachment.inbound_id) if attachment.inbound_id else None
    if message is None:
        return
    conv = (
        await tx.scalars(select(Conversation).where(Conversation.key == message.conversation_key))
    ).first()
    lang = ((conv.data or {}).get("lang") if conv else None) or "ar"
    payload = {"kind": "file_refused", "text": text_for(lang), "choices": []}
    tx.add(
        OutboxMessage(
            channel=message.channel,
            recipient=message.sender_id,
            conversation_key=message.conversation_key,
            payload=payload,
            next_attempt_at=now,
            created_at=now,
        )
    )
