"""Personal data in the message log and the outbox, encrypted at rest with the Keyring: the one way to write
and to read an input's text and payload and an outgoing message's content.

An input keeps in clear only what the engine routes on (`kind`, `choice`, and an event's own `event_text`,
which is never the beneficiary's words); its text is a Fernet token and everything else the channel gave
(name, vouched phone, files, location) one more token under `sealed`, whose presence marks the row as sealed
(rows written before, and events, are read as they are). A conversation's outgoing message is sealed the
same way, keeping in clear only `kind`, `rating_id` and the causing `event` (what the dispatcher and the
console decide on); it is encrypted in the row rather than redacted once delivered because the web chat and
the console read a conversation back long after delivery. Broadcasts carry no personal data and stay plain (no cost per recipient).
A help request's description (a need, often a health condition) is sealed in its row like the national ID, and so
is a beneficiary's answer to staff's question in the request's history.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from store.crypto import Keyring
from store.models import HelpRequest, InboundMessage, OutboxMessage

if TYPE_CHECKING:
    from store.input_rows import InputRow, NewInput

SEALED = "sealed"
INBOUND_CLEAR = ("kind", "choice", "event_text")
OUTBOX_CLEAR = ("kind", "rating_id", "event")  # what the dispatcher and the console decide on; no personal data


def _seal(keyring: Keyring, payload: dict, clear: tuple[str, ...]) -> dict:
    kept = {k: v for k, v in payload.items() if k in clear}
    personal = {k: v for k, v in payload.items() if k not in clear}
    return {**kept, SEALED: keyring.encrypt(json.dumps(personal, ensure_ascii=False))}


def _open(keyring: Keyring, payload: dict) -> dict:
    if SEALED not in payload:
        return payload
    opened = {k: v for k, v in payload.items() if k != SEALED}
    return {**json.loads(keyring.decrypt(payload[SEALED])), **opened}


def seal_input(keyring: Keyring, message: InboundMessage | NewInput | InputRow, text: str, payload: dict) -> None:
    """Write an input's text and payload into its row, encrypted."""
    message.text = keyring.encrypt(text) if text else ""
    message.payload = _seal(keyring, payload, INBOUND_CLEAR)


def input_text(keyring: Keyring, message: InboundMessage | InputRow) -> str:
    """What the beneficiary typed, in clear (as kept: an ID in it masked once applied)."""
    if message.text and SEALED in (message.payload or {}):
        return keyring.decrypt(message.text)
    return message.text or ""


def input_payload(keyring: Keyring, message: InboundMessage | InputRow) -> dict:
    """An input's payload in clear: kind, choice, and what the channel gave (name, phone, files, location)."""
    return _open(keyring, message.payload or {})


def seal_output(keyring: Keyring, payload: dict) -> dict:
    """An outgoing message's payload as stored: its text and choices encrypted."""
    return _seal(keyring, payload, OUTBOX_CLEAR)


def output_payload(keyring: Keyring, row: OutboxMessage) -> dict:
    """An outgoing message's payload in clear (kind, text, choices, …), sealed or not."""
    return _open(keyring, row.payload or {})


def opened(keyring: Keyring, row: OutboxMessage) -> OutboxMessage | Opened:
    """The row itself when it is plain, else a view of it with its payload in clear: what a channel sender (and
    a caller of the engine) reads; the stored row stays sealed."""
    if SEALED not in (row.payload or {}):
        return row
    return Opened(row, output_payload(keyring, row))


class Opened:
    """A sealed outgoing message seen in clear: the row's own fields, and its payload opened. A view rather than
    a copy of the row: a copy of an ORM object costs more than sending the message."""

    __slots__ = ("row", "payload")

    def __init__(self, row: OutboxMessage, payload: dict):
        self.row, self.payload = row, payload

    def __getattr__(self, name: str) -> object:
        return getattr(self.row, name)


def sealed_description(keyring: Keyring, text: str) -> dict:
    """A help request's description as stored (its columns): health details are sensitive, so it is sealed."""
    return {"description": keyring.encrypt(text) if text else "", "description_sealed": True}


def description(keyring: Keyring, row: HelpRequest) -> str:
    """What the beneficiary wrote of their need, in clear (a row from before sealing is read as it is)."""
    return keyring.decrypt(row.description) if row.description_sealed and row.description else row.description


def sealed_answer(keyring: Keyring, text: str) -> dict:
    """The beneficiary's answer to staff's question, as a request event's detail keeps it: sealed (it may
    carry the same health details as the description)."""
    return {"text_sealed": keyring.encrypt(text)} if text else {}


def answer_text(keyring: Keyring, detail: dict) -> str:
    """The text of a request event's detail in clear: a sealed answer opened, anything else as written."""
    return keyring.decrypt(detail["text_sealed"]) if detail.get("text_sealed") else str(detail.get("text") or "")


def rotate_input(keyring: Keyring, message: InboundMessage) -> int:
    """Re-encrypt a sealed input with the newest key (key rotation); the number of values rewritten."""
    if SEALED not in (message.payload or {}):
        return 0
    if message.text:
        message.text = keyring.rotate(message.text)
    message.payload = {**message.payload, SEALED: keyring.rotate(message.payload[SEALED])}
    return 2 if message.text else 1


def rotate_output(keyring: Keyring, row: OutboxMessage) -> int:
    """Re-encrypt a sealed outgoing message with the newest key (key rotation); the number of values rewritten."""
    if SEALED not in (row.payload or {}):
        return 0
    row.payload = {**row.payload, SEALED: keyring.rotate(row.payload[SEALED])}
    return 1
