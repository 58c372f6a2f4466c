"""The attendance sheet (كشف الحضور): staff ticks and check-ins by code, and the CSV and XLSX exports with
their Arabic headers, the program's title and date, right to left, each export audited."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import AsyncIterator

import openpyxl
import pytest

from bot.appkeys import ENGINE
from store.models import AuditLog, Registration
from tests.test_console_programs import seed_program, seed_signup
from tests.test_console_support import Console, fresh_console, sqlite_url

HEADERS = ["الاسم", "الجوال", "المدينة", "الحالة", "وقت الحضور", "طريقة التسجيل"]


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as c:
        yield c
        await c.app[ENGINE].drain()


async def two_accepted(console: Console, starts_in: timedelta = -timedelta(hours=2)):
    """A program (begun two hours ago) with two accepted people (one checked in by code) and one pending."""
    program = await seed_program(console, title_ar="ملتقى الأسرة", starts_in=starts_in)
    staff_row = await seed_signup(console, program.id, "accepted", full_name="نورة عبدالله")
    checkin = await seed_signup(console, program.id, "accepted", '=HYPERLINK("x")', phone="+966500000002")
    await seed_signup(console, program.id, "pending", "لم يُقبل")
    async with console.sessions() as tx, tx.begin():
        row = await tx.get(Registration, checkin.id)
        row.attended_at, row.attendance_source = console.clock.now, "checkin"
    return program, staff_row, checkin


async def test_ticking_attendance_marks_the_accepted_and_keeps_check_ins(console: Console):
    program, staff_row, checkin = await two_accepted(console)
    staff = await console.signed_in_as("coordinator")
    page = f"/admin/programs/{program.id}"
    response = await console.post(f"{page}/attendance", {f"att_{staff_row.id}": "on"}, page=page)
    assert response.status == 303 and response.headers["Location"] == f"{page}#attendance"
    marked = await console.one(Registration, Registration.id == staff_row.id)
    assert (marked.attended_at, marked.attendance_source) == (console.clock.now, "staff")
    kept = await console.one(Registration, Registration.id == checkin.id)
    assert kept.attendance_source == "checkin"  # its box is disabled, so it is never sent, and never undone
    row = await console.one(AuditLog, AuditLog.action == "attendance_marked")
    assert (row.staff_id, row.subject, row.detail) == (
        staff.id,
        f"program:{program.id}",
        {"marked": 1, "cleared": 0},
    )
    shown = await (await console.client.get(page)).text()
    assert "رمز الحضور" in shown and "الموظف" in shown
    assert (await console.post(f"{page}/attendance", {}, page=page)).status == 303
    assert (await console.one(Registration, Registration.id == staff_row.id)).attended_at is None


async def test_the_csv_export_has_a_bom_arabic_headers_and_the_rows(console: Console):
    program, _, _ = await two_accepted(console)
    staff = await console.signed_in_as("researcher")
    response = await console.client.get(f"/admin/programs/{program.id}/attendance.csv")
    assert response.status == 200 and response.content_type == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = await response.read()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["البرنامج", "ملتقى الأسرة"] and "هـ" in rows[1][1]
    assert rows[3] == HEADERS
    people = rows[4:]
    assert [p[:4] for p in people] == [
        ["نورة عبدالله", "+966500000001", "البكيرية", "غائب"],
        ['\'=HYPERLINK("x")', "+966500000002", "البكيرية", "حاضر"],  # never run as a formula
    ]
    assert people[1][5] == "رمز الحضور" and "هـ" in people[1][4]
    audit = await console.one(AuditLog, AuditLog.action == "attendance_exported")
    assert (audit.staff_id, audit.detail) == (staff.id, {"format": "csv", "rows": 2})


async def test_the_xlsx_export_opens_right_to_left_with_arabic_headers(console: Console):
    program, _, _ = await two_accepted(console)
    await console.signed_in_as("admin")
    response = await console.client.get(f"/admin/programs/{program.id}/attendance.xlsx")
    assert response.status == 200
    book = openpyxl.load_workbook(io.BytesIO(await response.read()))
    sheet = book.active
    assert sheet.sheet_view.rightToLeft
    rows = [[cell if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:2] == ["البرنامج", "ملتقى الأسرة"]
    assert list(rows[3]) == HEADERS
    assert rows[4][:4] == ["نورة عبدالله", "+966500000001", "البكيرية", "غائب"]
    assert rows[5][0] == '\'=HYPERLINK("x")' and rows[5][5] == "رمز الحضور"
    assert (await console.one(AuditLog, AuditLog.action == "attendance_exported")).detail["format"] == "xlsx"


async def test_viewers_cannot_tick_or_export(console: Console):
    program, staff_row, _ = await two_accepted(console)
    await console.signed_in_as("viewer")
    page = f"/admin/programs/{program.id}"
    assert "attendance.csv" not in await (await console.client.get(page)).text()
    for kind in ("csv", "xlsx"):
        assert (await console.client.get(f"{page}/attendance.{kind}")).status == 403
    assert (await console.post(f"{page}/attendance", {f"att_{staff_row.id}": "on"}, page=page)).status == 403
    assert await console.all(AuditLog, AuditLog.action.like("attendance%")) == []


async def test_before_the_program_nobody_is_absent_only_not_yet(console: Console):
    program, _, _ = await two_accepted(console, starts_in=timedelta(days=3))
    await console.signed_in_as("viewer")
    page = await (await console.client.get(f"/admin/programs/{program.id}")).text()
    assert "لم يحن موعده" in page and "غائب" not in page and "حاضر" in page  # the check-in still counts
    await console.signed_in_as("researcher")
    body = await (await console.client.get(f"/admin/programs/{program.id}/attendance.csv")).read()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert [p[3] for p in rows[4:]] == ["لم يحن موعده", "حاضر"]
    console.clock.now += timedelta(days=3)  # the program has begun: who did not come is absent
    await console.signed_in_as("researcher")  # (the earlier session has expired meanwhile)
    body = await (await console.client.get(f"/admin/programs/{program.id}/attendance.csv")).read()
    assert [p[3] for p in list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[4:]] == ["غائب", "حاضر"]
