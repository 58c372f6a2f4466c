"""The host side of effects: each effect a step returns has exactly one applier here, run inside the
input's transaction (database rows, outbox rows); nothing is sent from here."""

from __future__ import annotations

from datetime import datetime
from functools import singledispatch

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.effects import CancelTimer, HandOffToStaff, Reply, ScheduleTimer, SetLanguage, SetOptOut
from store import queries
from store.models import Beneficiary, Conversation, HandoffRequest, InboundMessage, OutboxMessage


def reply_payload(effect: Reply) -> dict:
    """What an outbox row carries for a reply: the text and the choices as [key, label] pairs."""
    return {"kind": "reply", "text": effect.text, "choices": [[c.key, c.label] for c in effect.choices]}


@singledispatch
async def apply(effect: object, tx: AsyncSession, conv: Conversation, message: InboundMessage, now: datetime) -> OutboxMessage | None:
    raise TypeError(f"no applier for effect {type(effect).__name__}")


@apply.register
async def _reply(effect: Reply, tx: AsyncSession, conv: Conversation, message: InboundMessage, now: datetime) -> OutboxMessage:
    row = OutboxMessage(
        channel=message.channel,
        recipient=message.sender_id,
        conversation_key=conv.key,
        payload=reply_payload(effect),
        next_attempt_at=now,
        created_at=now,
    )
    tx.add(row)
    return row


@apply.register
async def _set_language(effect: SetLanguage, tx: AsyncSession, conv: Conversation, message: InboundMessage, now: datetime) -> None:
    person = await tx.get(Beneficiary, conv.beneficiary_id)
    if person is not None:
        person.language = effect.lang


@apply.register
async def _set_opt_out(effect: SetOptOut, tx: AsyncSession, conv: Conversation, message: InboundMessage, now: datetime) -> None:
    identity = await queries.identity_for(tx, message.channel, message.sender_id)
    identity.opted_out = effect.opted_out


@apply.register
async def _schedule_timer(effect: ScheduleTimer, tx: AsyncSession, conv: Conversation, message: InboundMessage, now: datetime) -> None:
    await queries.schedule_timer(tx, conv, message, effect.kind, effect.due_at)


@apply.register
async def _cancel_timer(effect: CancelTimer, tx: AsyncSession, conv: Conversation, message: InboundMessage, now: datetime) -> None:
    await queries.cancel_timer(tx, conv.key, effect.kind)


@apply.register
async def _handoff(effect: HandOffToStaff, tx: AsyncSession, conv: Conversation, message: InboundMessage, now: datetime) -> None:
    tx.add(
        HandoffRequest(
            reference=effect.reference,
            beneficiary_id=conv.beneficiary_id,
            conversation_key=conv.key,
            channel=message.channel,
            reason=effect.reason,
            last_question=effect.last_question[:2000],
            answer_due_at=effect.answer_due_at,
            created_at=now,
        )
    )


async def apply_effects(tx: AsyncSession, effects: tuple, conv: Conversation, message: InboundMessage, now: datetime) -> list[OutboxMessage]:
    """Apply the effects in order; the outbox rows they wrote, flushed so they have ids."""
    rows = [row for effect in effects if (row := await apply(effect, tx, conv, message, now)) is not None]
    await tx.flush()
    return rows
