"""Dates and hours as a beneficiary reads them: Gregorian with the Hijri (Umm al-Qura) date beside it."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_time, get_day_names
from hijridate import Gregorian

from bot.profile import WEEKDAYS, Profile
from conversations.calendar import local
from conversations.catalog import Catalog


def hijri_text(t: Catalog, lang: str, day: date) -> str:
    """«19 جمادى الآخرة 1448 هـ» / "19 Jumada al-Akhirah 1448 AH"."""
    h = Gregorian(day.year, day.month, day.day).to_hijri()
    return t(lang, "fmt_hijri", day=h.day, month=h.month_name(lang), year=h.year)


def date_text(t: Catalog, lang: str, day: date) -> str:
    """Weekday and Gregorian date, with the Hijri date beside it."""
    return t(lang, "fmt_date", gregorian=format_date(day, format="full", locale=lang), hijri=hijri_text(t, lang, day))


def datetime_text(t: Catalog, lang: str, profile: Profile, moment: datetime) -> str:
    """A moment in the association's time zone: date (Gregorian and Hijri) and time."""
    here = local(profile, moment)
    clock = format_time(here.time(), format="short", locale=lang)
    return t(lang, "fmt_datetime", date=date_text(t, lang, here.date()), time=clock)


def working_hours_text(t: Catalog, lang: str, profile: Profile) -> str:
    """«من الأحد إلى الخميس، 8:00 ص – 3:00 م», from the profile's week and hours."""
    names = get_day_names("wide", locale=lang)
    index = {d: i for i, d in enumerate(WEEKDAYS)}
    ordered = sorted(profile.working_hours.days, key=lambda d: (index[d] + 1) % 7)  # the week starts on Sunday
    first, last = names[index[ordered[0]]], names[index[ordered[-1]]]
    contiguous = len(ordered) == 1 + (index[ordered[-1]] - index[ordered[0]]) % 7
    if len(ordered) == 1:
        days = first
    elif contiguous:
        days = t(lang, "fmt_day_range", first=first, last=last)
    else:
        days = t(lang, "list_separator").join(names[index[d]] for d in ordered)
    opens = format_time(profile.working_hours.opens, format="short", locale=lang)
    closes = format_time(profile.working_hours.closes, format="short", locale=lang)
    return t(lang, "fmt_hours", days=days, opens=opens, closes=closes)
