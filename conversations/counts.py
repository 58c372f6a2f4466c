"""A count as people type it: digits of any script («٥», «৫», «5») or Arabic number words («ستة», «ست», «أحد
عشر», «خمسطعش», «ثلاثة وعشرون») and English ones, each maybe followed by words («ستة أفراد», «٣٠ سنة»)."""

from __future__ import annotations

import re
from functools import cache

from conversations.normalize import normalize, strip_invisible

# Each number's spellings as typed, before normalisation (which folds أ/إ to ا, ة to ه, ى to ي, marks).
_UNITS = {
    1: ("واحد", "واحدة", "أحد", "إحدى"),
    2: ("اثنين", "اثنان", "اثنتين", "اثنتان", "ثنتين", "إثنين", "اتنين"),
    3: ("ثلاث", "ثلاثة", "تلات", "تلاتة"),
    4: ("أربع", "أربعة"),
    5: ("خمس", "خمسة"),
    6: ("ست", "ستة", "ستّ", "ستّة"),
    7: ("سبع", "سبعة"),
    8: ("ثمان", "ثماني", "ثمانية", "تمن", "تمانية"),
    9: ("تسع", "تسعة"),
}
_TEN = ("عشر", "عشرة", "عشره")
_TEENS = {  # 11 and 12 have their own first word; Gulf speech runs each teen into one word («خمسطعش»)
    11: ("أحد عشر", "إحدى عشرة", "احدعش", "حدعش"),
    12: ("اثنا عشر", "اثني عشر", "اثنتا عشرة", "اثنتي عشرة", "اثنعش", "اطنعش", "طنعش"),
    13: ("ثلطعش", "تلطعش"),
    14: ("أربعطعش", "اربعتعش"),
    15: ("خمسطعش", "خمستعش"),
    16: ("ستطعش", "ستعش"),
    17: ("سبعطعش", "سبعتعش"),
    18: ("ثمنطعش", "تمنطعش"),
    19: ("تسعطعش", "تسعتعش"),
}
_TENS = {
    20: ("عشرون", "عشرين"),
    30: ("ثلاثون", "ثلاثين", "تلاتين"),
    40: ("أربعون", "أربعين"),
    50: ("خمسون", "خمسين"),
    60: ("ستون", "ستين"),
    70: ("سبعون", "سبعين"),
    80: ("ثمانون", "ثمانين"),
    90: ("تسعون", "تسعين"),
}
_ENGLISH = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty"
).split()
_ENGLISH_TENS = {30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy", 80: "eighty", 90: "ninety"}
_LEADING_DIGITS = re.compile(r"(\d+)(?: (\D*))?")
LONGEST = 4  # words in the longest spelling («ثلاثة و عشرون سنة» reads «ثلاثة و عشرون», then a word)


@cache
def spellings() -> dict[str, int]:
    """Every spelling of 1–99 known, normalised, with its value."""
    known: dict[str, int] = {}

    def add(value: int, *phrases: str) -> None:
        for phrase in phrases:
            known[normalize(phrase)] = value

    for n, words in _UNITS.items():
        add(n, *words)
        for word in words:
            add(10 + n, *(f"{word} {ten}" for ten in _TEN))
            for tens, tens_words in _TENS.items():
                add(tens + n, *(f"{word} و{t}" for t in tens_words), *(f"{word} و {t}" for t in tens_words))
    add(10, *_TEN)
    for n, words in (*_TEENS.items(), *_TENS.items()):
        add(n, *words)
    for n, word in enumerate(_ENGLISH, start=1):
        add(n, word)
    for tens, word in {20: "twenty", **_ENGLISH_TENS}.items():
        add(tens, word)
        for n in range(1, 10):
            add(tens + n, f"{word} {_ENGLISH[n - 1]}", f"{word}-{_ENGLISH[n - 1]}")
    return known


def parse(typed: str) -> int | None:
    """The count a message starts with (words may follow it, digits may not), or None; never negative."""
    if strip_invisible(typed).lstrip().startswith(("-", "\u2212", "\u2013")):
        return None
    folded = normalize(typed)
    found = _LEADING_DIGITS.fullmatch(folded)
    if found is not None:
        digits = found.group(1)
        return int(digits) if len(digits) <= 6 else 10**6  # thousands of digits: out of any range, not int()'s limit
    words = folded.split(" ")
    for size in range(min(LONGEST, len(words)), 0, -1):
        value = spellings().get(" ".join(words[:size]))
        if value is not None and not any(ch.isdecimal() for ch in " ".join(words[size:])):
            return value
    return None
