"""Saudi national ID (starts with 1) and iqama (starts with 2) numbers: ten digits with a Luhn check digit."""

from __future__ import annotations

import re
import unicodedata
from enum import Enum

from conversations.normalize import digits_to_ascii, strip_invisible


class IdProblem(str, Enum):
    """Why a typed number is not a valid ID; each has its own polite message in the catalogs."""

    NOT_DIGITS = "not_digits"
    LENGTH = "length"
    FIRST_DIGIT = "first_digit"
    CHECK_DIGIT = "check_digit"


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check over a string of digits."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        n = int(char)
        if position % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def clean(typed: str) -> str:
    """What was typed, with Arabic-Indic digits made ASCII and spaces, dashes and marks removed."""
    text = digits_to_ascii(strip_invisible(typed))
    return "".join(ch for ch in text if ch not in " -_.\u00a0")


def check(typed: str) -> tuple[str | None, IdProblem | None]:
    """(the ten digits, None) when valid, else (None, the first problem found)."""
    digits = clean(typed)
    if not digits.isdecimal():
        return None, IdProblem.NOT_DIGITS
    if len(digits) != 10:
        return None, IdProblem.LENGTH
    if digits[0] not in "12":
        return None, IdProblem.FIRST_DIGIT
    if not luhn_ok(digits):
        return None, IdProblem.CHECK_DIGIT
    return digits, None


def mask(digits: str) -> str:
    """Shown to staff who do not need the whole number: the first digit and the last four."""
    return digits[0] + "•" * 5 + digits[-4:] if len(digits) == 10 else "•" * len(digits)


_ONE_OR_TWO = "".join(chr(c) for c in range(0x110000) if unicodedata.decimal(chr(c), None) in (1, 2))
_GAP = "[ \t\u00a0\u202f\u200e\u200f]*"  # spaces (and direction marks) people put inside a number
_ID_SHAPED = re.compile(rf"(?<!\d)[{re.escape(_ONE_OR_TWO)}](?:{_GAP}\d){{9}}(?!\d)")


def _masked(found: re.Match) -> str:
    return mask("".join(str(unicodedata.decimal(ch)) for ch in found.group() if ch.isdecimal()))


def mask_ids(text: str) -> str:
    """The text with every ID-shaped number in it masked: ten digits of any script, the first 1 or 2, with
    or without spaces (no check digit needed: a mistyped ID is still one), as kept in the message log."""
    return _ID_SHAPED.sub(_masked, text)
