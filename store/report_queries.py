"""The figures of the reports and of the weekly digest (policy §11), as plain query functions over a session:
satisfaction from the answered ratings, decisions and complaint answers within their deadlines, attendance per
program, what is past due now. A rating counts in the month of its service (created_at, in the association's
time zone); a decision, an answer in the month it was made."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Callable, Hashable
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.profile import Profile
from store.models import Complaint, HelpRequest, Program, Rating, Registration
from store.request_decisions import OPEN

ASKED = ("prompted", "reminded", "answered", "expired")  # the beneficiary was asked: the response rate's base
SCORES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC; both None for all time."""

    start: datetime | None = None
    end: datetime | None = None

    def holds(self, moment: datetime | None) -> bool:
        return moment is not None and (self.start is None or self.start <= moment) and (
            self.end is None or moment < self.end
        )

    def where(self, column: object) -> list:
        """SQL conditions that keep `column` inside the period."""
        bounds = [column >= self.start] if self.start is not None else []
        return bounds + ([column < self.end] if self.end is not None else [])


def month_start(profile: Profile, year: int, month: int) -> datetime:
    """Midnight of the month's first day in the association's time zone."""
    return datetime.combine(date(year, month, 1), time(), ZoneInfo(profile.timezone))


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def month_period(profile: Profile, year: int, month: int) -> Period:
    """A calendar month of the association's time zone."""
    return Period(month_start(profile, year, month), month_start(profile, *next_month(year, month)))


def month_key(profile: Profile, moment: datetime) -> str:
    """YYYY-MM of a moment in the association's time zone."""
    return moment.astimezone(ZoneInfo(profile.timezone)).strftime("%Y-%m")


def ratio(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide."""
    return part / whole if whole else None


@dataclass(frozen=True)
class Satisfaction:
    """Answered ratings' average and CSAT (share of 4 and 5), their distribution, and the response rate."""

    asked: int = 0
    distribution: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCORES, 0))

    @property
    def answered(self) -> int:
        return sum(self.distribution.values())

    @property
    def average(self) -> float | None:
        return ratio(sum(s * n for s, n in self.distribution.items()), self.answered)

    @property
    def csat(self) -> float | None:
        return ratio(self.distribution[4] + self.distribution[5], self.answered)

    @property
    def response_rate(self) -> float | None:
        return ratio(self.answered, self.asked)


def summarize(ratings: list[Rating]) -> Satisfaction:
    """The satisfaction of some ratings (those never prompted do not count)."""
    distribution = dict.fromkeys(SCORES, 0)
    asked = 0
    for rating in ratings:
        if rating.status not in ASKED:
            continue
        asked += 1
        if rating.status == "answered" and rating.score in distribution:
            distribution[rating.score] += 1
    return Satisfaction(asked, distribution)


def grouped(ratings: list[Rating], key: Callable[[Rating], Hashable]) -> dict[Hashable, Satisfaction]:
    """Satisfaction per value of `key` (None values left out), in the order the values first appear."""
    groups: dict[Hashable, list[Rating]] = defaultdict(list)
    for rating in ratings:
        if (value := key(rating)) is not None:
            groups[value].append(rating)
    return {value: summarize(rows) for value, rows in groups.items()}


async def ratings_in(tx: AsyncSession, period: Period) -> list[Rating]:
    """The ratings asked for a service of the period, oldest first."""
    query = select(Rating).where(Rating.status.in_(ASKED), *period.where(Rating.created_at))
    return list((await tx.scalars(query.order_by(Rating.created_at, Rating.id))).all())


async def monthly(tx: AsyncSession, profile: Profile, year: int, month: int, count: int = 12) -> list[
    tuple[str, Satisfaction]
]:
    """Satisfaction of each of the `count` months that end with year-month, oldest first."""
    keys = [(year, month)]
    for _ in range(count - 1):
        y, m = keys[0]
        keys.insert(0, (y - 1, 12) if m == 1 else (y, m - 1))
    span = Period(month_start(profile, *keys[0]), month_start(profile, *next_month(year, month)))
    by_month = grouped(await ratings_in(tx, span), lambda r: month_key(profile, r.created_at))
    return [(f"{y:04d}-{m:02d}", by_month.get(f"{y:04d}-{m:02d}", Satisfaction())) for y, m in keys]


@dataclass(frozen=True)
class Punctuality:
    """How many were handled in the period, how many of them within the deadline, how many wait past it."""

    handled: int
    on_time: int
    open_late: int

    @property
    def rate(self) -> float | None:
        return ratio(self.on_time, self.handled)


def _late_cutoff(period: Period, now: datetime) -> datetime:
    """Open items due before this moment are late: now, or the period's end when it is already over."""
    return min(now, period.end) if period.end is not None else now


async def _on_time(tx: AsyncSession, done, due, still_open, period: Period, now: datetime) -> Punctuality:  # type: ignore[no-untyped-def]
    """Items handled in the period by their deadline (`done` ≤ `due`), and those `still_open` past due."""
    rows = (await tx.execute(select(done, due).where(done.is_not(None), *period.where(done)))).all()
    late = select(func.count()).where(still_open, due < _late_cutoff(period, now))
    return Punctuality(len(rows), sum(handled <= limit for handled, limit in rows), await tx.scalar(late) or 0)


async def requests_on_time(tx: AsyncSession, period: Period, now: datetime) -> Punctuality:
    """Decisions of the period made by the committee's deadline (decided_at ≤ due_at); open ones past due."""
    return await _on_time(tx, HelpRequest.decided_at, HelpRequest.due_at, HelpRequest.status.in_(OPEN), period, now)


async def complaints_on_time(tx: AsyncSession, period: Period, now: datetime) -> Punctuality:
    """Complaints answered in the period within their deadline (replied_at ≤ due_at); open ones past due."""
    return await _on_time(tx, Complaint.replied_at, Complaint.due_at, Complaint.status == "open", period, now)


@dataclass(frozen=True)
class Attendance:
    """A program's accepted sign-ups and how many of them attended."""

    program_id: int
    title_ar: str
    title_en: str
    accepted: int
    attended: int

    @property
    def rate(self) -> float | None:
        return ratio(self.attended, self.accepted)


async def attendance(tx: AsyncSession, period: Period) -> list[Attendance]:
    """Attendance (attended / accepted) of each program that started in the period and accepted someone."""
    attended = func.count(Registration.attended_at)
    query = (
        select(Program.id, Program.title_ar, Program.title_en, func.count(Registration.id), attended)
        .join(Registration, Registration.program_id == Program.id)
        .where(Registration.status == "accepted", *period.where(Program.starts_at))
        .group_by(Program.id, Program.title_ar, Program.title_en, Program.starts_at)
        .order_by(Program.starts_at, Program.id)
    )
    return [Attendance(*row) for row in (await tx.execute(query)).all()]


@dataclass(frozen=True)
class Comment:
    """What a beneficiary wrote with a rating: never their name, nor who served them."""

    score: int
    service_kind: str
    at: datetime
    text: str


async def comments(
    tx: AsyncSession, period: Period, most: int | None = None, limit: int = 200
) -> list[Comment]:
    """The comments of answered ratings of the period (at most score `most`), newest first."""
    query = select(Rating.score, Rating.service_kind, Rating.answered_at, Rating.comment).where(
        Rating.status == "answered", Rating.comment != "", *period.where(Rating.answered_at)
    )
    if most is not None:
        query = query.where(Rating.score <= most)
    rows = (await tx.execute(query.order_by(Rating.answered_at.desc(), Rating.id.desc()).limit(limit))).all()
    return [Comment(*row) for row in rows]


@dataclass(frozen=True)
class Figures:
    """Everything a report shows for one period."""

    satisfaction: Satisfaction
    by_kind: dict[Hashable, Satisfaction]
    by_program: dict[Hashable, Satisfaction]
    by_channel: dict[Hashable, Satisfaction]
    by_staff: dict[Hashable, Satisfaction] | None  # None when the profile keeps ratings anonymous
    requests: Punctuality
    complaints: Punctuality
    attendance: list[Attendance]
    comments: list[Comment]


async def figures(tx: AsyncSession, profile: Profile, period: Period, now: datetime) -> Figures:
    """All the figures of a period; per staff member only when the profile allows it."""
    ratings = await ratings_in(tx, period)
    by_staff = None if profile.anonymous_ratings else grouped(ratings, lambda r: r.staff_id)
    return Figures(
        satisfaction=summarize(ratings),
        by_kind=grouped(ratings, lambda r: r.service_kind),
        by_program=grouped(ratings, lambda r: r.program_id),
        by_channel=grouped(ratings, lambda r: r.channel),
        by_staff=by_staff,
        requests=await requests_on_time(tx, period, now),
        complaints=await complaints_on_time(tx, period, now),
        attendance=await attendance(tx, period),
        comments=await comments(tx, period),
    )


async def program_titles(tx: AsyncSession, ids: list[int]) -> dict[int, tuple[str, str]]:
    """The Arabic and English titles of the programs among `ids`, by id."""
    query = select(Program.id, Program.title_ar, Program.title_en).where(Program.id.in_(ids))
    return {pid: (ar, en) for pid, ar, en in (await tx.execute(query)).all()}


async def late_requests(tx: AsyncSession, now: datetime) -> list[HelpRequest]:
    """Open help requests past their deadline, most overdue first."""
    query = select(HelpRequest).where(HelpRequest.status.in_(OPEN), HelpRequest.due_at < now)
    return list((await tx.scalars(query.order_by(HelpRequest.due_at, HelpRequest.id))).all())


async def late_complaints(tx: AsyncSession, now: datetime) -> list[Complaint]:
    """Open complaints past their deadline, most overdue first."""
    query = select(Complaint).where(Complaint.status == "open", Complaint.due_at < now)
    return list((await tx.scalars(query.order_by(Complaint.due_at, Complaint.id))).all())


def recent(now: datetime, days: int = 7) -> Period:
    """The last `days` days up to now."""
    return Period(now - timedelta(days=days), None)
