"""The website chat over HTTP, on the real app (aiohttp's test server): a whole inquiry, reload, limits, escaping."""

from __future__ import annotations

import itertools
import json
import sqlite3

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.settings import Settings
from store.migrate import upgrade_async
from tests.conftest import FIXTURES

_ids = itertools.count(1)


def msg_id() -> str:
    return f"client-{next(_ids):06d}"


@pytest.fixture
async def client(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'web.sqlite3'}"
    await upgrade_async(url)
    settings = Settings(_env_file=None, database_url=url, profile=str(FIXTURES / "profile.toml"), webchat_max_chars=300)
    async with TestClient(TestServer(create_app(settings, background=False))) as c:
        yield c


async def send(client, after=0, **body):
    response = await client.post("/api/chat/send", json={"id": msg_id(), "after": after, **body})
    return response.status, await response.json()


async def test_a_whole_inquiry_through_the_web_chat(client):
    page = await client.get("/")
    assert page.status == 200
    html = await page.text()
    assert '<html lang="ar" dir="rtl">' in html and "جمعية الاختبار" in html
    assert "HttpOnly" in page.headers["Set-Cookie"] and "SameSite=Lax" in page.headers["Set-Cookie"]

    status, data = await send(client, start=True)
    assert status == 200
    assert [c[1] for c in data["messages"][0]["choices"]] == ["العربية", "English"]

    status, data = await send(client, data["last"], choice="lang:ar", text="العربية")
    assert "ستكون المحادثة باللغة العربية" in data["messages"][0]["text"]
    assert "استفسار" in [label for _, label in data["messages"][-1]["choices"]]

    status, data = await send(client, data["last"], choice="menu:inquiry", text="استفسار")
    assert "اكتب سؤالك" in data["messages"][0]["text"]

    status, data = await send(client, data["last"], text="متى يطلع الرد على طلبي؟")
    assert "خلال أسبوعين" in data["messages"][0]["text"]

    status, data = await send(client, data["last"], text="٢")  # "talk to staff", typed with an Arabic-Indic digit
    assert "سجّلنا طلبك للتحدث مع موظف" in data["messages"][0]["text"]

    # A reload shows the same conversation, both sides, and the page comes back in Arabic.
    history = await (await client.get("/api/chat/messages?after=0")).json()
    texts = [m["text"] for m in history["messages"]]
    assert "متى يطلع الرد على طلبي؟" in texts
    assert any("خلال أسبوعين" in t for t in texts)
    assert [m["from"] for m in history["messages"]][:2] == ["bot", "me"]
    assert '<html lang="ar" dir="rtl">' in await (await client.get("/")).text()


async def test_the_history_shows_what_was_typed_though_the_database_keeps_it_sealed(client, tmp_path):
    await client.get("/")
    status, data = await send(client, start=True)
    status, data = await send(client, data["last"], choice="lang:ar", text="العربية")
    status, data = await send(client, data["last"], text="أنا زبرجد ورقم هويتي ١٠١٢٣٤٥٦٧٢ متى يصرف الدعم؟")
    history = await (await client.get("/api/chat/messages?after=0")).json()
    texts = [m["text"] for m in history["messages"]]
    assert "أنا زبرجد ورقم هويتي 1•••••5672 متى يصرف الدعم؟" in texts  # the ID masked once the input was read
    assert any("ستكون المحادثة باللغة العربية" in t for t in texts)
    with sqlite3.connect(tmp_path / "web.sqlite3") as db:
        stored = [t for (t,) in db.execute("SELECT text FROM inboundmessage")]
        replies = [p for (p,) in db.execute("SELECT payload FROM outboxmessage")]
    assert stored and not [t for t in stored if "زبرجد" in t or "متى" in t]
    assert replies and not [p for p in replies if "text" in json.loads(p)]  # the replies sealed too


async def test_english_switch_changes_the_page(client):
    await client.get("/")
    status, data = await send(client, start=True)
    await send(client, data["last"], choice="lang:en", text="English")
    html = await (await client.get("/")).text()
    assert '<html lang="en" dir="ltr">' in html and "Type your message here" in html


async def test_a_retried_post_is_not_applied_twice_but_still_gets_its_replies(client):
    await client.get("/")
    body = {"id": "same-id-123", "after": 0, "start": True}
    first = await (await client.post("/api/chat/send", json=body)).json()
    again = await (await client.post("/api/chat/send", json=body)).json()
    assert again["messages"] == first["messages"]
    history = await (await client.get("/api/chat/messages?after=0")).json()
    assert len(history["messages"]) == 1


async def test_too_long_input_gets_a_polite_answer_and_nothing_is_recorded(client):
    await client.get("/")
    status, data = await send(client, text="س" * 301)
    assert status == 413 and "أطول من المسموح (300" in data["error"]
    history = await (await client.get("/api/chat/messages?after=0")).json()
    assert history["messages"] == []


@pytest.mark.parametrize(
    "body, status",
    [
        ('{"id": "abcdefgh", "text": 5}', 400),
        ('{"id": "no", "text": "hi"}', 400),
        ('{"id": "abcdefgh"}', 400),
        ("[1, 2]", 400),
        ("{not json", 400),
    ],
)
async def test_malformed_input_is_refused_cleanly(client, body, status):
    await client.get("/")
    response = await client.post("/api/chat/send", data=body, headers={"Content-Type": "application/json"})
    assert response.status == status


async def test_send_needs_the_session_cookie_and_json(client):
    response = await client.post("/api/chat/send", json={"id": "abcdefgh", "text": "hi"})
    assert response.status == 403
    await client.get("/")
    response = await client.post("/api/chat/send", data="text=hi")
    assert response.status == 415


async def test_a_huge_body_is_refused_before_it_is_read(client):
    await client.get("/")
    response = await client.post("/api/chat/send", data="x" * 200_000, headers={"Content-Type": "application/json"})
    assert response.status == 413


async def test_text_is_returned_as_data_and_the_page_never_uses_innerhtml(client):
    await client.get("/")
    status, data = await send(client, start=True)
    status, data = await send(client, data["last"], text="<script>alert(1)</script>")
    history = await (await client.get("/api/chat/messages?after=0")).json()
    assert "<script>alert(1)</script>" in [m["text"] for m in history["messages"]]
    script = await (await client.get("/static/chat.js")).text()
    assert "innerHTML" not in script and "textContent" in script
    page = await client.get("/")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


async def test_health_check(client):
    response = await client.get("/healthz")
    assert response.status == 200 and (await response.json())["status"] == "ok"
