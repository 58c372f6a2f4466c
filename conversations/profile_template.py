"""A template profile's blanks (the association's name and service area): refused at start-up with what to
fill in, or, in demo mode, filled with placeholders that read as placeholders («[اسم الجمعية]»)."""

from __future__ import annotations

# (field, what the association writes there, the demo's placeholder)
REQUIRED = (
    ("name.ar", "the association's full name in Arabic", "[اسم الجمعية]"),
    ("name.en", "the association's full name in English", "[Association name]"),
    ("short_name.ar", "the short name the bot greets with, in Arabic", "[اسم الجمعية]"),
    ("short_name.en", "the short name the bot greets with, in English", "[Association name]"),
)
AREA = ("service_area", "at least one [[service_area]] entry: a key and the town's name in Arabic and English")
DEMO_AREA = {"key": "demo_town", "name": {"ar": "[اسم المدينة]", "en": "[Town name]"}}


def _text(raw: dict, dotted: str) -> str:
    section, lang = dotted.split(".")
    value = (raw.get(section) or {}).get(lang, "") if isinstance(raw.get(section), dict) else ""
    return value.strip() if isinstance(value, str) else ""


def blanks(raw: dict) -> list[tuple[str, str]]:
    """The association's details the profile leaves blank: (field, what to write there)."""
    found = [(field, what) for field, what, _ in REQUIRED if not _text(raw, field)]
    if not raw.get("service_area"):
        found.append(AREA)
    return found


def what_to_fill(found: list[tuple[str, str]]) -> str:
    """The start-up refusal: each blank field and what goes in it, and how to try the template anyway."""
    listed = "; ".join(f"{field} ({what})" for field, what in found)
    return f"this profile is a template: fill in {listed}; or set DEMO=1 to try it with placeholders"


def with_placeholders(raw: dict) -> dict:
    """The profile with each blank filled by its placeholder, in brackets so no one takes it for a fact."""
    filled = {**raw}
    for field, _, placeholder in REQUIRED:
        if not _text(filled, field):
            section, lang = field.split(".")
            current = filled.get(section) if isinstance(filled.get(section), dict) else {}
            filled[section] = {**current, lang: placeholder}
    if not filled.get("service_area"):
        filled["service_area"] = [DEMO_AREA]
    return filled
