"""One message per turn where one will do: a step's notices go joined to the reply that follows them, within
the channel's length limit, so that a turn costs one send (and one wait for the channel's pacing), not two."""

from __future__ import annotations

from conversations.effects import EraseMyData, ExportMyData, Reply

# The longest message each channel takes, the one place these limits live (the channels' splitters read them).
# Telegram: 4096 UTF-16 code units (the Bot API's MessageLimit.MAX_TEXT_LENGTH). WhatsApp through Twilio: 1600
# characters in one body, choices included (they are written under the text as a numbered list). The web chat
# has no provider limit: 4096, as on Telegram, where choices are buttons too, so a turn reads as the same
# messages on both, and a joined answer stays a bubble that fits a few screens of a phone.
LIMITS = {"telegram": 4096, "whatsapp": 1600, "web": 4096}
STRICTEST = min(LIMITS.values())  # any other channel (the terminal): as small as the smallest, choices counted
BUTTONS = frozenset({"telegram", "web"})  # where choices are buttons, outside the text's length
# What the association starts (a timer, a staff action) may find WhatsApp's 24-hour window closed and go as a
# template instead, whose one value for the text holds this much (the template's own words fill the rest).
TEMPLATE_VALUE = 900
EVENT_LIMITS = {"whatsapp": TEMPLATE_VALUE}

# Kinds that may be joined: a plain reply. A rating prompt stays its own message: its outbox row names its
# rating, and outside WhatsApp's window it goes as the rating_prompt template, which shows none of a notice.
# Files, one-time codes, staff replies and announcements are written by the host, never by a step.
JOINED_KINDS = frozenset({"reply"})
# Effects whose appliers send a message of their own to this chat: a notice is never carried past one.
SPEAKING = (ExportMyData, EraseMyData)
SEPARATOR = "\n\n"


def numbered(labels: list[str]) -> str:
    """Choices' labels as a numbered list, one a line ("1. label"), as WhatsApp's bodies write them."""
    return "\n".join(f"{n}. {label}" for n, label in enumerate(labels, 1))


def units(text: str) -> int:
    """A text's length in UTF-16 code units, as Telegram counts it (never less than its characters)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2  # a lone surrogate counts one, as it is one


def limit(channel: str, *, event: bool = False) -> int:
    """The longest message a step's reply may be joined into on `channel`."""
    if event and channel in EVENT_LIMITS:
        return EVENT_LIMITS[channel]
    return LIMITS.get(channel, STRICTEST)


def size(reply: Reply, channel: str) -> int:
    """How long `reply` is on `channel`: its text, and its choices where they are written under it."""
    if channel in BUTTONS or not reply.choices:
        return units(reply.text)
    return units(reply.text) + units(SEPARATOR + numbered([c.label for c in reply.choices]))


def notice(effect: object) -> bool:
    """A plain reply that asks nothing: it may go joined to the reply after it."""
    return isinstance(effect, Reply) and effect.kind in JOINED_KINDS and not effect.choices


def join(first: Reply, second: Reply) -> Reply:
    """`first`'s text, a blank line, `second`'s text; `second`'s kind and choices."""
    text = SEPARATOR.join(t for t in (first.text, second.text) if t)
    return Reply(text, second.choices, second.kind)


def joined(effects: tuple, channel: str, *, event: bool = False) -> tuple:
    """The effects with each notice joined to the reply that follows it, where the joined text fits the
    channel's limit and nothing between them sends a message; several notices in a row join too. The joined
    reply takes the later one's place: what lies between sends nothing, and keeps its order (a SetLanguage
    there changes no text: both replies are already written, each in the language it was written in)."""
    most = limit(channel, event=event)
    out: list = []
    open_at: int | None = None  # where in `out` a notice waits that the next reply may take in
    for effect in effects:
        if isinstance(effect, Reply):
            if open_at is not None and effect.kind in JOINED_KINDS:
                candidate = join(out[open_at], effect)
                if size(candidate, channel) <= most:
                    del out[open_at]
                    effect = candidate
            out.append(effect)
            open_at = len(out) - 1 if notice(effect) else None
        else:
            out.append(effect)
            if isinstance(effect, SPEAKING):
                open_at = None
    return tuple(out)
