"""Mobile numbers in the forms people type them, to E.164."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.phones import to_e164


@pytest.mark.parametrize(
    "typed",
    ["0501234567", "٠٥٠١٢٣٤٥٦٧", "+966501234567", "+966 50 123 4567", "966501234567", "00966501234567",
     "050-123-4567", "\u200e0501234567", "501234567"],
)
def test_common_saudi_forms(typed):
    assert to_e164(typed) == "+966501234567"


@pytest.mark.parametrize("typed", ["", "12345", "05012345", "abc", "0501234567890123", "+966 11 000"])
def test_not_a_number(typed):
    assert to_e164(typed) is None


def test_an_international_number_keeps_its_country():
    assert to_e164("+20 100 123 4567") == "+201001234567"


@given(st.integers(min_value=0, max_value=9_999_999))
def test_every_stc_mobile_in_any_digit_form_reads_the_same(n):
    local = f"050{n:07d}"
    arabic = local.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert to_e164(local) == to_e164(arabic) == f"+96650{n:07d}"
