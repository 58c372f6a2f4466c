"""What was given with a delivery: amounts in riyals typed in any digits and bounded; the totals per month,
category and city on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store import aid
from store.models import Beneficiary, HelpRequest
from tests.conftest import T0

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize(
    "typed, value",
    [("500", 50000), ("٥٠٠", 50000), ("1,500.5", 150050), ("١٬٥٠٠٫٥٠", 150050), (" 0.01 ", 1),
     ("1000000", 100_000_000), ("1000000.01", None), ("0", None), ("-5", None), ("5.123", None), ("خمسمئة", None),
     ("", None), ("5e3", None)],
)  # fmt: skip
def test_an_amount_is_riyals_in_any_digits_within_bounds(typed, value):
    assert aid.halalas(typed) == value


@given(st.integers(min_value=1, max_value=aid.MAX_RIYALS * 100), st.booleans())
def test_any_amount_shown_reads_back_the_same_in_either_script(value, arabic):
    shown = aid.riyals_text(value)
    assert aid.halalas(shown.translate(ARABIC_DIGITS) if arabic else shown) == value


@given(st.text(max_size=30))
def test_whatever_is_typed_is_refused_or_within_bounds(typed):
    value = aid.halalas(typed)
    assert value is None or 0 < value <= aid.MAX_RIYALS * 100


def test_money_needs_an_amount_and_other_kinds_take_none():
    assert aid.checked_aid("cash", "٥٠٠") == ("cash", 50000, None)
    assert aid.checked_aid("cash", "") == (None, None, "aid_error_amount")
    assert aid.checked_aid("in_kind", "") == ("in_kind", None, None)
    assert aid.checked_aid("service", "100") == (None, None, "aid_error_no_amount")
    assert aid.checked_aid("gold", "1") == (None, None, "aid_error_kind")


async def test_totals_per_month_category_and_city_count_only_deliveries(sessions):
    rows = [  # (delivered days after T0, category, city, kind, halalas, status)
        (0, "food", "bukayriyah", "cash", 50000, "delivered"),
        (1, "cash_aid", "bukayriyah", "voucher", 25050, "delivered"),
        (2, "food", "unayzah", "in_kind", None, "delivered"),
        (10, "food", "unayzah", "cash", 10000, "delivered"),  # 5 December in Riyadh: next month
        (0, "food", "bukayriyah", None, None, "accepted"),
    ]
    async with sessions() as tx, tx.begin():
        person = Beneficiary()
        tx.add(person)
        await tx.flush()
        for n, (days, category, city, kind, money, status) in enumerate(rows):
            at = T0 + timedelta(days=days)
            tx.add(HelpRequest(
                reference=f"H-{n}", beneficiary_id=person.id, conversation_key="desk:1", channel="in_person",
                status=status, category=category, city=city, residency="citizen", household_size=3,
                income_bracket="none", full_name_enc="x", national_id_enc="x", due_at=at,
                delivered_at=at if status == "delivered" else None, aid_kind=kind, aid_halalas=money,
            ))  # fmt: skip
    async with sessions() as tx:
        everything = await aid.totals(tx, "Asia/Riyadh", None, None)
        november = await aid.totals(tx, "Asia/Riyadh", T0 - timedelta(days=24), T0 + timedelta(days=5))
    assert (everything.all.count, everything.all.halalas) == (4, 85050)
    assert {k: (v.count, v.halalas) for k, v in everything.by_month.items()} == {
        "2026-11": (3, 75050), "2026-12": (1, 10000)
    }
    assert {k: (v.count, v.halalas) for k, v in november.by_category.items()} == {
        "food": (2, 50000), "cash_aid": (1, 25050)
    }
    assert list(november.by_city) == ["bukayriyah", "unayzah"]
    assert (november.by_city["unayzah"].count, november.by_city["unayzah"].halalas) == (1, 0)
