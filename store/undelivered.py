"""Messages to beneficiaries that have not arrived, and what staff do about them: the state of every message a
staff action caused (for the page where they caused it), the list of those not arrived (oldest first), sending
again, sending on another channel the person has linked, and recording that staff told them by phone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import ChannelIdentity, OutboxMessage

NOT_ARRIVED = ("needs_template", "failed", "undelivered")
PUSH_CHANNELS = ("telegram", "whatsapp")  # channels that reach a person who is not looking at a page
PAGE = 200


@dataclass(frozen=True)
class Waiting:
    """One message that has not arrived, with whom it was for and whether another channel could carry it."""

    row: OutboxMessage
    beneficiary_id: int
    other_channel: str | None


def _waiting():
    """Rows to a beneficiary's identity that have not arrived (announcements are counted on their own page)."""
    return (
        select(OutboxMessage, ChannelIdentity.beneficiary_id)
        .join(
            ChannelIdentity,
            (ChannelIdentity.channel == OutboxMessage.channel)
            & (ChannelIdentity.external_id == OutboxMessage.recipient),
        )
        .where(OutboxMessage.status.in_(NOT_ARRIVED), OutboxMessage.broadcast_id.is_(None))
    )


async def count(tx: AsyncSession) -> int:
    """How many messages wait in the not-delivered list."""
    return await tx.scalar(select(func.count()).select_from(_waiting().subquery())) or 0


async def other_identity(tx: AsyncSession, beneficiary_id: int, channel: str) -> ChannelIdentity | None:
    """The person's identity on another channel that reaches them by itself, the most recently used first."""
    query = (
        select(ChannelIdentity)
        .where(
            ChannelIdentity.beneficiary_id == beneficiary_id,
            ChannelIdentity.channel.in_(PUSH_CHANNELS),
            ChannelIdentity.channel != channel,
            ChannelIdentity.unreachable.is_(None),
        )
        .order_by(ChannelIdentity.last_inbound_at.desc().nulls_last(), ChannelIdentity.id)
    )
    return (await tx.scalars(query.limit(1))).first()


async def waiting(tx: AsyncSession, limit: int = PAGE) -> list[Waiting]:
    """The messages not arrived, oldest first."""
    rows = (
        await tx.execute(_waiting().order_by(OutboxMessage.created_at, OutboxMessage.id).limit(limit))
    ).all()
    found = []
    for row, beneficiary_id in rows:
        other = await other_identity(tx, beneficiary_id, row.channel)
        found.append(Waiting(row, beneficiary_id, other.channel if other else None))
    return found


async def for_subject(tx: AsyncSession, subject: str) -> list[OutboxMessage]:
    """Every message about one request, complaint, live chat or program, in the order they were written."""
    query = select(OutboxMessage).where(OutboxMessage.subject == subject).order_by(OutboxMessage.id)
    return list((await tx.scalars(query)).all())


async def people_of(tx: AsyncSession, rows: list[OutboxMessage]) -> dict[int, int]:
    """Whom each message was for: the beneficiary id behind each row's channel identity, by row id."""
    found = {}
    for row in rows:
        query = select(ChannelIdentity.beneficiary_id).where(
            ChannelIdentity.channel == row.channel, ChannelIdentity.external_id == row.recipient
        )
        if (beneficiary_id := await tx.scalar(query)) is not None:
            found[row.id] = beneficiary_id
    return found


async def broadcast_reasons(tx: AsyncSession, broadcast_id: int) -> list[tuple[OutboxMessage, int]]:
    """One message of a broadcast per status and error that did not arrive, with how many share them."""
    query = (
        select(func.min(OutboxMessage.id), func.count())
        .where(OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status.in_(NOT_ARRIVED))
        .group_by(OutboxMessage.status, OutboxMessage.error)
    )
    counted = (await tx.execute(query)).all()
    return [(await tx.get(OutboxMessage, first), n) for first, n in counted]


async def move_to_linked(tx: AsyncSession, row: OutboxMessage, now: datetime) -> OutboxMessage | None:
    """Send `row` on the person's other linked channel instead: a new row there, this one marked moved
    (its error names the new row); None when they have no other channel, or for an announcement (it was
    queued for each of the person's channels already)."""
    if row.broadcast_id is not None:
        return None
    identity = (
        await tx.scalars(
            select(ChannelIdentity).where(
                ChannelIdentity.channel == row.channel, ChannelIdentity.external_id == row.recipient
            )
        )
    ).first()
    other = await other_identity(tx, identity.beneficiary_id, row.channel) if identity else None
    if other is None:
        return None
    moved = OutboxMessage(
        channel=other.channel,
        recipient=other.external_id,
        conversation_key=f"{other.channel}:{other.external_id}",
        payload=dict(row.payload),
        subject=row.subject,
        staff_id=row.staff_id,
        next_attempt_at=now,
        created_at=now,
    )
    tx.add(moved)
    await tx.flush()
    row.status, row.error = "moved", f"moved to {other.channel} as {moved.id}"
    return moved


async def _locked(tx: AsyncSession, row_id: int) -> OutboxMessage | None:
    """The row, locked, while it still has not arrived."""
    query = select(OutboxMessage).where(OutboxMessage.id == row_id, OutboxMessage.status.in_(NOT_ARRIVED))
    return (await tx.scalars(query.with_for_update())).first()


async def send_again(tx: AsyncSession, row_id: int, now: datetime) -> OutboxMessage | None:
    """Queue a message not arrived for another try on its own channel; None when it has arrived meanwhile."""
    row = await _locked(tx, row_id)
    if row is not None:
        row.status, row.attempts, row.next_attempt_at, row.error = "pending", 0, now, None
    return row


async def send_elsewhere(tx: AsyncSession, row_id: int, now: datetime) -> OutboxMessage | None:
    """Send a message not arrived on the person's other linked channel; None when there is none."""
    row = await _locked(tx, row_id)
    return await move_to_linked(tx, row, now) if row is not None else None


async def told_by_phone(tx: AsyncSession, row_id: int, staff_id: int) -> OutboxMessage | None:
    """Record that staff told the person by phone: the message leaves the list."""
    row = await _locked(tx, row_id)
    if row is not None:
        row.status, row.error = "told_by_phone", f"staff {staff_id}"
    return row
