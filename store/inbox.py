"""The live-chat inbox as a team tool: the open chats, who a chat is assigned to, what each staff member has
not read yet, who has it open to answer now, the beneficiary's actual last message, this chat's part of the
conversation (both sides, with their files), and the ready answers (canned replies) per language."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store import queries, sealed, sent_files
from store.crypto import Keyring
from store.models import (
    Attachment,
    HandoffRead,
    HandoffRequest,
    InboundMessage,
    OutboxMessage,
    ReadyAnswer,
    Staff,
)
from store.queries import insert_new

ANSWERING = timedelta(minutes=5)  # someone who opened a chat this recently is taken to be answering it
LEAD = timedelta(hours=1)  # a chat starts with what the beneficiary wrote this long before asking for a person


async def open_chats(tx: AsyncSession, limit: int) -> list[HandoffRequest]:
    """The open chats, newest first (at most `limit`)."""
    query = (
        select(HandoffRequest)
        .where(HandoffRequest.status == "open")
        .order_by(HandoffRequest.created_at.desc(), HandoffRequest.id.desc())
        .limit(limit)
    )
    return list((await tx.scalars(query)).all())


async def find(tx: AsyncSession, reference: str, lock: bool = False) -> HandoffRequest | None:
    """The chat with this reference (locked for the transaction when `lock`)."""
    query = select(HandoffRequest).where(HandoffRequest.reference == reference)
    return (await tx.scalars(query.with_for_update() if lock else query)).first()


async def repliers(tx: AsyncSession, roles: tuple[str, ...]) -> list[Staff]:
    """The active staff members holding one of `roles`: whom a chat can be assigned to."""
    query = select(Staff).where(Staff.active, Staff.role.in_(roles)).order_by(Staff.display_name, Staff.id)
    return list((await tx.scalars(query)).all())


async def assign(
    tx: AsyncSession, handoff: HandoffRequest, staff_id: int | None, roles: tuple[str, ...]
) -> bool:
    """Assign the chat to an active staff member holding one of `roles` (None: to nobody); False when there is
    no such member."""
    if staff_id is not None:
        query = select(Staff.id).where(Staff.id == staff_id, Staff.active, Staff.role.in_(roles))
        active = await tx.scalar(query)
        if active is None:
            return False
    handoff.assigned_to = staff_id
    return True


async def mark_read(tx: AsyncSession, handoff_id: int, staff_id: int, now: datetime) -> None:
    """The staff member has seen the chat as it is now."""
    row = {"handoff_id": handoff_id, "staff_id": staff_id, "seen_at": now}
    if await insert_new(tx, HandoffRead, [row]) != 1:
        await tx.execute(
            update(HandoffRead)
            .where(HandoffRead.handoff_id == handoff_id, HandoffRead.staff_id == staff_id)
            .values(seen_at=now)
        )


async def last_messages(tx: AsyncSession, handoffs: list[HandoffRequest]) -> dict[int, tuple[str, datetime]]:
    """Each chat's latest message from the beneficiary (its text, when it came), by handoff id."""
    found: dict[int, tuple[str, datetime]] = {}
    for handoff in handoffs:
        query = (
            select(InboundMessage)
            .where(
                InboundMessage.conversation_key == handoff.conversation_key,
                InboundMessage.received_at >= chat_start_floor(handoff),
            )
            .order_by(InboundMessage.id.desc())
            .limit(20)
        )
        for message in (await tx.scalars(query)).all():
            if message.payload.get("kind") != "event" and message.text:
                found[handoff.id] = (message.text, message.received_at)
                break
    return found


async def unread(tx: AsyncSession, handoffs: list[HandoffRequest], staff_id: int) -> set[int]:
    """The chats with a message from the beneficiary that this staff member has not seen (never opened,
    or written to since they last did)."""
    if not handoffs:
        return set()
    seen = dict(
        (await tx.execute(
            select(HandoffRead.handoff_id, HandoffRead.seen_at).where(
                HandoffRead.staff_id == staff_id, HandoffRead.handoff_id.in_([h.id for h in handoffs])
            )
        )).all()
    )  # fmt: skip
    latest = await last_messages(tx, handoffs)
    return {
        h.id for h in handoffs if h.id not in seen or (h.id in latest and latest[h.id][1] > seen[h.id])
    }


def answering(handoff: HandoffRequest, now: datetime) -> int | None:
    """Who has the chat open to answer it now (None when nobody has lately)."""
    if handoff.answering_by is None or handoff.answering_at is None:
        return None
    return handoff.answering_by if now - handoff.answering_at < ANSWERING else None


def start_answering(handoff: HandoffRequest, staff_id: int, now: datetime) -> None:
    handoff.answering_by, handoff.answering_at = staff_id, now


def chat_start_floor(handoff: HandoffRequest) -> datetime:
    """The earliest moment of this chat: a little before the beneficiary asked for a person."""
    return handoff.created_at - LEAD


async def chat_start(tx: AsyncSession, handoff: HandoffRequest) -> datetime:
    """Where this chat begins in the conversation: shortly before the request, and never before the previous
    chat of the same conversation was closed (that one is a click away, with everything earlier)."""
    previous = await tx.scalar(
        select(func.max(HandoffRequest.closed_at)).where(
            HandoffRequest.conversation_key == handoff.conversation_key,
            HandoffRequest.id != handoff.id,
            HandoffRequest.closed_at <= handoff.created_at,
        )
    )
    floor = chat_start_floor(handoff)
    return max(floor, previous) if previous is not None else floor


async def ready_answers(tx: AsyncSession, language: str | None = None) -> list[ReadyAnswer]:
    """The ready answers, in one language or all, by title."""
    query = select(ReadyAnswer).order_by(ReadyAnswer.language, ReadyAnswer.title, ReadyAnswer.id)
    if language is not None:
        query = query.where(ReadyAnswer.language == language)
    return list((await tx.scalars(query)).all())


async def add_ready_answer(
    tx: AsyncSession, language: str, title: str, text: str, staff_id: int, now: datetime
) -> ReadyAnswer:
    row = ReadyAnswer(language=language, title=title, text=text, created_by=staff_id, created_at=now)
    tx.add(row)
    await tx.flush()
    return row


async def remove_ready_answer(tx: AsyncSession, answer_id: int) -> bool:
    row = await tx.get(ReadyAnswer, answer_id)
    if row is None:
        return False
    await tx.delete(row)
    return True


class Transcript(NamedTuple):
    """A part of a conversation: the beneficiary's inputs and the outgoing messages, oldest first, the inputs'
    files, and the files staff sent (by id)."""

    inputs: list[InboundMessage]
    outputs: list[OutboxMessage]
    files: list[Attachment]
    sent: dict[int, Attachment]


async def transcript(
    tx: AsyncSession, keyring: Keyring, key: str, since: datetime | None, limit: int
) -> Transcript:
    """The latest inputs (not events) and outgoing messages of a conversation from `since` (None: all the
    latest, at most `limit` of each), with their files."""
    inputs = [
        m for m in await queries.inputs_of(tx, key, limit)
        if m.payload.get("kind") != "event" and (since is None or m.received_at >= since)
    ]  # fmt: skip
    query = (
        select(OutboxMessage).where(OutboxMessage.conversation_key == key).order_by(OutboxMessage.id.desc())
    )
    if since is not None:
        query = query.where(OutboxMessage.created_at >= since)
    outputs = list(reversed((await tx.scalars(query.limit(limit))).all()))
    ids = [m.id for m in inputs]
    files = (await tx.scalars(select(Attachment).where(Attachment.inbound_id.in_(ids)))).all() if ids else []
    payloads = (sealed.output_payload(keyring, m) for m in outputs)
    sent = await sent_files.by_ids(tx, {p["file"]["id"] for p in payloads if p.get("file")})
    return Transcript(inputs, outputs, list(files), sent)
