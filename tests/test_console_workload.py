"""What is waiting, over HTTP: the nav's live counts (and the small document static/live.js polls), and the
"my work" page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from tests.test_console_support import Console, fresh_console, sqlite_url


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as c:
        yield c


def _badge(page: str, name: str) -> re.Match | None:
    return re.search(rf'<span class="count {name}" data-count="{name}" title="([^"]+)"( hidden)?>(\d+)</span>', page)


async def test_the_nav_counts_what_is_waiting_and_the_poll_sees_a_new_chat(console: Console):
    now = console.clock.now
    await console.request("R-7K3P9Q", due_in=timedelta(days=-1))
    await console.signed_in_as("viewer")
    page = await (await console.client.get("/admin/programs")).text()
    chats = _badge(page, "waiting_chats")
    assert chats and chats.group(2) == " hidden" and chats.group(3) == "0"
    overdue = _badge(page, "overdue_requests")
    assert overdue and overdue.groups() == ("طلبات تجاوزت موعد القرار", None, "1")
    assert '<script src="/admin/static/live.js" defer></script>' in page
    await console.handoff("H-000001", created=now, due=now + timedelta(hours=4))
    polled = await console.client.get("/admin/counts")
    assert polled.headers["Cache-Control"] == "no-store"
    assert await polled.json() == {
        "new_requests": 1, "overdue_requests": 1, "waiting_chats": 1, "complaints_due": 0, "undelivered": 0,
    }  # fmt: skip
    inbox = await (await console.client.get("/admin/inbox")).text()
    assert 'hidden data-refresh-on="waiting_chats" data-seen="1"' in inbox  # shown when that number changes
    script = await (await console.client.get("/admin/static/live.js")).text()
    assert "/admin/counts" in script and "data-count" in script


async def test_the_counts_are_for_staff_only(console: Console):
    response = await console.client.get("/admin/counts", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/admin/login")


async def test_my_work_lists_the_chats_assigned_to_me(console: Console):
    now = console.clock.now
    await console.handoff("H-000001", created=now - timedelta(hours=1), due=now + timedelta(hours=3))
    await console.handoff("H-000002", created=now, due=now + timedelta(hours=4))
    await console.signed_in_as("researcher")
    page = "/admin/inbox/H-000002"
    response = await console.post(f"{page}/assign", {"staff": ""}, page=page)
    assert response.status == 303
    form = await (await console.client.get(page)).text()
    me = re.search(r'name="staff" value="(\d+)"', form).group(1)
    assert (await console.post(f"{page}/assign", {"staff": me}, page=page)).status == 303
    mine = await (await console.client.get("/admin/mine")).text()
    assert "أعمالي" in mine and "H-000002" in mine and "H-000001" not in mine
