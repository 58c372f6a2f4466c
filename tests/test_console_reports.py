"""The reports: figures worked out by hand from one fixture (on SQLite and PostgreSQL), the page, the
printable monthly report, the CSV and XLSX exports with Arabic headers, the anonymous profile, the digest."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone
from typing import AsyncIterator

import openpyxl
import pytest

from bot.appkeys import ENGINE, SETTINGS
from handlers.admin.digest import queue_weekly_digest
from store.report_queries import Period, figures, month_period, monthly
from store.models import (
    AuditLog,
    Beneficiary,
    Complaint,
    HelpRequest,
    OutboxMessage,
    Program,
    Rating,
    Registration,
    Staff,
)
from tests.conftest import T0
from tests.test_console_support import Console, fresh_console, sqlite_url

UTC = timezone.utc
NOV = T0 - timedelta(days=10)  # 15 November 2026: inside the report's month
OCT = datetime(2026, 10, 15, 9, 0, tzinfo=UTC)
SECRET_NAME = "سارة السرية"
# November 2026's ratings (Riyadh time): (service kind, status, score, channel, staff, program?, comment).
# Answered scores [5, 4, 4, 3, 2, 5, 1]: average 24 / 7 = 3.43; CSAT (4 and 5) 4 / 7 = 57.1 %.
# Asked = 7 answered + 2 expired = 9 (the scheduled and the not-sent one were never asked):
# response rate 7 / 9 = 77.8 %.
NOVEMBER = [
    ("help_request", "answered", 5, "whatsapp", "a", False, ""),
    ("help_request", "answered", 4, "telegram", "a", False, ""),
    ("help_request", "answered", 4, "web", "b", False, ""),
    ("program", "answered", 3, "whatsapp", "b", True, ""),
    ("program", "answered", 2, "whatsapp", None, True, "الانتظار كان طويلاً"),
    ("complaint", "answered", 5, "telegram", "a", False, ""),
    ("complaint", "answered", 1, "web", "b", False, "لم يتصل بي أحد"),  # 00:30 on 1 November in Riyadh
    ("program", "expired", None, "whatsapp", None, True, ""),
    ("complaint", "expired", None, "web", None, False, ""),
    ("help_request", "scheduled", None, "web", None, False, ""),
    ("help_request", "not_sent", None, "web", None, False, ""),
]
FIRST_OF_NOVEMBER = datetime(2026, 10, 31, 21, 30, tzinfo=UTC)
LAST_OF_OCTOBER = datetime(2026, 10, 31, 20, 0, tzinfo=UTC)  # 23:00 on 31 October in Riyadh


async def _person(tx, name: str = "Sara") -> Beneficiary:
    person = Beneficiary(display_name=name, language="ar")
    tx.add(person)
    await tx.flush()
    return person


def _rating(
    person: Beneficiary, n: int, spec: tuple, created: datetime, staff: dict, program: Program
) -> Rating:
    kind, status, score, channel, who, in_program, comment = spec
    answered = status == "answered"
    return Rating(
        beneficiary_id=person.id,
        conversation_key=f"{channel}:p{person.id}",
        channel=channel,
        service_kind=kind,
        service_ref=f"S-{n}",
        program_id=program.id if in_program else None,
        staff_id=staff[who].id if who else None,
        status=status,
        score=score,
        comment=comment,
        created_at=created,
        prompted_at=created if status != "scheduled" else None,
        answered_at=created + timedelta(hours=3) if answered else None,
    )


async def _ratings(tx, staff: dict, program: Program) -> None:
    """November's ratings above, and one of October (score 2, on the last evening of the month in Riyadh)."""
    person = await _person(tx, SECRET_NAME)
    for n, spec in enumerate(NOVEMBER):
        created = FIRST_OF_NOVEMBER if n == 6 else NOV + timedelta(minutes=n)
        tx.add(_rating(person, n, spec, created, staff, program))
    october = ("help_request", "answered", 2, "web", None, False, "")
    tx.add(_rating(person, 99, october, LAST_OF_OCTOBER, staff, program))


def _request(
    person: Beneficiary, ref: str, status: str, due: datetime, decided: datetime | None
) -> HelpRequest:
    return HelpRequest(
        reference=ref, beneficiary_id=person.id, conversation_key=f"web:{ref}", channel="web", status=status,
        category="food", city="bukayriyah", residency="citizen", household_size=3, income_bracket="low",
        full_name_enc="x", national_id_enc="x", due_at=due, submitted_at=due - timedelta(days=14),
        decided_at=decided, updated_at=due,
    )  # fmt: skip


async def _requests(tx) -> None:
    """Decided in November: 3 of 4 by the deadline (one exactly at it) = 75 %; one more in October, on time.
    Open: one past due (counted late), one not yet due."""
    person = await _person(tx)
    due = NOV
    for ref, status, decided in (
        ("R-1", "accepted", due - timedelta(days=1)),
        ("R-2", "rejected", due),
        ("R-3", "delivered", due - timedelta(hours=2)),
        ("R-4", "accepted", due + timedelta(days=2)),
        ("R-5", "accepted", OCT),
    ):
        tx.add(_request(person, ref, status, due if ref != "R-5" else OCT + timedelta(days=1), decided))
    tx.add(_request(person, "R-LATE", "submitted", T0 - timedelta(days=2), None))
    tx.add(_request(person, "R-WAIT", "needs_info", T0 + timedelta(days=3), None))


def _complaint(
    person: Beneficiary, ref: str, status: str, due: datetime, replied: datetime | None
) -> Complaint:
    return Complaint(
        reference=ref, beneficiary_id=person.id, conversation_key=f"web:{ref}", channel="web",
        kind="complaint", text="نص", status=status, due_at=due, reply="رد" if replied else "",
        replied_at=replied,
        created_at=due - timedelta(days=7),
    )  # fmt: skip


async def _complaints(tx) -> None:
    """Answered in November: 1 of 2 by the deadline = 50 %. Open: one past due, one not yet due."""
    person = await _person(tx)
    tx.add(_complaint(person, "C-1", "answered", NOV, NOV - timedelta(days=1)))
    tx.add(_complaint(person, "C-2", "resolved", NOV, NOV + timedelta(days=1)))
    tx.add(_complaint(person, "C-LATE", "open", T0 - timedelta(days=1), None))
    tx.add(_complaint(person, "C-WAIT", "open", T0 + timedelta(days=4), None))


async def _attendance(tx, program: Program) -> None:
    """The November program: 4 accepted, 3 of them attended = 75 % (a pending sign-up does not count)."""
    for n, (status, came) in enumerate(
        [("accepted", True), ("accepted", True), ("accepted", True), ("accepted", False), ("pending", False)]
    ):
        person = await _person(tx)
        tx.add(
            Registration(
                program_id=program.id, beneficiary_id=person.id, conversation_key=f"web:r{n}", status=status,
                attended_at=NOV if came else None, attendance_source="staff" if came else None,
            )
        )  # fmt: skip


async def seed(sessions) -> dict[str, Staff]:
    """The whole fixture; returns the two staff members the ratings are about."""
    async with sessions() as tx, tx.begin():
        staff = {
            k: Staff(username=f"staff-{k}", display_name=f"موظف {k}", password_hash="x", role="researcher")
            for k in ("a", "b")
        }
        tx.add_all(staff.values())
        program = Program(
            kind="registration", status="published", title_ar="ملتقى الأسرة", title_en="Family day",
            starts_at=NOV,
        )  # fmt: skip
        tx.add(program)
        await tx.flush()
        await _ratings(tx, staff, program)
        await _requests(tx)
        await _complaints(tx)
        await _attendance(tx, program)
    return staff


async def test_the_figures_of_a_month_worked_out_by_hand(sessions, profile):
    staff = await seed(sessions)
    async with sessions() as tx:
        figs = await figures(tx, profile, month_period(profile, 2026, 11), T0)
    s = figs.satisfaction
    assert s.distribution == {1: 1, 2: 1, 3: 1, 4: 2, 5: 2}
    assert (s.answered, s.asked) == (7, 9)
    assert round(s.average, 2) == 3.43 and round(s.csat * 100, 1) == 57.1
    assert round(s.response_rate * 100, 1) == 77.8
    # Per kind: help requests [5, 4, 4] = 4.33; programs [3, 2] + 1 expired; complaints [5, 1] + 1 expired.
    assert {k: (g.answered, g.asked, round(g.average, 2)) for k, g in figs.by_kind.items()} == {
        "help_request": (3, 3, 4.33), "program": (2, 3, 2.5), "complaint": (2, 3, 3.0)
    }  # fmt: skip
    # Per channel: WhatsApp [5, 3, 2] + 1 expired = 3.33; Telegram [4, 5] = 4.5; web [4, 1] + 1 expired = 2.5.
    assert {k: (g.answered, g.asked, round(g.average, 2)) for k, g in figs.by_channel.items()} == {
        "whatsapp": (3, 4, 3.33), "telegram": (2, 2, 4.5), "web": (2, 3, 2.5)
    }  # fmt: skip
    assert [(g.answered, g.asked) for g in figs.by_program.values()] == [(2, 3)]
    # Per staff: a [5, 4, 5] = 4.67, b [4, 3, 1] = 2.67 (ratings without a staff member are left out).
    by_staff = {k: round(g.average, 2) for k, g in figs.by_staff.items()}
    assert by_staff == {staff["a"].id: 4.67, staff["b"].id: 2.67}
    assert (figs.requests.handled, figs.requests.on_time, figs.requests.open_late) == (4, 3, 1)
    assert figs.requests.rate == 0.75
    assert (figs.complaints.handled, figs.complaints.on_time, figs.complaints.open_late) == (2, 1, 1)
    assert figs.complaints.rate == 0.5
    [program] = figs.attendance
    assert (program.title_ar, program.accepted, program.attended) == ("ملتقى الأسرة", 4, 3)
    assert program.rate == 0.75
    assert [(c.score, c.text) for c in figs.comments] == [(2, "الانتظار كان طويلاً"), (1, "لم يتصل بي أحد")]


async def test_all_time_and_the_monthly_trend(sessions, profile):
    await seed(sessions)
    async with sessions() as tx:
        figs = await figures(tx, profile, Period(), T0)
        trend = await monthly(tx, profile, 2026, 11)
    # With October's 2: [5, 4, 4, 3, 2, 5, 1, 2] = 26 / 8 = 3.25; CSAT 4 / 8; response 8 / 10.
    s = figs.satisfaction
    assert (s.answered, s.asked, s.average, s.csat, s.response_rate) == (8, 10, 3.25, 0.5, 0.8)
    assert (figs.requests.handled, figs.requests.on_time) == (5, 4)  # R-5 was decided in October, on time
    assert [k for k, _ in trend] == [f"2025-{m}" for m in ("12",)] + [f"2026-{m:02d}" for m in range(1, 12)]
    assert [(k, m.answered) for k, m in trend if m.answered] == [("2026-10", 1), ("2026-11", 7)]
    assert trend[-2][1].average == 2.0


async def test_an_anonymous_profile_has_no_figures_per_staff_member(sessions, profile):
    await seed(sessions)
    anonymous = profile.model_copy(update={"anonymous_ratings": True})
    async with sessions() as tx:
        assert (await figures(tx, anonymous, month_period(profile, 2026, 11), T0)).by_staff is None


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as c:
        yield c
        await c.app[ENGINE].drain()


async def test_the_report_page_shows_the_figures_charts_and_comments_without_names(console: Console):
    await seed(console.sessions)
    await console.signed_in_as("viewer")
    page = await (await console.client.get("/admin/reports?month=2026-11")).text()
    assert 'id="fig-r_average" dir="ltr">3.43<' in page and "57.1%" in page and "77.8%" in page
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts == ['<script src="/admin/static/live.js" defer>']  # the nav's counts; charts need none
    assert "75.0%" in page and "50.0%" in page and "<svg" in page
    assert "حسب الموظف" in page and "موظف a" in page
    assert "لم يتصل بي أحد" in page and SECRET_NAME not in page
    default = await (await console.client.get("/admin/reports")).text()
    assert 'value="2026-11" selected' in default  # the current month in Riyadh


async def test_an_anonymous_profile_hides_the_staff_section(console: Console):
    await seed(console.sessions)
    engine = console.app[ENGINE]
    engine.profile = engine.profile.model_copy(update={"anonymous_ratings": True})
    await console.signed_in_as("admin")
    page = await (await console.client.get("/admin/reports?month=2026-11")).text()
    assert "3.43" in page and "حسب الموظف" not in page and "موظف a" not in page
    rows = await _xlsx_rows(console)
    assert not any(row[0] == "حسب الموظف" for row in rows)


async def test_the_printable_monthly_report(console: Console):
    await seed(console.sessions)
    await console.signed_in_as("coordinator")
    page = await (await console.client.get("/admin/reports/monthly?month=2026-11")).text()
    assert "جمعية الاختبار الخيرية" in page and "نوفمبر 2026" in page and "1448" in page and "هـ" in page
    assert page.count("<svg") == 2 and "3.43" in page


async def _xlsx_rows(console: Console) -> list[tuple]:
    response = await console.client.get("/admin/reports.xlsx?month=2026-11")
    assert response.status == 200 and "attachment" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(await response.read())).active
    assert sheet.sheet_view.rightToLeft
    return list(sheet.iter_rows(values_only=True))


async def test_the_xlsx_export_has_arabic_headers_and_the_figures(console: Console):
    await seed(console.sessions)
    staff = await console.signed_in_as("researcher")
    rows = await _xlsx_rows(console)
    assert rows[2] == ("القسم", "البند", "القيمة", "العدد")
    found = {row[1]: row[2:] for row in rows[3:] if row[0] == "المؤشرات الرئيسية"}
    assert found["متوسط التقييم (من 5)"] == (3.43, 7)
    assert found["نسبة الرضا (تقييم 4 أو 5)"] == (57.1, 7)
    assert found["نسبة الاستجابة للتقييم"] == (77.8, 9)
    assert found["طلبات الدعم المبتوت فيها خلال المهلة"] == (75.0, 4)
    assert found["الشكاوى المردود عليها خلال المهلة"] == (50.0, 2)
    assert ("نسبة الحضور حسب البرنامج", "ملتقى الأسرة", 75.0, 4) in rows
    audit = await console.one(AuditLog, AuditLog.action == "report_exported")
    assert (audit.staff_id, audit.subject, audit.detail) == (staff.id, "report:2026-11", {"format": "xlsx"})


async def test_the_csv_export_has_a_bom(console: Console):
    await seed(console.sessions)
    await console.signed_in_as("admin")
    body = await (await console.client.get("/admin/reports.csv?month=all")).read()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["التقارير", "منذ البداية"] and rows[2] == ["القسم", "البند", "القيمة", "العدد"]
    assert ["المؤشرات الرئيسية", "متوسط التقييم (من 5)", "3.25", "8"] in rows  # all time: 26 / 8


async def test_reports_need_a_sign_in(console: Console):
    response = await console.client.get("/admin/reports", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/admin/login")


async def test_the_digest_lists_overdue_items_and_low_ratings(console: Console):
    await seed(console.sessions)
    async with console.sessions() as tx, tx.begin():  # a low rating of this week, with its comment
        person = await _person(tx, SECRET_NAME)
        low = Rating(
            beneficiary_id=person.id, conversation_key="web:x", channel="web", service_kind="handoff",
            service_ref="HO-1", status="answered", score=1, comment="لم أجد من يجيبني",
            created_at=T0 - timedelta(days=2), answered_at=T0 - timedelta(days=1),
        )  # fmt: skip
        tx.add(low)
    await console.signed_in_as("viewer")
    page = await (await console.client.get("/admin/digest")).text()
    assert "R-LATE" in page and "C-LATE" in page and "R-WAIT" not in page and "C-WAIT" not in page
    assert "لم أجد من يجيبني" in page and "لم يتصل بي أحد" not in page  # only the last 7 days
    assert SECRET_NAME not in page


async def test_the_weekly_digest_is_queued_for_the_staff_chat_only_when_configured(console: Console):
    await seed(console.sessions)
    engine, settings = console.app[ENGINE], console.app[SETTINGS]
    no_chat = settings.model_copy(update={"telegram_bot_token": "123:abc"})
    no_telegram = settings.model_copy(update={"telegram_staff_chat_id": "-100123"})
    both = no_chat.model_copy(update={"telegram_staff_chat_id": "-100123"})
    assert not await queue_weekly_digest(engine, no_chat) and not await queue_weekly_digest(engine, no_telegram)
    assert await console.all(OutboxMessage) == []
    assert await queue_weekly_digest(engine, both) is True
    row = await console.one(OutboxMessage)
    assert (row.channel, row.recipient, row.status) == ("telegram", "-100123", "pending")
    text = row.payload["text"]
    assert "R-LATE" in text and "C-LATE" in text and "/admin/digest" in text and SECRET_NAME not in text
