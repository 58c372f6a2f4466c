"""Working time by the Saudi week and the profile's holidays; dates shown Gregorian and Hijri."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from conversations.calendar import add_working_days, add_working_hours, is_holiday, is_open, is_working_day
from conversations.catalog import Catalog
from conversations.dates import date_text, datetime_text, working_hours_text

RIYADH = ZoneInfo("Asia/Riyadh")


def at(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=RIYADH)


@pytest.mark.parametrize(
    "day, working",
    [
        (date(2026, 11, 26), True),  # Thursday
        (date(2026, 11, 27), False),  # Friday
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 11, 29), True),  # Sunday
        (date(2026, 9, 23), False),  # National Day, a Wednesday
        (date(2027, 3, 10), False),  # 2 Shawwal 1448 (Eid al-Fitr, Umm al-Qura), a Wednesday
        (date(2027, 3, 7), True),  # 28 Ramadan 1448: before the holiday
    ],
)
def test_working_days(profile, day, working):
    assert is_working_day(profile, day) is working


def test_hijri_holiday_follows_umm_al_qura(profile):
    # 1 Shawwal 1448 is 9 March 2027 in Umm al-Qura; the fixture gives Eid four days.
    eid = [d for d in (date(2027, 3, n) for n in range(5, 15)) if is_holiday(profile, d)]
    assert eid == [date(2027, 3, 9), date(2027, 3, 10), date(2027, 3, 11), date(2027, 3, 12)]


@pytest.mark.parametrize(
    "start, hours, due",
    [
        (at(2026, 11, 25, 10), 4, at(2026, 11, 25, 14)),  # fits in the day
        (at(2026, 11, 25, 13), 4, at(2026, 11, 26, 10)),  # carries to Thursday morning
        (at(2026, 11, 26, 14), 4, at(2026, 11, 29, 11)),  # over the weekend to Sunday
        (at(2026, 11, 25, 20), 4, at(2026, 11, 26, 12)),  # received after hours
        (at(2026, 11, 27, 9), 1, at(2026, 11, 29, 9)),  # received on Friday
    ],
)
def test_add_working_hours(profile, start, hours, due):
    assert add_working_hours(profile, start, hours) == due


def test_add_working_days_skips_weekend_and_holiday(profile):
    assert add_working_days(profile, date(2026, 9, 21), 3) == date(2026, 9, 27)  # Mon → Tue, (Wed holiday), Thu, Sun


def test_is_open(profile):
    assert is_open(profile, datetime(2026, 11, 25, 8, tzinfo=timezone.utc))  # 11:00 Riyadh
    assert not is_open(profile, datetime(2026, 11, 25, 13, tzinfo=timezone.utc))  # 16:00 Riyadh


def test_dates_are_shown_gregorian_and_hijri():
    t = Catalog.load()
    assert date_text(t, "ar", date(2026, 11, 29)) == "الأحد، 29 نوفمبر 2026 (19 جمادى الآخرة 1448 هـ)"
    assert date_text(t, "en", date(2026, 11, 29)) == "Sunday, November 29, 2026 (19 Jumada al-Akhirah 1448 AH)"


def test_datetime_is_local_time(profile):
    t = Catalog.load()
    text = datetime_text(t, "en", profile, datetime(2026, 11, 29, 6, 30, tzinfo=timezone.utc))
    assert text.startswith("Sunday, November 29, 2026") and text.endswith("9:30\u202fAM")


def test_working_hours_text(profile):
    t = Catalog.load()
    assert working_hours_text(t, "ar", profile).startswith("من الأحد إلى الخميس")
    assert working_hours_text(t, "en", profile).startswith("Sunday to Thursday, 8:00")


@pytest.mark.parametrize(
    "start, days, due",
    [
        (date(2026, 11, 26), 1, date(2026, 11, 29)),  # Thursday → Sunday, over the weekend
        (date(2026, 11, 29), 5, date(2026, 12, 6)),  # one working week: Sunday → the next Sunday, over a month end
        (date(2026, 12, 31), 1, date(2027, 1, 3)),  # Gregorian year end on a Thursday
        (date(2026, 6, 11), 3, date(2026, 6, 16)),  # Hijri year end: 25 Dhu al-Hijjah 1447 → 1 Muharram 1448
        (date(2026, 9, 20), 3, date(2026, 9, 24)),  # National Day (Wednesday 23 September) is skipped
        (date(2026, 3, 19), 1, date(2026, 3, 24)),  # Eid al-Fitr 1447 (20–23 March) is skipped
        (date(2026, 11, 27), 10, date(2026, 12, 10)),  # ten working days from a Friday
    ],
)
def test_working_days_across_weekends_holidays_and_year_ends(profile, start, days, due):
    assert add_working_days(profile, start, days) == due
