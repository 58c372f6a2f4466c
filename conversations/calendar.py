"""Working time by the association's week and public holidays (Gregorian or Hijri, Umm al-Qura)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from hijridate import Gregorian, Hijri

from conversations.profile import WEEKDAYS, Holiday, Profile

_HIJRI_RANGE = (1343, 1500)  # the years hijridate's Umm al-Qura tables cover


@lru_cache(maxsize=256)
def _holidays_in(holidays: tuple[Holiday, ...], year: int) -> frozenset[date]:
    days: set[date] = set()
    for h in holidays:
        starts: list[date] = []
        if h.calendar == "gregorian":
            try:
                starts.append(date(year, h.month, h.day))
            except ValueError:
                continue
        else:
            # A Hijri year is shorter than a Gregorian one: look at the two that overlap `year`.
            first = Gregorian(year, 1, 1).to_hijri().year
            for hy in (first - 1, first, first + 1):
                if _HIJRI_RANGE[0] <= hy <= _HIJRI_RANGE[1]:
                    try:
                        starts.append(Hijri(hy, h.month, h.day).to_gregorian())
                    except (ValueError, OverflowError):
                        continue
        for start in starts:
            days.update(start + timedelta(days=i) for i in range(h.days))
    return frozenset(d for d in days if d.year == year)


def is_holiday(profile: Profile, day: date) -> bool:
    """True when `day` falls in one of the profile's public holidays."""
    return day in _holidays_in(tuple(profile.holidays), day.year)


def is_working_day(profile: Profile, day: date) -> bool:
    """A day of the working week that is not a public holiday."""
    return WEEKDAYS[day.weekday()] in profile.working_hours.days and not is_holiday(profile, day)


def local(profile: Profile, moment: datetime) -> datetime:
    """`moment` in the association's own time zone."""
    return moment.astimezone(ZoneInfo(profile.timezone))


def is_open(profile: Profile, moment: datetime) -> bool:
    """True during working hours on a working day."""
    here = local(profile, moment)
    hours = profile.working_hours
    return is_working_day(profile, here.date()) and hours.opens <= here.time() < hours.closes


def add_working_hours(profile: Profile, moment: datetime, hours: float) -> datetime:
    """The moment `hours` of working time after `moment` (time outside working hours does not count)."""
    tz = ZoneInfo(profile.timezone)
    wh = profile.working_hours
    here = local(profile, moment)
    remaining = timedelta(hours=hours)
    day = here.date()
    for _ in range(3660):  # ten years of days: a profile with no working day at all cannot loop forever
        if is_working_day(profile, day):
            opens = datetime.combine(day, wh.opens, tz)
            closes = datetime.combine(day, wh.closes, tz)
            start = max(opens, here) if day == here.date() else opens
            if start < closes:
                if start + remaining <= closes:
                    return start + remaining
                remaining -= closes - start
        day += timedelta(days=1)
    raise ValueError("the profile's working week has no working day")


def add_working_days(profile: Profile, day: date, count: int) -> date:
    """The working day `count` working days after `day`."""
    for _ in range(count):
        day += timedelta(days=1)
        while not is_working_day(profile, day):
            day += timedelta(days=1)
    return day
