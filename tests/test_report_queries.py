"""The report and digest queries on SQLite and PostgreSQL, a few rows each: satisfaction counts only the ratings
asked in the period, deadlines met and missed, attendance of the period's programs, comments newest first and
the programs' titles, and what is past due now, most overdue first."""

from __future__ import annotations

from datetime import timedelta

from store import report_queries as reports
from store.models import Program, Rating, Registration
from tests.conftest import T0
from tests.work_seed import complaint, help_request, person

DAY = timedelta(days=1)
WEEK = reports.Period(T0 - 7 * DAY, T0)


def _rating(who, n: int, status: str, at, score: int | None = None, comment: str = "") -> Rating:
    return Rating(
        beneficiary_id=who.id, conversation_key=f"web:{who.id}", channel="web", service_kind="help_request",
        service_ref=f"R-{n}", status=status, score=score, comment=comment, created_at=at,
        answered_at=at + timedelta(hours=1) if status == "answered" else None,
    )  # fmt: skip


async def test_satisfaction_counts_the_ratings_asked_for_services_of_the_period(sessions, profile):
    async with sessions() as tx, tx.begin():
        who = await person(tx)
        tx.add_all([
            _rating(who, 1, "answered", T0 - 2 * DAY, 5),
            _rating(who, 2, "answered", T0 - 3 * DAY, 2),
            _rating(who, 3, "expired", T0 - 4 * DAY),
            _rating(who, 4, "scheduled", T0 - 4 * DAY),  # never asked: not in the response rate's base
            _rating(who, 5, "answered", T0 - 30 * DAY, 1),  # before the period
        ])  # fmt: skip
    async with sessions() as tx:
        ratings = await reports.ratings_in(tx, WEEK)
        trend = await reports.monthly(tx, profile, 2026, 11, count=2)
    assert [r.service_ref for r in ratings] == ["R-3", "R-2", "R-1"]  # oldest service first
    week = reports.summarize(ratings)
    assert (week.asked, week.answered, week.average, week.csat) == (3, 2, 3.5, 0.5)
    assert round(week.response_rate, 3) == 0.667
    assert [(month, s.answered, s.asked) for month, s in trend] == [("2026-10", 1, 1), ("2026-11", 2, 3)]


async def test_deadlines_met_in_the_period_and_open_ones_past_due(sessions):
    async with sessions() as tx, tx.begin():
        who = await person(tx)
        on_time = await help_request(tx, who, "R-1", status="accepted", due=T0 - 2 * DAY, at=T0 - 9 * DAY)
        on_time.decided_at = T0 - 3 * DAY
        late = await help_request(tx, who, "R-2", status="rejected", due=T0 - 5 * DAY, at=T0 - 9 * DAY)
        late.decided_at = T0 - DAY
        await help_request(tx, who, "R-3", status="needs_info", due=T0 - DAY, at=T0 - 9 * DAY)
        await help_request(tx, who, "R-4", status="submitted", due=T0 - 4 * DAY, at=T0 - 9 * DAY)
        await help_request(tx, who, "R-5", status="submitted", due=T0 + DAY, at=T0 - DAY)  # not yet due
        answered = await complaint(tx, who, "C-1", at=T0 - 6 * DAY, due=T0 - 2 * DAY, status="answered")
        answered.replied_at = T0 - DAY
        await complaint(tx, who, "C-2", at=T0 - 6 * DAY, due=T0 - 3 * DAY)
        await complaint(tx, who, "C-3", at=T0 - DAY, due=T0 + 2 * DAY)
    async with sessions() as tx:
        requests = await reports.requests_on_time(tx, WEEK, T0)
        complaints = await reports.complaints_on_time(tx, WEEK, T0)
        early = await reports.requests_on_time(tx, reports.Period(T0 - 7 * DAY, T0 - 2 * DAY), T0)
        late_requests = await reports.late_requests(tx, T0)
        late_complaints = await reports.late_complaints(tx, T0)
    assert (requests.handled, requests.on_time, requests.open_late, requests.rate) == (2, 1, 2, 0.5)
    assert (complaints.handled, complaints.on_time, complaints.open_late) == (1, 0, 1)
    assert (early.handled, early.on_time, early.open_late) == (1, 1, 1)  # late counted at the period's end
    assert [r.reference for r in late_requests] == ["R-4", "R-3"]
    assert [c.reference for c in late_complaints] == ["C-2"]


async def test_attendance_of_the_programs_that_started_in_the_period_and_their_titles(sessions):
    async with sessions() as tx, tx.begin():
        day = Program(kind="registration", status="published", title_ar="يوم الأسرة", title_en="Family day",
                      starts_at=T0 - 2 * DAY)  # fmt: skip
        old = Program(kind="registration", status="published", title_ar="دورة", title_en="Course",
                      starts_at=T0 - 40 * DAY)  # fmt: skip
        tx.add_all([day, old])
        await tx.flush()
        for program, status, came in ((day, "accepted", True), (day, "accepted", False), (day, "pending", False),
                                      (old, "accepted", True)):  # fmt: skip
            who = await person(tx)
            tx.add(Registration(program_id=program.id, beneficiary_id=who.id, conversation_key=f"web:{who.id}",
                                status=status, attended_at=T0 - 2 * DAY if came else None))  # fmt: skip
        ids = (day.id, old.id)
    async with sessions() as tx:
        [shown] = await reports.attendance(tx, WEEK)
        titles = await reports.program_titles(tx, [ids[0], ids[1], 999])
    assert (shown.program_id, shown.title_en, shown.accepted, shown.attended, shown.rate) == (
        ids[0], "Family day", 2, 1, 0.5
    )  # fmt: skip
    assert titles == {ids[0]: ("يوم الأسرة", "Family day"), ids[1]: ("دورة", "Course")}


async def test_comments_of_answered_ratings_newest_first_and_the_low_ones(sessions):
    async with sessions() as tx, tx.begin():
        who = await person(tx)
        tx.add_all([
            _rating(who, 1, "answered", T0 - 3 * DAY, 1, "لم يرد أحد"),
            _rating(who, 2, "answered", T0 - 2 * DAY, 4, "شكراً"),
            _rating(who, 3, "answered", T0 - DAY, 2, ""),  # no comment
            _rating(who, 4, "answered", T0 - 20 * DAY, 1, "قديم"),  # before the period
        ])  # fmt: skip
    async with sessions() as tx:
        every = await reports.comments(tx, WEEK)
        low = await reports.comments(tx, WEEK, most=2)
        last = await reports.comments(tx, WEEK, limit=1)
    assert [(c.score, c.text) for c in every] == [(4, "شكراً"), (1, "لم يرد أحد")]
    assert [(c.score, c.text, c.service_kind) for c in low] == [(1, "لم يرد أحد", "help_request")]
    assert [c.text for c in last] == ["شكراً"]
