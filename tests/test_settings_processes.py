"""Two `python -m bot run` processes on one PostgreSQL database: an FAQ entry an admin edits in one's console is
answered the new way by the web chat of both, within seconds, with no restart."""

from __future__ import annotations

import asyncio
import itertools
import time

import aiohttp

from handlers.admin.staff import create_staff
from store.db import make_engine, make_sessions
from tests.browser import running_bot
from tests.conftest import _truncate
from tests.test_console_support import CSRF, PASSWORD

NEW_ANSWER = "تبت اللجنة في طلبك خلال عشرة أيام عمل."
DEADLINE = 60  # generous: each process checks every half second
_ids = itertools.count(1)


async def ask(base: str, question: str) -> str:
    """A fresh visitor's question in the website chat of the process at `base`; the bot's answer."""
    async with aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True)) as web:
        await (await web.get("/")).read()
        last = 0
        for body in (
            {"start": True},
            {"choice": "lang:ar", "text": "العربية"},
            {"choice": "menu:inquiry", "text": "استفسار"},
            {"text": question},
        ):
            response = await web.post(
                "/api/chat/send", json={"id": f"process-{next(_ids):06d}", "after": last, **body}
            )
            data = await response.json()
            last = data["last"]
        return data["messages"][0]["text"]


async def edit_as_admin(base: str) -> None:
    async with aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True)) as web:
        page = await (await web.get("/admin/login")).text()
        form = {"csrf": CSRF.search(page).group(1), "username": "settings-admin", "password": PASSWORD}
        assert (await web.post("/admin/login", data=form, allow_redirects=False)).status == 303
        page = await (await web.get("/admin/settings/faq/decision_time")).text()
        form = {
            "csrf": CSRF.search(page).group(1),
            "questions_ar": "متى يطلع الرد على طلبي",
            "answer_ar": NEW_ANSWER,
            "questions_en": "when will I hear back",
            "answer_en": "Within ten working days.",
        }
        saved = await web.post("/admin/settings/faq/decision_time", data=form, allow_redirects=False)
        assert saved.status == 303, await saved.text()


async def _admin(url: str) -> None:
    db = make_engine(url)
    await create_staff(make_sessions(db), "settings-admin", PASSWORD, "admin", "Admin")
    await db.dispose()


def test_both_processes_answer_the_new_way_within_seconds_of_the_edit(postgres_url, tmp_path):
    asyncio.run(_truncate(postgres_url))
    asyncio.run(_admin(postgres_url))
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    env = {"DATABASE_URL": postgres_url, "SETTINGS_POLL_SECONDS": "0.5"}
    with (
        running_bot(tmp_path / "one", **env) as (first, _),
        running_bot(tmp_path / "two", **env) as (second, _),
    ):
        question = "متى يطلع الرد على طلبي؟"
        assert all("خلال أسبوعين" in asyncio.run(ask(base, question)) for base in (first, second))
        asyncio.run(edit_as_admin(first))
        waiting = {first, second}
        deadline = time.monotonic() + DEADLINE
        while waiting and time.monotonic() < deadline:
            waiting = {base for base in waiting if NEW_ANSWER not in asyncio.run(ask(base, question))}
            time.sleep(0.2)
        assert not waiting, f"still the old answer after {DEADLINE} s: {waiting}"
