"""What was given when aid is marked delivered: its kind, and its amount in riyals where it is money (typed in
any script's digits, bounded, kept in halalas); and the totals the reports show per month, category and city."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.normalize import digits_to_ascii, strip_invisible
from store.models import HelpRequest

KINDS = ("cash", "voucher", "in_kind", "service")
MONEY = ("cash", "voucher")  # the kinds given as an amount of riyals
MAX_RIYALS = 1_000_000
AMOUNT = re.compile(r"(\d{1,7})(?:\.(\d{1,2}))?")
SEPARATORS = str.maketrans({"٬": "", ",": "", "٫": ".", "،": "", " ": ""})


def halalas(typed: str) -> int | None:
    """«500», «٥٠٠», «1,500.50», «١٬٥٠٠٫٥» → halalas; None unless it is more than 0 and at most MAX_RIYALS."""
    text = digits_to_ascii(strip_invisible(typed)).strip().translate(SEPARATORS)
    found = AMOUNT.fullmatch(text)
    if found is None:
        return None
    value = int(found.group(1)) * 100 + int((found.group(2) or "0").ljust(2, "0"))
    return value if 0 < value <= MAX_RIYALS * 100 else None


def riyals_text(value: int) -> str:
    """Halalas as riyals for a page: 50000 → «500», 150050 → «1,500.50»."""
    whole, cents = divmod(value, 100)
    return f"{whole:,}" if cents == 0 else f"{whole:,}.{cents:02d}"


def checked_aid(kind: str, amount: str) -> tuple[str | None, int | None, str | None]:
    """(kind, halalas, None), or (None, None, the console text that says what is wrong): money needs an
    amount, other kinds take none."""
    if kind not in KINDS:
        return None, None, "aid_error_kind"
    if kind not in MONEY:
        return (kind, None, None) if not amount.strip() else (None, None, "aid_error_no_amount")
    value = halalas(amount)
    return (kind, value, None) if value is not None else (None, None, "aid_error_amount")


@dataclass
class Total:
    """How many deliveries, and the money among them (halalas)."""

    count: int = 0
    halalas: int = 0


@dataclass
class AidTotals:
    """Aid delivered in a period, per month (YYYY-MM, the association's time zone), category and city."""

    all: Total = field(default_factory=Total)
    by_month: dict[str, Total] = field(default_factory=dict)
    by_category: dict[str, Total] = field(default_factory=dict)
    by_city: dict[str, Total] = field(default_factory=dict)


async def totals(tx: AsyncSession, timezone: str, start: datetime | None, end: datetime | None) -> AidTotals:
    """Requests delivered in [start, end) (None: open), counted in the month they were delivered."""
    query = select(HelpRequest.delivered_at, HelpRequest.category, HelpRequest.city, HelpRequest.aid_halalas).where(
        HelpRequest.status == "delivered", HelpRequest.delivered_at.is_not(None)
    )
    if start is not None:
        query = query.where(HelpRequest.delivered_at >= start)
    if end is not None:
        query = query.where(HelpRequest.delivered_at < end)
    zone, out = ZoneInfo(timezone), AidTotals()
    groups: dict[str, dict[str, Total]] = {"month": defaultdict(Total), "category": defaultdict(Total),
                                           "city": defaultdict(Total)}  # fmt: skip
    for at, category, city, money in (await tx.execute(query)).all():
        keys = {"month": at.astimezone(zone).strftime("%Y-%m"), "category": category, "city": city}
        for total in (out.all, *(groups[name][key] for name, key in keys.items())):
            total.count += 1
            total.halalas += money or 0
    out.by_month = dict(sorted(groups["month"].items()))
    out.by_category = dict(sorted(groups["category"].items(), key=lambda kv: -kv[1].halalas))
    out.by_city = dict(sorted(groups["city"].items(), key=lambda kv: -kv[1].halalas))
    return out
