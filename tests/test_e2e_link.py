"""End to end over HTTP: a website-chat visitor links their chat to their WhatsApp — the code leaves through
the outbox and the real twilio SDK (against a fake Twilio) to their WhatsApp, and typed back on the page it joins
the two; the page itself never shows the code."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from store.models import ChannelIdentity
from tests.fakes.twilio_api import FakeTwilioApi
from tests.test_e2e_requests import fast_passwords, whatsapp_app  # noqa: F401  (fixture)
from tests.test_whatsapp import USER, settings_for

_ids = itertools.count(1)


async def on_page(client, **body) -> str:
    response = await client.post("/api/chat/send", json={"id": f"page-{next(_ids):06d}", "after": 0, **body})
    assert response.status == 200, await response.text()
    return "\n".join(m["text"] for m in (await response.json())["messages"][-3:])


async def test_a_web_visitor_links_their_whatsapp_with_the_code_it_received_there(tmp_path: Path):
    async with FakeTwilioApi() as fake:
        async with whatsapp_app(settings_for(tmp_path, fake.url), fake) as bot:
            await bot.say("مرحبا")
            await bot.say("1")
            await bot.client.get("/")
            await on_page(bot.client, start=True)
            await on_page(bot.client, choice="lang:ar", text="العربية")
            await on_page(bot.client, text="4")  # «طلباتي»
            assert "رقم جوالك" in await on_page(bot.client, choice="requests:link", text="ربط محادثتي بواتساب أو تيليجرام")
            before = len(fake.sent)
            told = await on_page(bot.client, text="٠٥٠١٢٣٤٥٦٧")
            await bot.deliver()
            [message] = fake.sent[before:]
            code = re.search(r"\b\d{6}\b", message.body).group(0)
            assert message.to == f"whatsapp:{USER}" and code not in told
            assert "اكتمل الربط" in await on_page(bot.client, text=code)
            [web] = await bot.rows(ChannelIdentity, ChannelIdentity.channel == "web")
            [whatsapp] = await bot.rows(ChannelIdentity, ChannelIdentity.channel == "whatsapp")
            assert web.beneficiary_id == whatsapp.beneficiary_id
