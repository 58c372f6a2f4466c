"""Phone numbers in any common Saudi or international form, to E.164 (with phonenumbers)."""

from __future__ import annotations

import phonenumbers

from conversations.normalize import digits_to_ascii, strip_invisible


def to_e164(raw: str, region: str = "SA") -> str | None:
    """`0501234567`, `٠٥٠١٢٣٤٥٦٧`, `+966 50 123 4567`, `966501234567` → `+966501234567`; None if not a number."""
    text = digits_to_ascii(strip_invisible(raw)).strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text.isdecimal() and text.startswith("966") and len(text) == 12:
        text = "+" + text
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
