"""The console on a profile offering the communities' languages: the announcement page names each language
(never its code) as an audience, and an announcement written in Arabic and English reaches them all."""

from __future__ import annotations

from typing import AsyncIterator

import pytest

from bot.appkeys import ENGINE
from store.models import Beneficiary, Broadcast, ChannelIdentity
from tests.test_console_support import Console, fresh_console, sqlite_url

NEW = "/admin/broadcasts/new"
TEXTS = {"text_ar": "درس الجمعة بعد العصر", "text_en": "Friday's lesson after Asr"}


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock, profile="sha3af") as c:
        yield c
        await c.app[ENGINE].drain()


async def test_the_announcement_page_names_every_offered_language_and_sends_to_an_urdu_segment(console: Console):
    async with console.sessions() as tx, tx.begin():
        person = Beneficiary(display_name="p1", language="ur", city="shaaf")
        tx.add(person)
        await tx.flush()
        tx.add(ChannelIdentity(channel="telegram", external_id="ext1", beneficiary_id=person.id))
    await console.signed_in_as("coordinator")
    page = await console.client.get(NEW)
    assert page.status == 200, await page.text()
    html = await page.text()
    for name in ("اردو", "বাংলা", "हिन्दी", "नेपाली", "Bahasa Indonesia", "Tagalog"):
        assert name in html, name
    assert ">aud_lang_ur<" not in html and ">language_ur<" not in html

    form = TEXTS | {"aud_lang_ur": "on", "step": "preview", "when": "now"}
    preview = await console.post(NEW, form, page=NEW)
    assert preview.status == 200, await preview.text()
    assert "يصل هذا الجمهور الآن إلى مستلم واحد" in await preview.text()

    sent = await console.post(NEW, TEXTS | {"aud_lang_ur": "on", "step": "send", "confirmed": "yes", "when": "now"}, page=NEW)
    assert sent.status == 303, await sent.text()
    broadcast = await console.one(Broadcast)
    assert broadcast.audience == {"languages": ["ur"]}
    progress = await console.client.get(sent.headers["Location"])
    assert progress.status == 200 and "اردو" in await progress.text()


async def test_the_languages_page_lists_each_offered_language_and_which_are_not_yet_reviewed(console: Console):
    await console.signed_in_as("viewer")
    page = await console.client.get("/admin/languages")
    assert page.status == 200, await page.text()
    html = await page.text()
    assert 'href="/admin/languages"' in html  # in the console's navigation
    for name in ("اردو", "বাংলা", "हिन्दी", "नेपाली", "Bahasa Indonesia", "Tagalog"):
        assert name in html, name
    assert "لم يراجع متحدث أصلي نصوص هذه اللغات بعد" in html
    assert html.count("بمساعدة الترجمة الآلية") == 6 and html.count("لم تُراجع بعد") == 6
    assert "machine-assisted" not in html and ">ur<" not in html  # no internal value reaches staff
