"""What staff send into a live chat: a signed reply with or without a file, through the outbox like any
message, and closing the chat (its conversation's `handoff_closed` event and the rating it asks for)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from store import queries, sealed, sent_files
from store.crypto import Keyring
from store.file_store import FileType
from store.inbox import mark_read, start_answering
from store.models import HandoffRequest, OutboxMessage
from store.ratings import schedule_rating


@dataclass(frozen=True)
class SentFile:
    """A file already written to the file store, to go with a reply: its name there, type, size, the name it
    is shown under."""

    name: str
    kind: FileType
    size: int
    shown: str


async def reply(
    tx: AsyncSession, keyring: Keyring, handoff: HandoffRequest, staff_id: int, text: str,
    file: SentFile | None, now: datetime,
) -> OutboxMessage:  # fmt: skip
    """The staff member's message (already signed) queued for the beneficiary, sealed, with its file; they
    are answering the chat now and have read it."""
    channel, recipient = handoff.conversation_key.split(":", 1)
    content: dict = {"kind": "staff_reply", "text": text, "choices": []}
    if file is not None:
        row = await sent_files.keep(
            tx, handoff.beneficiary_id, channel, file.name, file.kind, file.size, file.shown, now
        )
        content["file"] = sent_files.payload_entry(row)
    start_answering(handoff, staff_id, now)
    await mark_read(tx, handoff.id, staff_id, now)
    message = OutboxMessage(
        channel=channel, recipient=recipient, conversation_key=handoff.conversation_key,
        payload=sealed.seal_output(keyring, content), subject=f"handoff:{handoff.reference}",
        staff_id=staff_id, next_attempt_at=now, created_at=now,
    )  # fmt: skip
    tx.add(message)
    return message


async def close(
    tx: AsyncSession, handoff: HandoffRequest, staff_id: int, now: datetime, rating_delay: timedelta
) -> bool:
    """Close an open chat: its conversation gets the `handoff_closed` event, and the beneficiary will be asked
    to rate it (the conversation with staff was a service too). False when it was not open."""
    if handoff.status != "open":
        return False
    handoff.status, handoff.closed_at, handoff.closed_by = "closed", now, staff_id
    await queries.record_event(tx, handoff.conversation_key, "handoff_closed", "", now)
    await schedule_rating(
        tx, service_kind="handoff", service_ref=handoff.reference, conversation_key=handoff.conversation_key,
        beneficiary_id=handoff.beneficiary_id, staff_id=staff_id, now=now, delay=rating_delay,
    )  # fmt: skip
    return True
