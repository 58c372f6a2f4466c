"""End to end, as people would use it: a beneficiary applies over WhatsApp (signed webhooks, the real twilio
SDK against a fake Twilio) or Telegram (the real PTB against a fake Bot API), a researcher decides in the
console (HTTP, signed in), and the decision reaches the beneficiary on their channel, in their language."""

from __future__ import annotations

import re
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

import pytest
from aiohttp import CookieJar
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.appkeys import DISPATCHER, ENGINE, TWILIO_CLIENT
from bot.settings import Settings
from conversations.normalize import has_arabic
from handlers.admin import passwords
from store.models import HelpRequest
from tests.conftest import Clock
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi
from tests.test_console_support import FAST, Console
from tests.test_telegram import TOKEN, deliver, key_of, press, settings_for as telegram_settings, sqlite_url, text
from tests.test_telegram import running as telegram_app
from store.migrate import upgrade_async
from tests.test_whatsapp import Bot, settings_for as whatsapp_settings

REFERENCE = re.compile(r"H-\w{6}")
ARABIC_FORM = [
    "مرحبا", "1",  # greeting, Arabic
    "2", "1",  # apply for help, agree to the duties and the use of data
    "نورة محمد الحربي", "١٠١٢٣٤٥٦٧٢",  # name, national ID in Arabic-Indic digits
    "1",  # use the WhatsApp number
    "1", "٥", "2", "1",  # city, household, income, category (food): a national ID, so no residency question
    "أرملة وأعول خمسة أطفال، ودخلي لا يكفي",  # description
    "1", "1", "1",  # no documents, the summary is right, I declare
]


@asynccontextmanager
async def whatsapp_app(settings: Settings, fake: FakeTwilioApi) -> AsyncIterator[Bot]:
    """The app behind its public https address (Twilio signs for it), so its cookies are Secure: the test
    browser treats its loopback origin as secure, as a real browser does behind the https proxy."""
    await upgrade_async(settings.database_url)
    app = create_app(settings, background=False)
    server = TestServer(app)
    await server.start_server()
    jar = CookieJar(unsafe=True, treat_as_secure_origin=[str(server.make_url("/").origin())])
    async with TestClient(server, cookie_jar=jar) as client:
        yield Bot(client, app, fake)
        await app[TWILIO_CLIENT].http_client.close()


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch):
    monkeypatch.setattr(passwords, "COST", FAST)


async def decide(console: Console, reference: str, action: str, field: str, words: str) -> None:
    """A researcher signs in and decides from the request's page."""
    await console.signed_in_as("researcher")
    page = f"/admin/requests/{reference}"
    response = await console.post(f"{page}/{action}", {field: words, "confirmed": "yes"}, page)
    assert response.status == 303, await response.text()


async def test_apply_over_whatsapp_rejected_in_the_console_and_told_at_once(tmp_path: Path):
    async with FakeTwilioApi() as fake:
        async with whatsapp_app(whatsapp_settings(tmp_path, fake.url), fake) as bot:
            said = [await bot.say(words) for words in ARABIC_FORM]
            filed = "\n".join(said[-1])
            reference = REFERENCE.search(filed).group(0)
            assert "لجنة البحث" in filed and "هـ" in filed  # who decides, and the due date in Hijri too
            console = Console(bot.client, Clock())
            await decide(console, reference, "reject", "reason", "الدخل يتجاوز حد الاستحقاق لهذه الفئة")
            before = len(fake.sent)
            await bot.deliver()
            told = [m.body for m in fake.sent[before:]]
            assert len(told) == 1 and reference in told[0]
            assert "الدخل يتجاوز حد الاستحقاق لهذه الفئة" in told[0]
            assert fake.sent[-1].to == "whatsapp:+966501234567"
            (request,) = await bot.rows(HelpRequest)
            assert request.status == "rejected"


async def test_apply_over_telegram_in_english_accepted_in_the_console(tmp_path: Path, clock: Clock):
    async with FakeBotApi(TOKEN) as api:
        async with telegram_app(telegram_settings(await sqlite_url(tmp_path), api.base_url), clock) as client:

            async def say(words: str) -> list[dict]:
                return await deliver(client, api, text(words))

            greeting = await say("/start")
            await deliver(client, api, press(key_of(greeting[0], "English")))
            for words in ["2", "1", "Sara Ahmed Alqahtani", "2000000006", "0551234567", "2", "1", "3", "1", "1"]:
                await say(words)
            for words in ["My husband passed away and we need food for the children", "1", "1"]:
                await say(words)
            filed = "\n".join(m["text"] for m in await say("1"))
            reference = REFERENCE.search(filed).group(0)
            assert "research committee" in filed and "AH" in filed
            console = Console(client, clock)
            await decide(console, reference, "accept", "note", "Please visit the office on Sunday with your ID.")
            before = len(api.sent())
            await client.app[ENGINE].drain()
            await client.app[DISPATCHER].run_once()
            told = api.sent()[before:]
            assert len(told) == 1 and reference in told[0]["text"]
            assert "Please visit the office on Sunday with your ID." in told[0]["text"]
            assert not has_arabic(told[0]["text"]) and "accepted" in told[0]["text"]  # in the language they chose
