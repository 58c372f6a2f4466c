"""Dedupe keys of recorded inputs: a channel's own ids, and the keys of timers and staff events in a namespace
no channel id can produce (a web page picks its ids, so they are scoped to its visitor)."""

from __future__ import annotations

INTERNAL = "~"  # no Telegram update id (digits), Twilio SID (letters and hex) or web id (scoped below) starts so


def internal(kind: str, value: object) -> str:
    """The key of an input the association itself makes: a timer that came due, a staff action."""
    return f"{INTERNAL}{kind}:{value}"


def is_internal(message_id: str) -> bool:
    return message_id.startswith(INTERNAL)


def web(visitor: str, client_id: str) -> str:
    """A web page's own id for a message, within its visitor's ids: another visitor's same id is another key."""
    return f"{visitor}/{client_id}"
