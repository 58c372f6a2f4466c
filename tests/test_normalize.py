"""Arabic normalisation: the spellings people type compare equal; property tests for what must always hold."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.normalize import digits_to_ascii, normalize


@pytest.mark.parametrize(
    "typed, folded",
    [
        ("كَيْفَ أُقَدِّمُ", "كيف اقدم"),  # diacritics
        ("المسـاعـدة", "المساعده"),  # tatweel, taa marbuta
        ("إستفسار آخر", "استفسار اخر"),  # alef with hamza below, alef madda
        ("مستشفى", "مستشفي"),  # alef maqsura
        ("مسؤول", "مسوول"),  # hamza on waw
        ("القائمة", "القايمه"),  # hamza on ya
        ("١٢٣ و ۴۵۶", "123 و 456"),  # Arabic-Indic and Persian digits
        ("\u200fرجوع\u200e", "رجوع"),  # direction marks
        ("ز\u200bكاة", "زكاه"),  # zero-width space
        ("Menu!!", "menu"),
        ("  كم   المدة؟  ", "كم المده"),
        ("ﻻ", "لا"),  # presentation form
    ],
)
def test_spellings_fold_together(typed, folded):
    assert normalize(typed) == folded


def test_digits_to_ascii_keeps_everything_else():
    assert digits_to_ascii("رقم ١٠ و 2") == "رقم 10 و 2"


@given(st.text())
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@given(st.text(alphabet=st.sampled_from("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹0123456789"), min_size=1))
def test_any_mix_of_digit_forms_reads_as_the_same_number(digits):
    assert normalize(digits).isascii() and normalize(digits).isdigit()


@given(st.text())
def test_no_invisible_or_diacritic_survives(text):
    out = normalize(text)
    assert not any(ch in out for ch in "\u200b\u200c\u200d\u200e\u200f\u202b\u202e\ufeff\u064b\u0651\u0640")
