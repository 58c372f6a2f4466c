"""Appliers for linking a web chat to WhatsApp/Telegram: the code goes out through the outbox to the number's
own identities, and the verdict comes back to the visitor's conversation as an event (`link:…`)."""

from __future__ import annotations

from bot.effects import Applying, apply
from conversations.effects import CheckLinkCode, IssueLinkCode
from conversations.link_channel import CODE_MINUTES
from store import identity_links, queries, sealed
from store.input_rows import OutboxRow
from store.models import Beneficiary


async def _verdict(at: Applying, outcome: str, text: str = "") -> None:
    await queries.record_event(at.tx, at.conv.key, f"link:{outcome}", text, at.now)


@apply.register
async def _issue(effect: IssueLinkCode, at: Applying) -> OutboxRow | None:
    """The same answer (`link:sent`) whether or not the number is known; the code only to its own chats."""
    if at.message.channel != "web":
        return None
    issued = await identity_links.issue(at.tx, at.conv, effect.number, at.now)
    await _verdict(at, "limited" if issued.limited else "sent")
    to = issued.to
    if to is None:
        return None
    owner = await at.tx.get(Beneficiary, to.beneficiary_id)
    lang = owner.language if owner and owner.language in at.texts.languages() else at.profile.default_language
    association = at.profile.short_name.get(lang)
    text = at.texts(lang, "link_code_message", association=association, code=issued.code, minutes=CODE_MINUTES)
    row = OutboxRow(
        channel=to.channel,
        recipient=to.external_id,
        conversation_key=f"{to.channel}:{to.external_id}",
        payload=sealed.seal_output(at.keyring, {"kind": "one_time_code", "code": issued.code, "text": text, "choices": []}),
        next_attempt_at=at.now,
        created_at=at.now,
    )
    return row


@apply.register
async def _check(effect: CheckLinkCode, at: Applying) -> None:
    if at.message.channel != "web":
        return
    outcome, left = await identity_links.check(at.tx, at.conv, effect.code, at.now)
    await _verdict(at, outcome, str(left) if outcome == "wrong" else "")
