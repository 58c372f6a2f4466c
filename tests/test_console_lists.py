"""The request queue and the complaints list over HTTP: no silent cap (every row a page away), the order staff
choose, the count in words with Arabic's plural forms, and exports of every filtered row, audited."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from store.models import AuditLog, Broadcast, Program
from tests.test_console_support import Console, fresh_console, sqlite_url
from tests.test_list_queries_store import seed

STATUS_ACCEPTED = "مقبول"


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as c:
        yield c


def references(page: str) -> list[str]:
    return re.findall(r'href="/admin/(?:requests|complaints)/([HC]-\d{6})"', page)


async def test_the_queue_pages_sorts_and_exports_every_request(console: Console):
    await seed(console.sessions, console.clock, requests=55, complaints=0)
    await console.signed_in_as("viewer")
    first = await (await console.client.get("/admin/requests")).text()
    assert "الصفحة 1 من 2" in first and "55 سجلاً" in first and len(references(first)) == 50
    assert 'rel="next"' in first and "H-000054" in references(first)  # the soonest deadline first
    second = await (await console.client.get("/admin/requests", params={"page": "2"})).text()
    assert len(references(second)) == 5 and 'rel="prev"' in second
    ordered = await (await console.client.get("/admin/requests", params={"sort": "reference", "dir": "asc"})).text()
    assert references(ordered)[:3] == ["H-000000", "H-000001", "H-000002"]
    accepted = await (await console.client.get("/admin/requests", params={"status": "accepted"})).text()
    assert "18 سجلاً" in accepted and "href=\"/admin/requests.xlsx?status=accepted\"" in accepted
    sheet = await console.client.get("/admin/requests.xlsx", params={"status": "accepted", "sort": "reference"})
    rows = list(load_workbook(io.BytesIO(await sheet.read())).active.values)
    assert rows[0][0] == "رقم الطلب" and len(rows) == 19 and rows[1][0] == "H-000001"
    assert {r[3] for r in rows[1:]} == {STATUS_ACCEPTED}
    audit = await console.one(AuditLog, AuditLog.action == "requests_exported")
    assert audit.detail == {"format": "xlsx", "rows": 18}
    english = await (await console.client.get("/admin/requests", params={"lang": "en", "status": "rejected"})).text()
    assert "Page 1 of 1" in english and "18 records" in english


async def test_the_complaints_list_pages_and_exports_as_csv(console: Console):
    await seed(console.sessions, console.clock, requests=0, complaints=52)
    await console.signed_in_as("coordinator")
    page = await (await console.client.get("/admin/complaints")).text()
    assert "الصفحة 1 من 2" in page and "52 سجلاً" in page and references(page)[0] == "C-000051"
    two = await (await console.client.get("/admin/complaints", params={"page": "٢"})).text()
    assert references(two) == ["C-000001", "C-000000"]
    csv = await (await console.client.get("/admin/complaints.csv", params={"kind": "suggestion"})).text()
    lines = csv.lstrip("\ufeff").strip().splitlines()
    assert len(lines) == 27 and lines[1].startswith("C-000051,")


async def test_programs_and_announcements_are_listed_a_page_at_a_time(console: Console):
    async with console.sessions() as tx, tx.begin():
        for n in range(51):
            program = Program(kind="open", status="published", title_ar=f"لقاء {n}", title_en=f"Meeting {n}",
                              starts_at=console.clock.now + timedelta(days=n))  # fmt: skip
            tx.add(program)
            await tx.flush()
            tx.add(Broadcast(program_id=program.id, text_ar="نص", text_en="text", send_at=console.clock.now,
                             created_at=console.clock.now))  # fmt: skip
    await console.signed_in_as("viewer")
    for path in ("/admin/programs", "/admin/broadcasts"):
        first = await (await console.client.get(path)).text()
        assert "الصفحة 1 من 2" in first and "51 سجلاً" in first, path
        last = await (await console.client.get(path, params={"page": "2"})).text()
        assert "لقاء 0" in last and "لقاء 1<" not in last, path  # the earliest, alone on the last page
