"""Counts typed in digits of any script or in Arabic (and English) number words, words after them allowed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations import counts
from conversations.programs_rules import check_age

ZEROS = ("0", "\u0660", "\u06f0", "\u09e6", "\u0966", "\uff10")  # ASCII, Arabic-Indic, Urdu, Bengali, Devanagari, fullwidth
AFTER = st.sampled_from(["", " أفراد", " اشخاص", " سنة", " people", "!"])
# Each written the ways people write it: with or without hamza, taa marbuta as ة or ه, the short and long forms.
UNITS = {
    1: ["واحد", "واحدة", "واحده"],
    2: ["اثنين", "اثنان", "إثنين", "ثنتين"],
    3: ["ثلاث", "ثلاثة", "ثلاثه"],
    4: ["أربع", "اربع", "أربعة", "اربعه"],
    5: ["خمس", "خمسة", "خمسه"],
    6: ["ست", "ستة", "سته", "ستّة"],
    7: ["سبع", "سبعة"],
    8: ["ثمان", "ثمانية", "ثمانيه", "ثماني"],
    9: ["تسع", "تسعة", "تسعه"],
}
TEN = ["عشر", "عشرة", "عشره"]
TENS = {20: ["عشرون", "عشرين"], 30: ["ثلاثون", "ثلاثين"], 40: ["أربعون", "اربعين"], 50: ["خمسون", "خمسين"],
        60: ["ستون", "ستين"], 70: ["سبعون", "سبعين"], 80: ["ثمانون", "ثمانين"], 90: ["تسعون", "تسعين"]}  # fmt: skip


@st.composite
def arabic_words(draw) -> tuple[int, str]:
    """A number from 1 to 99 in Arabic words, and its value."""
    n = draw(st.integers(min_value=1, max_value=99))
    unit, tens = n % 10, n - n % 10
    if n == 10:
        return n, draw(st.sampled_from(TEN))
    if n == 11:
        return n, draw(st.sampled_from(["أحد عشر", "احد عشر", "إحدى عشرة", "حدعش"]))
    if n == 12:
        return n, draw(st.sampled_from(["اثنا عشر", "اثني عشر", "اثنتا عشرة", "اثنعش"]))
    if n < 10:
        return n, draw(st.sampled_from(UNITS[n]))
    if n < 20:
        return n, f"{draw(st.sampled_from(UNITS[unit]))} {draw(st.sampled_from(TEN))}"
    if unit == 0:
        return n, draw(st.sampled_from(TENS[tens]))
    joiner = draw(st.sampled_from([" و", " و ", "  و"]))
    return n, f"{draw(st.sampled_from(UNITS[unit]))}{joiner}{draw(st.sampled_from(TENS[tens]))}"


@given(st.integers(min_value=0, max_value=999_999), st.sampled_from(ZEROS), AFTER)
def test_digits_of_any_script_are_the_count(n, zero, after):
    typed = "".join(chr(ord(zero) + int(d)) for d in str(n))
    assert counts.parse(typed + after) == n


@given(arabic_words(), AFTER)
def test_arabic_number_words_are_the_count(pair, after):
    n, typed = pair
    assert counts.parse(typed + after) == n


@pytest.mark.parametrize(
    ("typed", "n"),
    [("ستة", 6), ("ست", 6), ("عشرة", 10), ("عشر", 10), ("ستة عشر", 16), ("ست عشرة", 16), ("خمسطعش", 15),
     ("عشرون", 20), ("عشرين", 20), ("twenty-one", 21), ("Five people", 5), ("سِتَّة أفراد", 6)],
)  # fmt: skip
def test_the_words_people_type(typed, n):
    assert counts.parse(typed) == n


@pytest.mark.parametrize("typed", ["", "كثير", "many", "5 6", "ستة 5", "-3", "3.5", "أفراد ستة"])
def test_what_is_not_a_count(typed):
    assert counts.parse(typed) is None


def test_an_age_in_words_is_an_age():
    assert check_age("ثلاثين سنة") == (30, None) and check_age("خمسة") == (5, None)
