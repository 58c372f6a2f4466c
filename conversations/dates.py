"""Dates and hours as a beneficiary reads them: Gregorian (CLDR, through babel, in the language's own
locale and digits) with the Hijri (Umm al-Qura) date beside it (month names from the catalogs)."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_time, get_day_names
from hijridate import Gregorian

from conversations.profile import WEEKDAYS, Profile
from conversations.calendar import local
from conversations import languages
from conversations.catalog import Catalog


def _locale(lang: str) -> str:
    return languages.get(lang).locale


def _digits(lang: str, text: str) -> str:
    return languages.get(lang).show_digits(text)


def short_date(lang: str, day: date) -> str:
    """«3 ديسمبر» / "3 December", for a button."""
    return _digits(lang, format_date(day, "d MMMM", locale=_locale(lang)))


def compact_date(lang: str, day: date) -> str:
    """«24 نوفمبر 2026» / "24 November 2026", where a table has little room (no weekday, one calendar)."""
    return _digits(lang, format_date(day, "d MMMM y", locale=_locale(lang)))


def clock_text(lang: str, moment: datetime) -> str:
    """«11:00 ص» / "11:00 AM" (a local time)."""
    return _digits(lang, format_time(moment.time(), format="short", locale=_locale(lang)))


def hijri_text(t: Catalog, lang: str, day: date) -> str:
    """«19 جمادى الآخرة 1448 هـ» / "19 Jumada al-Akhirah 1448 AH"."""
    h = Gregorian(day.year, day.month, day.day).to_hijri()
    month = t(lang, f"hijri_month_{h.month}")
    return _digits(lang, t(lang, "fmt_hijri", day=h.day, month=month, year=h.year))


def date_text(t: Catalog, lang: str, day: date) -> str:
    """Weekday and Gregorian date, with the Hijri date beside it."""
    gregorian = _digits(lang, format_date(day, format="full", locale=_locale(lang)))
    return t(lang, "fmt_date", gregorian=gregorian, hijri=hijri_text(t, lang, day))


def datetime_text(t: Catalog, lang: str, profile: Profile, moment: datetime) -> str:
    """A moment in the association's time zone: date (Gregorian and Hijri) and time."""
    here = local(profile, moment)
    clock = _digits(lang, format_time(here.time(), format="short", locale=_locale(lang)))
    return t(lang, "fmt_datetime", date=date_text(t, lang, here.date()), time=clock)


def working_hours_text(t: Catalog, lang: str, profile: Profile) -> str:
    """«من الأحد إلى الخميس، 8:00 ص – 3:00 م», from the profile's week and hours."""
    names = get_day_names("wide", locale=_locale(lang))
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
    opens = _digits(lang, format_time(profile.working_hours.opens, format="short", locale=_locale(lang)))
    closes = _digits(lang, format_time(profile.working_hours.closes, format="short", locale=_locale(lang)))
    return t(lang, "fmt_hours", days=days, opens=opens, closes=closes)
