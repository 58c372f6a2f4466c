"""National ID and iqama numbers: length, first digit, Luhn check digit, Arabic-Indic digits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.national_id import IdProblem, check, luhn_ok, mask, mask_ids


def with_check_digit(first_nine: str) -> str:
    return next(first_nine + d for d in "0123456789" if luhn_ok(first_nine + d))


@pytest.mark.parametrize(
    "typed, result",
    [
        ("1000000008", ("1000000008", None)),
        ("2000000006", ("2000000006", None)),
        ("١٠٠٠٠٠٠٠٠٨", ("1000000008", None)),  # Arabic-Indic digits
        ("1000 000 008", ("1000000008", None)),
        ("1000000009", (None, IdProblem.CHECK_DIGIT)),
        ("3000000004", (None, IdProblem.FIRST_DIGIT)),
        ("100000000", (None, IdProblem.LENGTH)),
        ("10000000080", (None, IdProblem.LENGTH)),
        ("١٢٣abc", (None, IdProblem.NOT_DIGITS)),
        ("", (None, IdProblem.NOT_DIGITS)),
    ],
)
def test_check(typed, result):
    assert check(typed) == result


@given(st.sampled_from("12"), st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_every_number_with_its_check_digit_is_accepted_and_any_other_last_digit_is_not(first, middle):
    valid = with_check_digit(first + middle)
    assert check(valid) == (valid, None)
    arabic = valid.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert check(arabic) == (valid, None)
    for wrong in "0123456789":
        if wrong != valid[-1]:
            assert check(valid[:-1] + wrong) == (None, IdProblem.CHECK_DIGIT)


def test_mask_hides_the_middle():
    assert mask("1000000008") == "1•••••0008"


# ── an ID typed anywhere, masked in the message log ──────────────────────────────────────────────────────

DIGIT_SCRIPTS = [chr(zero) for zero in (0x30, 0x660, 0x6F0, 0x966, 0x9E6, 0xFF10)]  # ASCII, Arabic-Indic, Persian, …
NO_DIGITS = st.text(st.characters(blacklist_categories=("Nd",)), max_size=30)


def in_script(digits: str, zero: str) -> str:
    return "".join(chr(ord(zero) + int(d)) for d in digits)


@given(
    before=NO_DIGITS,
    after=NO_DIGITS,
    first=st.sampled_from("12"),
    rest=st.text(alphabet="0123456789", min_size=9, max_size=9),
    zero=st.sampled_from(DIGIT_SCRIPTS),
    gaps=st.lists(st.sampled_from(["", "", " ", "  ", "\u00a0"]), min_size=9, max_size=9),
)
def test_an_id_shaped_number_anywhere_in_a_text_is_masked_and_nothing_else_changes(before, after, first, rest, zero, gaps):
    digits = first + rest
    typed = in_script(digits[0], zero) + "".join(g + in_script(d, zero) for g, d in zip(gaps, digits[1:]))
    assert mask_ids(before + typed + after) == before + mask(digits) + after


@given(st.text(max_size=60))
def test_masking_twice_changes_nothing_more(typed):
    once = mask_ids(typed)
    assert mask_ids(once) == once


@pytest.mark.parametrize(
    "typed",
    ["0501234567", "3000000004", "10000000080", "رقم الطلب H-7K3P9Q", "عدد أفراد الأسرة ٥", "12345"],
)
def test_numbers_that_are_not_id_shaped_stay(typed):
    assert mask_ids(typed) == typed
