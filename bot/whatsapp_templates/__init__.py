"""The WhatsApp message templates shipped as data (one per kind and language), WhatsApp's rules for them,
and which template an outbox row needs outside the 24-hour window, with the row's own values."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from conversations.turns import TEMPLATE_VALUE

HERE = Path(__file__).parent
LANGUAGES = ("ar", "en")
CATEGORIES = frozenset({"utility", "marketing", "authentication"})
VARIABLE = re.compile(r"\{\{\s*(\d+)\s*\}\}")
WORD = re.compile(r"\w+")
MAX_BODY = 1024
MAX_BUTTON = 25
MAX_VALUE = TEMPLATE_VALUE  # the body with its values must stay under 1024 characters
# Outbox kinds that name their template themselves; other rows are named by the event that caused them.
OWN_KINDS = {
    "staff_reply": "live_chat_reply",
    "announcement": "announcement",
    "rating_prompt": "rating_prompt",
    "one_time_code": "one_time_code",
}
EVENTS = {
    "request_decided:accepted": "decision_accepted",
    "request_decided:rejected": "decision_not_accepted",
    "request_info": "more_information",
    "complaint_replied": "complaint_reply",
    "help_reminder": "form_reminder",
    "program_accepted": "program_acceptance",
    "program_reminder": "program_reminder",
    "rating_prompt": "rating_prompt",
    "rating_reminder": "rating_prompt",
}
FALLBACK = (
    "update"  # every other message the association starts: a decision delivered, a program cancelled, …
)
SUBJECTS = {
    "request": "request",
    "complaint": "complaint",
    "program": "program",
    "waitlist": "program",
    "service": "program",
}


@dataclass(frozen=True)
class Definition:
    """One template: its body with {{n}} placeholders, what fills each, its category and quick replies."""

    kind: str
    language: str
    category: str
    body: str
    variables: tuple[str, ...]
    buttons: tuple[str, ...] = ()
    button_prefix: str = ""  # before each button's title, the payload a tap sends back (a choice's key)

    def sample(self) -> dict[str, str]:
        """Example values WhatsApp's reviewers see, one per placeholder."""
        examples = {"reference": "H-7K3P9Q", "code": "482913", "details": "الأحد 12 رجب، قاعة الجمعية"}
        return {str(n): examples.get(name, name) for n, name in enumerate(self.variables, 1)}


def problems(d: Definition) -> list[str]:
    """Where a definition breaks WhatsApp's rules for templates; empty when it keeps them."""
    found, body = [], d.body.strip()
    numbers = [int(n) for n in VARIABLE.findall(body)]
    if d.category not in CATEGORIES:
        found.append(f"category {d.category!r} is not one of {sorted(CATEGORIES)}")
    if numbers != list(range(1, len(d.variables) + 1)):
        found.append("placeholders must be {{1}}, {{2}}, … in order, one per variable")
    if VARIABLE.match(body) or re.search(r"\{\{\s*\d+\s*\}\}[\s.!?:؟]*$", body):
        found.append("a placeholder may not start or end the body")
    if any(not WORD.search(between) for between in VARIABLE.split(body)[2:-1:2]):
        found.append("two placeholders may not stand side by side")
    words = len(WORD.findall(VARIABLE.sub(" ", body)))
    if len(numbers) > words:
        found.append(f"{len(numbers)} placeholders for {words} words of text")
    if len(body) > MAX_BODY:
        found.append(f"the body is longer than {MAX_BODY} characters")
    if any(not b or len(b) > MAX_BUTTON for b in d.buttons):
        found.append(f"a quick-reply button must have 1 to {MAX_BUTTON} characters")
    return sorted(set(found))


@cache
def definitions() -> dict[tuple[str, str], Definition]:
    """Every shipped template by (kind, language)."""
    found = {}
    for language in LANGUAGES:
        for kind, raw in tomllib.loads((HERE / f"{language}.toml").read_text("utf-8")).items():
            found[(kind, language)] = Definition(
                kind,
                language,
                raw["category"],
                raw["body"],
                tuple(raw["variables"]),
                tuple(raw.get("buttons", ())),
                raw.get("button_prefix", ""),
            )
    return found


def _event(payload: Mapping) -> list[str]:
    return str(payload.get("event") or "").split(":")


def template_kind(payload: Mapping) -> str:
    """The template an outbox row goes as when WhatsApp refuses free text."""
    own = OWN_KINDS.get(str(payload.get("kind") or ""))
    if own is not None:
        return own
    parts = _event(payload)
    if parts[0] == "request_decided" and len(parts) == 3:
        return EVENTS.get(f"{parts[0]}:{parts[2]}", FALLBACK)
    return EVENTS.get(parts[0], FALLBACK)


def subject_of(event: str) -> str | None:
    """What a staff action's event is about, as its page knows it (request:H-…, program:12), or None."""
    parts = event.split(":")
    area = SUBJECTS.get(parts[0].split("_")[0])
    return f"{area}:{parts[1]}"[:60] if area and len(parts) > 1 and parts[1] else None


def values(definition: Definition, payload: Mapping, subject: str | None) -> dict[str, str]:
    """The row's own values for the template's placeholders, as Twilio's ContentVariables; WhatsApp refuses
    line breaks and tabs inside a value, so whitespace is folded to single spaces."""
    known = {
        "reference": (subject or "").partition(":")[2],
        "details": str(payload.get("text") or ""),
        "code": str(payload.get("code") or ""),
    }
    return {
        str(n): " ".join(known.get(name, "").split())[:MAX_VALUE] or "-"
        for n, name in enumerate(definition.variables, 1)
    }
