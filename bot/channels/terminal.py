"""The terminal as a channel: replies printed as text with numbered choices, for staff and scripts."""

from __future__ import annotations

from typing import TextIO

from bot.dispatcher import Recipient
from store.models import OutboxMessage

CHANNEL = "terminal"


def render(payload: dict) -> str:
    """A reply as the terminal shows it: the text, then its choices numbered from 1."""
    lines = [payload.get("text", "")]
    lines += [f"  {n}. {label}" for n, (_key, label) in enumerate(payload.get("choices", []), start=1)]
    return "\n".join(lines)


class TerminalSender:
    """Prints each outbox row to a stream."""

    def __init__(self, out: TextIO):
        self.out = out

    async def send(self, row: OutboxMessage, recipient: Recipient) -> str:
        self.out.write(render(row.payload) + "\n\n")
        self.out.flush()
        return f"terminal-{row.id}"
