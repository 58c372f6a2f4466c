"""An announcement as composed, read and checked: its texts, its audience, when it is sent, and the policy's
lead time (§6): working days between the announcement and the program."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from conversations.profile import Profile
from conversations.calendar import add_working_days, local
from handlers import bounds
from handlers.admin.forms import Form
from handlers.admin.program_form import LOCAL_FORMAT
from store.audience import sendable
from store.models import Program

MAX_TEXT = 4000
# The languages an announcement is written in (Broadcast keeps text_ar and text_en); a beneficiary of another
# language gets the one their language falls back to (bot/broadcast.py).
WRITTEN_IN = ("ar", "en")
MAX_REASON = 1000
LATE_GRACE = timedelta(minutes=5)  # a time typed a moment ago still counts as now


@dataclass
class Draft:
    """What the compose form asks for, read and checked (errors are catalog keys)."""

    program_id: int | None
    texts: dict[str, str]
    audience: dict
    send_at: datetime | None
    override_reason: str
    errors: list[str] = field(default_factory=list)


def lead_days(profile: Profile, program: Program | None) -> int | None:
    """Working days an announcement of this program must precede it by; None: no rule for its kind."""
    if program is None:
        return None
    rules = {
        "open": profile.deadlines.announce_open_working_days,
        "registration": profile.deadlines.announce_registration_working_days,
    }
    return rules.get(program.kind)


def complies(profile: Profile, send_at: datetime, starts_at: datetime, days: int) -> bool:
    """True when `days` working days after the sending day still fall on or before the program's day."""
    return add_working_days(profile, local(profile, send_at).date(), days) <= local(profile, starts_at).date()


def latest_compliant(profile: Profile, starts_at: datetime, days: int) -> date:
    """The last day an announcement could have gone out and kept the rule."""
    event_day = day = local(profile, starts_at).date()
    while add_working_days(profile, day, days) > event_day:
        day -= timedelta(days=1)
    return day


def _audience(form: Form, profile: Profile, errors: list[str]) -> dict:
    audience: dict = {
        "cities": [c.key for c in profile.service_area if form.get(f"aud_city_{c.key}")],
        "languages": [lang for lang in profile.languages if form.get(f"aud_lang_{lang}")],
        "channels": [c for c in sendable(profile.channels) if form.get(f"aud_channel_{c}")],
        "volunteers": bool(form.get("aud_volunteers")),
    }
    past = form.get("aud_past")
    if past and bounds.record_id(past) is None:
        errors.append("error_b_program")
    elif past:
        audience["past_participants_of"] = bounds.record_id(past)
    return {key: value for key, value in audience.items() if value}


def read_draft(form: Form, profile: Profile, now: datetime) -> Draft:
    """The compose form as typed; a missing language's text is the default language's."""
    errors: list[str] = []
    texts = {lang: form.get(f"text_{lang}") for lang in WRITTEN_IN}
    if any(not texts[lang] for lang in profile.languages if lang in texts):
        errors.append("error_b_text")
    if any(len(text) > MAX_TEXT for text in texts.values()) or len(form.get("override_reason")) > MAX_REASON:
        errors.append("error_b_too_long")
    texts = {lang: text or texts[profile.default_language] for lang, text in texts.items()}
    send_at: datetime | None = now
    if form.get("when") == "later":
        send_at = bounds.moment(form.get("send_at"), LOCAL_FORMAT, profile.timezone)
        if send_at is None:
            errors.append("error_b_send_at")
    if send_at is not None and send_at < now - LATE_GRACE:
        errors.append("error_b_send_past")
    pid = bounds.record_id(form.get("program_id"))
    audience = _audience(form, profile, errors)
    return Draft(pid, texts, audience, send_at, form.get("override_reason"), errors)
