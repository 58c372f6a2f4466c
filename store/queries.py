"""The queries the engine and the dispatcher share through the ORM: identities, a vouched phone, attachments,
timers, events, the lookups a step reads, a conversation's messages (an input's own statements are plain SQL:
store/input_rows.py; the dispatcher's claims, store/outbox_pass.py)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Callable

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from store import message_ids
from conversations.types import ComplaintView, ProgramView, RegistrationView, RequestView
from store.models import (
    Attachment,
    Beneficiary,
    Complaint,
    ChannelIdentity,
    Conversation,
    HandoffRequest,
    HelpRequest,
    InboundMessage,
    OutboxMessage,
    Program,
    Rating,
    Registration,
    Timer,
)

if TYPE_CHECKING:
    from store.input_rows import ConversationRow


EVENTS = "recorded events"  # the session's info key: conversations given an event in this transaction


async def insert_new(tx: AsyncSession, model: type, rows: list[dict]) -> int:
    """Insert rows, skipping any that a unique key says are already there; the number inserted."""
    dialect_insert = pg_insert if tx.bind.dialect.name == "postgresql" else sqlite_insert
    return (await tx.execute(dialect_insert(model).values(rows).on_conflict_do_nothing())).rowcount


# The statements many inputs run, built once with bound parameters: building a statement and its cache key
# costs more than running it.
_IDENTITY = select(ChannelIdentity).where(
    ChannelIdentity.channel == bindparam("channel"), ChannelIdentity.external_id == bindparam("external_id")
)


async def identity_for(tx: AsyncSession, channel: str, external_id: str) -> ChannelIdentity | None:
    return (await tx.scalars(_IDENTITY, {"channel": channel, "external_id": external_id})).first()


async def link_phone(tx: AsyncSession, identity_id: int, conv: Conversation | ConversationRow, phone: str, now: datetime) -> None:
    """A number the channel vouches is the sender's own. If a record was already verified with it (the same
    person on another channel), point this identity and conversation at that record; otherwise this record
    is verified with it unless it has a verified number already (one number per record, so nothing flips).
    A number merely typed (`Beneficiary.phone`) is never looked at."""
    identity = await tx.get(ChannelIdentity, identity_id)
    owner = (await tx.scalars(select(Beneficiary).where(Beneficiary.verified_phone == phone))).first()
    if owner is not None:
        identity.beneficiary_id = conv.beneficiary_id = owner.id
        await tx.execute(update(Conversation).where(Conversation.id == conv.id).values(beneficiary_id=owner.id))
        return
    person = await tx.get(Beneficiary, identity.beneficiary_id)
    if person.verified_phone is None:
        person.verified_phone, person.phone_verified_at = phone, now
    if not person.phone:
        person.phone = phone  # a contact number to offer in forms; one they typed is kept


async def keep_attachments(tx: AsyncSession, beneficiary_id: int, message: InboundMessage, payload: dict) -> None:
    """Files and a location that came with an input (`payload`: its payload in clear), as rows staff can list
    and fetch."""
    for item in payload.get("attachments") or []:
        stored = bool(item.get("stored_name"))  # a web-chat upload is in the file store already
        tx.add(
            Attachment(
                beneficiary_id=beneficiary_id,
                inbound_id=message.id,
                channel=message.channel,
                created_at=message.received_at,
                fetch_status="stored" if stored else "pending",  # the provider's copy expires: fetch it now
                fetch_due_at=None if stored else message.received_at,
                **item,
            )
        )
    if payload.get("location"):
        lat, lon = payload["location"]
        tx.add(
            Attachment(
                beneficiary_id=beneficiary_id,
                inbound_id=message.id,
                channel=message.channel,
                kind="location",
                reference=f"{lat:.6f},{lon:.6f}",
                created_at=message.received_at,
            )
        )


async def open_handoff(tx: AsyncSession, beneficiary_id: int) -> HandoffRequest | None:
    query = (
        select(HandoffRequest)
        .where(HandoffRequest.beneficiary_id == beneficiary_id, HandoffRequest.status == "open")
        .order_by(HandoffRequest.id.desc())
        .limit(1)
    )
    return (await tx.scalars(query)).first()


async def stale_inbound_keys(tx: AsyncSession, older_than: datetime, after: str = "", limit: int = 100) -> list[str]:
    """Conversations with inputs recorded but not applied (a crash between the two), to be resumed: keys
    above `after`, in order, so that a drain pages through them once."""
    query = (
        select(InboundMessage.conversation_key)
        .where(
            InboundMessage.status == "received",
            InboundMessage.received_at <= older_than,
            InboundMessage.conversation_key > after,
        )
        .distinct()
        .order_by(InboundMessage.conversation_key)
        .limit(limit)
    )
    return list((await tx.scalars(query)).all())


async def replies_after(tx: AsyncSession, key: str, after: int, limit: int = 200) -> list[OutboxMessage]:
    """A conversation's outgoing messages with ids above `after`, oldest first."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.conversation_key == key, OutboxMessage.id > after)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list((await tx.scalars(query)).all())


async def inputs_of(tx: AsyncSession, key: str, limit: int = 200) -> list[InboundMessage]:
    """A conversation's latest inputs, oldest first."""
    query = select(InboundMessage).where(InboundMessage.conversation_key == key).order_by(InboundMessage.id.desc()).limit(limit)
    return list(reversed((await tx.scalars(query)).all()))


async def conversation_language(tx: AsyncSession, key: str) -> str | None:
    conv = (await tx.scalars(select(Conversation).where(Conversation.key == key))).first()
    return (conv.data or {}).get("lang") if conv else None


async def claim_due_timers(tx: AsyncSession, now: datetime, limit: int = 100) -> list[Timer]:
    """Timers that came due, taken by this process only (others skip them), marked fired."""
    query = (
        select(Timer)
        .where(Timer.status == "pending", Timer.due_at <= now)
        .order_by(Timer.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    timers = list((await tx.scalars(query)).all())
    for timer in timers:
        timer.status = "fired"
    return timers


async def record_event(tx: AsyncSession, conversation_key: str, event: str, text: str, now: datetime) -> InboundMessage:
    """An event for a conversation (a staff action), recorded inside the caller's transaction so that it
    commits or rolls back with the action itself; the engine applies it like any input."""
    channel, sender_id = conversation_key.split(":", 1)
    row = InboundMessage(
        channel=channel,
        provider_message_id=message_ids.internal("event", uuid.uuid4().hex),
        sender_id=sender_id,
        conversation_key=conversation_key,
        text="",
        payload={"kind": "event", "choice": event, "event_text": text},
        received_at=now,
    )
    tx.add(row)
    await tx.flush()
    tx.info.setdefault(EVENTS, set()).add(conversation_key)
    return row


def took_event(tx: AsyncSession, conversation_key: str) -> bool:
    """Whether an event for this conversation was recorded in `tx` since the last asking (an input whose effects
    answer back to its own conversation, e.g. a link code's verdict): then another input waits."""
    recorded = tx.info.get(EVENTS, set())
    if conversation_key in recorded:
        recorded.discard(conversation_key)
        return True
    return False


async def request_views(tx: AsyncSession, beneficiary_id: int, limit: int = 20) -> tuple[RequestView, ...]:
    """The person's own help requests, newest first."""
    query = (
        select(HelpRequest)
        .where(HelpRequest.beneficiary_id == beneficiary_id)
        .order_by(HelpRequest.id.desc())
        .limit(limit)
    )
    return tuple(
        RequestView(r.reference, r.status, r.category, r.submitted_at, r.due_at, r.info_question)
        for r in (await tx.scalars(query)).all()
    )


async def registrations_of(tx: AsyncSession, beneficiary_id: int) -> list[Registration]:
    """The person's sign-ups, every status."""
    return list((await tx.scalars(select(Registration).where(Registration.beneficiary_id == beneficiary_id))).all())


def registration_views(regs: list[Registration]) -> tuple[RegistrationView, ...]:
    return tuple(RegistrationView(r.program_id, r.status, r.attended_at is not None) for r in regs)


async def program_views(
    tx: AsyncSession, regs: list[Registration], now: datetime, local_day: Callable[[datetime], object]
) -> tuple[ProgramView, ...]:
    """Published programs not over yet (starting from 12 hours ago, running until later, or a service offered
    without an end) and any the person signed up for (`regs`), with seats left; the check-in code only for a
    program they are accepted in, on its day (`local_day` gives the association's calendar day)."""
    mine = {r.program_id: r for r in regs}
    not_over = or_(
        Program.starts_at >= now - timedelta(hours=12),
        Program.ends_at >= now,
        and_(Program.kind == "service", Program.ends_at.is_(None)),
    )
    query = select(Program).where(or_(and_(Program.status == "published", not_over), Program.id.in_(list(mine))))
    programs = (await tx.scalars(query.order_by(Program.starts_at).limit(200))).all()
    taken = dict(
        (
            await tx.execute(
                select(Registration.program_id, func.count())
                .where(Registration.program_id.in_([p.id for p in programs]), Registration.status.in_(("pending", "accepted")))
                .group_by(Registration.program_id)
            )
        ).all()
    ) if programs else {}
    views = []
    for p in programs:
        seats = None if p.capacity is None else max(0, p.capacity - taken.get(p.id, 0))
        reg = mine.get(p.id)
        code = p.checkin_code if reg and reg.status == "accepted" and local_day(p.starts_at) == local_day(now) else ""
        views.append(
            ProgramView(
                p.id, p.kind, p.title_ar, p.title_en, p.description_ar, p.description_en, p.starts_at, p.ends_at,
                p.mode, p.place_ar, p.place_en, p.link, seats, p.registration_deadline, tuple(p.conditions),
                p.arrangements_ar, p.arrangements_en, code,
            )
        )
    return tuple(views)


async def recipients(tx: AsyncSession, keys: list[tuple[str, str]]) -> dict[tuple[str, str], ChannelIdentity]:
    """The identities behind a batch's (channel, recipient) pairs, in one query per channel."""
    found: dict[tuple[str, str], ChannelIdentity] = {}
    for channel in {c for c, _ in keys}:
        ids = [r for c, r in keys if c == channel]
        query = select(ChannelIdentity).where(ChannelIdentity.channel == channel, ChannelIdentity.external_id.in_(ids))
        for identity in (await tx.scalars(query)).all():
            found[(channel, identity.external_id)] = identity
    return found


async def complaint_views(tx: AsyncSession, beneficiary_id: int, limit: int = 20) -> tuple[ComplaintView, ...]:
    """The person's own complaints and suggestions, newest first."""
    query = select(Complaint).where(Complaint.beneficiary_id == beneficiary_id).order_by(Complaint.id.desc()).limit(limit)
    return tuple(
        ComplaintView(c.reference, c.kind, c.status, c.created_at, c.due_at, c.reply)
        for c in (await tx.scalars(query)).all()
    )


async def open_ratings(tx: AsyncSession, beneficiary_id: int) -> tuple[int, ...]:
    """The ids of the person's ratings still waiting for an answer."""
    query = select(Rating.id).where(
        Rating.beneficiary_id == beneficiary_id, Rating.status.in_(("scheduled", "prompted", "reminded"))
    )
    return tuple((await tx.scalars(query)).all())
