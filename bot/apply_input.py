"""One input applied inside a transaction the caller holds: lock the conversation, run the step, save the
state, apply the effects, write (and claim) the outbox rows; or, for an input that cannot be applied, set it
aside with an apology. The engine decides when, and in which transaction (one alone, or a batch's savepoint)."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.dispatcher import Recipient
from bot.effects import Applying, apply_effects
from bot.lookups import Lookups
from conversations.profile import Profile
from conversations.calendar import local
from conversations.national_id import clean, mask, mask_ids
from conversations.states import Help
from conversations.types import Inbound
from store import queries, sealed
from store.crypto import Keyring
from store.input_rows import InputRow, OutboxRow, rows_of

if TYPE_CHECKING:
    from bot.engine import Engine

# Parts of a conversation's data holding what the person typed (the help form, a complaint's draft, a question
# for the FAQ or staff, a program sign-up's answers): encrypted at rest.
SEALED = ("help", "complaint", "question", "program")
SECRET_STATES = frozenset({Help.NATIONAL_ID})  # what is typed here is an ID number: the message log keeps it masked


@dataclass
class Applied:
    """What applying one input wrote to the outbox, which of those rows this process sends itself, and to whom."""

    rows: list[OutboxRow]
    claimed: list[OutboxRow] = field(default_factory=list)
    who: dict[tuple[str, str], Recipient] = field(default_factory=dict)
    more: bool = True  # another input of the conversation waits behind this one

    @classmethod
    def merged(cls, many: list[Applied]) -> Applied:
        """The inputs of one batch as one: their rows, in order, and everyone they go to."""
        return cls([r for a in many for r in a.rows], [r for a in many for r in a.claimed],
                   {k: v for a in many for k, v in a.who.items()})


async def set_aside_in(engine: Engine, tx: AsyncSession, key: str) -> Applied:
    """Keep the input that failed (status failed, for staff to read) and apologise, so the next one goes on."""
    rows = await rows_of(tx)
    conv = await rows.conversation(key)
    message, _ = await rows.next_inputs(key)
    if message is None:
        return Applied([])
    lang = (conv.data or {}).get("lang", engine.profile.default_language) if conv else engine.profile.default_language
    now = engine.clock()
    await rows.finish_input(message, now, status="failed")
    row = OutboxRow(
        channel=message.channel,
        recipient=message.sender_id,
        conversation_key=key,
        payload={"kind": "reply", "text": engine.texts(lang, "error_generic"), "choices": []},
        next_attempt_at=now,
        created_at=now,
    )
    claimed = await engine.dispatcher.claim_new(tx, [row], now) if engine.dispatcher else []
    await rows.insert_outbox([row])
    return Applied([row], claimed)


async def apply_in(engine: Engine, tx: AsyncSession, key: str) -> Applied | None:
    """Apply the oldest recorded input of `key` inside `tx`: lock, step, effects, then the new state, the input
    finished and the outbox rows (claimed). The statements every input runs are plain SQL (store/input_rows.py);
    the effects' own writes go through the ORM."""
    rows = await rows_of(tx)
    conv, identity, message, more = await rows.next_input(key)
    if message is None:
        return None
    now, live = engine.clock(), engine.live  # one version of the console's settings for the whole input
    payload, typed = sealed.input_payload(engine.keyring, message), sealed.input_text(engine.keyring, message)
    if conv is None:
        lang = live.profile.default_language
        name = payload.get("display_name") or ""
        conv, identity = await rows.first_contact(key, message.channel, message.sender_id, name, lang, now)
    # The person wrote (a timer is not them: WhatsApp's window): the chat works again, from this moment.
    touched_at = message.received_at if payload.get("kind") != "event" else None
    if payload.get("phone"):
        await queries.link_phone(tx, identity.id, conv, payload["phone"], now)
    await queries.keep_attachments(tx, conv.beneficiary_id, message, payload)
    said = payload.get("event_text", typed)  # an event's text is not the beneficiary's words
    inbound = Inbound(kind=payload.get("kind", "text"), text=said, choice=payload.get("choice"))
    base = {"profile": live.profile, "texts": live.texts, "faq": live.faq, "now": now,
            "channel": message.channel, "reference": engine.references()}
    lookups = Lookups(tx, conv.beneficiary_id, now, partial(_local_day, live.profile), signed_up=conv.signed_up)
    unsealed = unseal(engine.keyring, conv.data or {})
    result = await lookups.step(conv.state, lambda: copy.deepcopy(unsealed), inbound, base)
    resealed = mask_logged(engine.keyring, message, conv.state, typed, payload)
    applying = Applying(tx, conv, message, now, engine.keyring, live.texts, live.profile)
    outbox = await apply_effects(applying, result.effects)
    claimed = await engine.dispatcher.claim_new(tx, outbox, now) if engine.dispatcher else []
    await rows.applied(conv, result.state, seal(engine.keyring, result.data), message, now, resealed=resealed,
                       identity=identity, touched_at=touched_at, outbox=outbox, timers=applying.timers)
    more = queries.took_event(tx, key) or more
    return Applied(outbox, claimed, {(identity.channel, identity.external_id): Recipient.of(identity)}, more)


def mask_logged(keyring: Keyring, message: InputRow, state: str, typed: str, payload: dict) -> bool:
    """Once the step has read it, the log keeps an ID typed anywhere masked (what is typed at the ID
    question, whatever its shape, masked whole); whether the row's text changed."""
    masked = mask(clean(typed)) if state in SECRET_STATES else mask_ids(typed)
    if masked != typed:
        sealed.seal_input(keyring, message, masked, payload)
    return masked != typed


def _local_day(profile: Profile, moment: datetime) -> date:
    return local(profile, moment).date()


def seal(keyring: Keyring, data: dict) -> dict:
    """Conversation data as stored: the personal parts encrypted."""
    stored = {k: v for k, v in data.items() if k not in SEALED}
    for key in SEALED:
        if key in data:
            stored[f"{key}_sealed"] = keyring.encrypt(json.dumps(data[key], ensure_ascii=False))
    return stored


def unseal(keyring: Keyring, stored: dict) -> dict:
    """Conversation data as a step reads it."""
    data = {k: v for k, v in stored.items() if not k.endswith("_sealed")}
    for key in SEALED:
        if f"{key}_sealed" in stored:
            data[key] = json.loads(keyring.decrypt(stored[f"{key}_sealed"]))
    return data
