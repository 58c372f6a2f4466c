"""Numbers, months and moments from a query, a path or a form, parsed within bounds: None for anything else, so
that the caller answers 400 with a clear message instead of an OverflowError or a database error deep inside.
The dates stay within the Umm al-Qura calendar the pages show beside them (hijridate ends 16 November 2077)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Awaitable, Callable
from zoneinfo import ZoneInfo

from aiohttp import web

RECORD_ID_MAX = 2**31 - 1  # an INTEGER column on PostgreSQL
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2077, 11, 16)
FIRST_MONTH, LAST_MONTH = (2000, 1), (2077, 10)  # whole months inside FIRST_DAY..LAST_DAY
MAX_DIGITS = 18
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)  # Arabic-Indic and Persian digits too
MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def whole(raw: object, low: int, high: int) -> int | None:
    """An int in [low, high]: an int, or a string of digits (ASCII or Arabic-Indic, no sign); None otherwise."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str):
        digits = raw.translate(DIGITS)
        if not (0 < len(digits) <= MAX_DIGITS and digits.isascii() and digits.isdecimal()):
            return None
        raw = int(digits)
    return raw if isinstance(raw, int) and low <= raw <= high else None


def record_id(raw: object) -> int | None:
    """A row id as a database column can hold it."""
    return whole(raw, 1, RECORD_ID_MAX)


def month(raw: str) -> tuple[int, int] | None:
    """(year, month) from `YYYY-MM` (ASCII or Arabic-Indic digits) between FIRST_MONTH and LAST_MONTH; else None."""
    found = MONTH.fullmatch(raw.translate(DIGITS))
    if found is None:
        return None
    year, number = int(found.group(1)), int(found.group(2))
    return (year, number) if 1 <= number <= 12 and FIRST_MONTH <= (year, number) <= LAST_MONTH else None


def moment(raw: str, pattern: str, timezone: str) -> datetime | None:
    """A local date and time written as `pattern`, in `timezone`, between FIRST_DAY and LAST_DAY; else None."""
    try:
        parsed = datetime.strptime(raw, pattern)
    except ValueError:
        return None
    return parsed.replace(tzinfo=ZoneInfo(timezone)) if FIRST_DAY <= parsed.date() <= LAST_DAY else None


def has_nul(*texts: str) -> bool:
    """True when a text holds a NUL character, which no database text column takes (PostgreSQL refuses it)."""
    return any("\x00" in text for text in texts)


@web.middleware
async def refuse_nul(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """400 for a path or query holding a NUL character, before any handler passes it to the database."""
    if has_nul(request.path, *request.query.keys(), *request.query.values()):
        if request.path.startswith("/admin"):
            from handlers.admin.pages import problem  # the console's page, in the staff's language

            return problem(request, 400, "error_bad_parameter")
        raise web.HTTPBadRequest(text="the address holds a NUL character")
    return await handler(request)
