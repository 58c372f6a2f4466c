"""The host side of effects: each effect a step returns has exactly one applier here, run inside the
input's transaction (database rows, outbox rows); nothing is sent from here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import singledispatch

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key
from sqlalchemy.orm.attributes import set_committed_value

from conversations.profile import Profile
from bot.whatsapp_templates import subject_of
from conversations.catalog import Catalog
from conversations.effects import CancelTimer, HandOffToStaff, Reply, ScheduleTimer, SetLanguage, SetOptOut
from store import queries, sealed
from store.crypto import Keyring
from store.input_rows import ConversationRow, InputRow, OutboxRow, Timers, rows_of
from store.models import Beneficiary, HandoffRequest


@dataclass
class Applying:
    """Where effects are applied: the open transaction, the conversation and the input that caused them (as the
    input read them: store/input_rows.py)."""

    tx: AsyncSession
    conv: ConversationRow
    message: InputRow
    now: datetime
    keyring: Keyring
    texts: Catalog
    profile: Profile
    timers: Timers = field(default_factory=dict)  # the conversation's timers moved on, written with its state

    def outbox(self, payload: dict) -> OutboxRow:
        """A message to this conversation's channel and sender, for the host to write in this transaction,
        sealed (a reply may echo anything typed: the summary, the data copy; store/sealed.py); one caused by an
        event (a staff action, a timer) names it, and what it is about, for its template and its page."""
        cause = self.message.payload
        event = str(cause.get("choice") or "") if cause.get("kind") == "event" else ""
        row = OutboxRow(
            channel=self.message.channel,
            recipient=self.message.sender_id,
            conversation_key=self.conv.key,
            payload=sealed.seal_output(self.keyring, {**payload, "event": event} if event else payload),
            subject=subject_of(event),
            next_attempt_at=self.now,
            created_at=self.now,
        )
        return row


def reply_payload(effect: Reply) -> dict:
    """What an outbox row carries for a reply: its kind, the text and the choices as [key, label] pairs."""
    return {"kind": effect.kind, "text": effect.text, "choices": [[c.key, c.label] for c in effect.choices]}


@singledispatch
async def apply(effect: object, at: Applying) -> OutboxRow | None:
    raise TypeError(f"no applier for effect {type(effect).__name__}")


@apply.register
async def _reply(effect: Reply, at: Applying) -> OutboxRow:
    return at.outbox(reply_payload(effect))


def committed(tx: AsyncSession, model: type, row_id: int, values: dict) -> None:
    """Values a statement wrote to a row, on the copy this transaction read before (if any): it says the same as
    the row now."""
    known = tx.sync_session.identity_map.get(identity_key(model, row_id))
    for name, value in values.items() if known is not None else ():
        set_committed_value(known, name, value)


@apply.register
async def _set_language(effect: SetLanguage, at: Applying) -> None:
    await (await rows_of(at.tx)).set_language(at.conv.beneficiary_id, effect.lang)
    committed(at.tx, Beneficiary, at.conv.beneficiary_id, {"language": effect.lang})


@apply.register
async def _set_opt_out(effect: SetOptOut, at: Applying) -> None:
    identity = await queries.identity_for(at.tx, at.message.channel, at.message.sender_id)
    identity.opted_out = effect.opted_out


@apply.register
async def _schedule_timer(effect: ScheduleTimer, at: Applying) -> None:
    at.timers[effect.kind] = effect.due_at  # written with the new state (store/input_rows.py: applied)


@apply.register
async def _cancel_timer(effect: CancelTimer, at: Applying) -> None:
    at.timers[effect.kind] = None


@apply.register
async def _handoff(effect: HandOffToStaff, at: Applying) -> None:
    at.tx.add(
        HandoffRequest(
            reference=effect.reference,
            beneficiary_id=at.conv.beneficiary_id,
            conversation_key=at.conv.key,
            channel=at.message.channel,
            reason=effect.reason,
            last_question=effect.last_question[:2000],
            answer_due_at=effect.answer_due_at,
            created_at=at.now,
        )
    )


async def apply_effects(at: Applying, effects: tuple) -> list[OutboxRow]:
    """Apply the effects in order (their own rows flushed); the outbox rows they produced, for the caller to
    claim and write. A rating prompt's
    row names its rating, so that a prompt the channel could not send marks the rating not sent."""
    rows = [row for effect in effects if (row := await apply(effect, at)) is not None]
    rating_id = effects_feedback.rating_of_outbox(effects)
    for row in rows:
        if rating_id is not None and row.payload.get("kind") == "rating_prompt":
            row.payload = {**row.payload, "rating_id": rating_id}
    if at.tx.new or at.tx.dirty or at.tx.deleted:  # most inputs write nothing through the ORM
        await at.tx.flush()
    return rows


from bot import effects_feedback, effects_link, effects_privacy, effects_programs, effects_requests  # noqa: E402,F401
