"""The bounded parsers of handlers/bounds.py, property-based: whatever the text, a value within its bounds
or None — never an exception, never a number a column or the Hijri calendar cannot hold."""

from __future__ import annotations

import os
from datetime import date, timezone

from calendar import monthrange

from hijridate import Gregorian
from hypothesis import given, settings, strategies as st

from handlers import bounds

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
numbers = st.one_of(
    st.text(),
    st.integers().map(str),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.text("0123456789٠١٢٣٤٥٦٧٨٩-+ ", max_size=40),
    st.booleans(),
    st.floats(allow_nan=True),
)


@settings(max_examples=EXAMPLES, deadline=None)
@given(numbers, st.integers(-1000, 1000), st.integers(0, 2**40))
def test_whole_is_within_bounds_or_none(raw, low, span):
    value = bounds.whole(raw, low, low + span)
    assert value is None or (type(value) is int and low <= value <= low + span)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.integers(0, bounds.RECORD_ID_MAX + 10))
def test_a_record_id_reads_back_in_ascii_and_arabic_indic_digits(number):
    arabic = str(number).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    expected = number if 1 <= number <= bounds.RECORD_ID_MAX else None
    assert bounds.record_id(str(number)) == bounds.record_id(arabic) == bounds.record_id(number) == expected


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.one_of(st.text(max_size=12), st.tuples(st.integers(0, 9999), st.integers(0, 99)).map("%04d-%02d".__mod__)))
def test_a_month_is_one_the_calendars_cover_or_none(raw):
    found = bounds.month(raw)
    if found is not None:
        year, month = found
        last = date(year, month, monthrange(year, month)[1])
        assert bounds.FIRST_DAY <= date(year, month, 1) and last <= bounds.LAST_DAY
        Gregorian(last.year, last.month, last.day).to_hijri()  # the reports show its Hijri month
        assert raw.translate(bounds.DIGITS) == "%04d-%02d" % found


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.one_of(st.text(max_size=20), st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M"))))
def test_a_moment_is_within_the_calendar_or_none(raw):
    found = bounds.moment(raw, "%Y-%m-%dT%H:%M", "Asia/Riyadh")
    if found is not None:
        assert bounds.FIRST_DAY <= found.date() <= bounds.LAST_DAY
        Gregorian(found.year, found.month, found.day).to_hijri()  # shown beside it on every page
        found.astimezone(timezone.utc)  # stored in UTC
