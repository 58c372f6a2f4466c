"""Reference numbers: a letter saying what they are (H help request, C complaint, S suggestion, T staff chat)
and six characters a person can read out; and how a reference typed back, in any spelling, is recognised."""

from __future__ import annotations

import re
import unicodedata

from conversations.normalize import digits_to_ascii, strip_invisible

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I to misread over the phone
BODY_LENGTH = 6
PREFIXES = {"help": "H", "complaint": "C", "suggestion": "S", "chat": "T"}
# A reference as `key` leaves it: its letter (or two, as some older ones had), then the six characters.
SHAPE = re.compile(rf"([A-Z]{{1,2}})?([{ALPHABET}]{{{BODY_LENGTH}}})")


def of(kind: str, reference: str) -> str:
    """The reference issued for a `kind` of thing: «H-7K3P9Q» of a complaint is «C-7K3P9Q»."""
    return f"{PREFIXES[kind]}-{reference.split('-', 1)[-1]}"


def key(typed: str) -> str:
    """What identifies a typed reference: width, case, the digits of any script, spaces, dashes and
    direction marks folded away («h-٧k٣p ٩q» → «H7K3P9Q»)."""
    folded = digits_to_ascii(unicodedata.normalize("NFKC", strip_invisible(typed))).upper()
    return re.sub(r"[^0-9A-Z]", "", folded)


def same(typed: str, reference: str) -> bool:
    """True when `typed` is `reference`, with or without its prefix, in any spelling."""
    wanted = key(typed)
    return bool(wanted) and wanted in (key(reference), key(reference.split("-", 1)[-1]))


def shaped(typed: str) -> bool:
    """Typed like a reference, not like a word (a few letters with digits, or a prefix, a dash and six
    letters): worth a «not found» rather than being read as a question."""
    folded = key(typed)
    if any(ch.isdecimal() for ch in folded):
        return 4 <= len(folded) <= 12
    return "-" in typed and SHAPE.fullmatch(folded) is not None
