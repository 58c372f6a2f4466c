"""The beneficiary's language is on every page staff answer them from (a request, a complaint, a live chat,
their own page), named as staff read it — «اردو» for an Urdu speaker, not a code — in both console languages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import update

from store.models import Beneficiary, Conversation, HelpRequest
from tests.test_console_complaints import seed_complaint
from tests.test_console_support import Console, fresh_console, sqlite_url


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as c:
        yield c


async def test_an_urdu_speakers_language_shows_wherever_staff_answer_them(console: Console):
    row = await console.request("R-7K3P9Q")
    await seed_complaint(console, "C-000001")
    await console.handoff("T-000001", created=console.clock.now, due=console.clock.now + timedelta(hours=4))
    async with console.sessions() as tx, tx.begin():
        await tx.execute(update(Beneficiary).values(language="ur"))
        await tx.execute(update(HelpRequest).values(language="ur"))
        await tx.execute(update(Conversation).values(data={"lang": "ur"}))
    await console.signed_in_as("researcher")
    pages = ("/admin/requests/R-7K3P9Q", "/admin/complaints/C-000001", "/admin/inbox/T-000001",
             f"/admin/beneficiaries/{row.beneficiary_id}")  # fmt: skip
    for page in pages:
        for lang in ("ar", "en"):
            text = await (await console.client.get(page, params={"lang": lang})).text()
            assert "اردو" in text, (page, lang)
            assert ">ur<" not in text and "b_lang" not in text, (page, lang)
