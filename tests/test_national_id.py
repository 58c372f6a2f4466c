"""National ID and iqama numbers: length, first digit, Luhn check digit, Arabic-Indic digits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.national_id import IdProblem, check, luhn_ok, mask


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
