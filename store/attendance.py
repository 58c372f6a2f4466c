"""What the attendance sheet says of each person: present once they came, absent only once the program has
begun, and "not yet" before (nobody is marked absent from a program that has not happened)."""

from __future__ import annotations

from datetime import datetime


def presence(attended_at: datetime | None, starts_at: datetime, now: datetime) -> str:
    """"true" (came), "false" (did not, and the program has begun) or "not_yet"."""
    if attended_at is not None:
        return "true"
    return "false" if starts_at <= now else "not_yet"
