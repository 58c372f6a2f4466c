"""A complaint's or suggestion's rules, shared by the chat, the walk-in desk and the host: how long its text
may be and when its answer is due; pure, no texts, no states."""

from __future__ import annotations

from datetime import datetime

from conversations.calendar import add_working_days, local
from conversations.checked import Checked, text_within
from conversations.profile import Profile

TEXT_LENGTH = (10, 2000)


def check_text(typed: str) -> Checked:
    """The complaint's text, 10–2000 characters: (the clean text, None) or (None, the hint's catalog key)."""
    return text_within(typed, TEXT_LENGTH, "cmp_text_short", "cmp_text_long")


def complaint_due_at(profile: Profile, now: datetime) -> datetime:
    """A complaint is answered by the close of the profile's working day so many working days after `now`."""
    days = profile.deadlines.complaint_answer_working_days
    due_day = add_working_days(profile, local(profile, now).date(), days)
    return datetime.combine(due_day, profile.working_hours.closes, local(profile, now).tzinfo)
