"""Effects: what a step asks the host to do. Each has exactly one applier in `bot/effects.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from conversations.types import Choice


@dataclass(frozen=True)
class Reply:
    """Send a text, with choices the channel renders as buttons or a numbered list."""

    text: str
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class SetLanguage:
    """Remember the beneficiary's language for every channel they use."""

    lang: str


@dataclass(frozen=True)
class HandOffToStaff:
    """Record that the beneficiary asked for a person, with what they last asked and when to answer by."""

    reference: str
    reason: str
    last_question: str
    answer_due_at: datetime


@dataclass(frozen=True)
class SetOptOut:
    """Stop (or resume) announcements to the beneficiary on the channel this input came from."""

    opted_out: bool


@dataclass(frozen=True)
class ScheduleTimer:
    """Come back to this conversation at `due_at` with the event `kind` (replacing a pending one of that kind)."""

    kind: str
    due_at: datetime


@dataclass(frozen=True)
class CancelTimer:
    """Forget a pending timer of this kind for this conversation."""

    kind: str


Effect = Reply | SetLanguage | HandOffToStaff | SetOptOut | ScheduleTimer | CancelTimer
