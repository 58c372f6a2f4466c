"""The website chat page on a profile offering many languages: the switch opens the language menu, and the page
follows the language the first message picked (direction, the chat's own labels)."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.settings import Settings
from store.migrate import upgrade_async


@pytest.fixture
async def client(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'web.sqlite3'}"
    await upgrade_async(url)
    settings = Settings(_env_file=None, database_url=url, profile="sha3af")
    async with TestClient(TestServer(create_app(settings, background=False))) as c:
        yield c


async def test_with_many_languages_the_switch_opens_the_menu_and_the_page_follows_urdu(client):
    html = await (await client.get("/")).text()
    assert '<html lang="ar" dir="rtl">' in html and 'data-switch="menu:language"' in html
    assert ">اللغة / Language</button>" in html

    body = {"id": "first-urdu-1", "after": 0, "text": "السلام علیکم، مجھے مدد چاہیے"}
    data = await (await client.post("/api/chat/send", json=body)).json()
    assert data["lang"] == "ur"
    html = await (await client.get("/")).text()
    assert '<html lang="ur" dir="rtl">' in html and ">بھیجیں</button>" in html and ">زبان / Language</button>" in html

    body = {"id": "switch-menu-1", "after": data["last"], "choice": "menu:language"}
    data = await (await client.post("/api/chat/send", json=body)).json()
    assert [label for _, label in data["messages"][-1]["choices"]][:3] == ["العربية", "English", "اردو"]
