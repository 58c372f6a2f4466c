"""Done when (issue 12): a request accepted five days after the beneficiary's last WhatsApp message reaches them
as the approved template, in their language, with the reference in it; with no template approved it goes to
their linked Telegram; with neither it shows as not delivered on the request page and in the not-delivered
list, and "told by phone" clears it with an audit row. The real twilio SDK and PTB talk to fakes on loopback."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.appkeys import ENGINE
from bot.engine import utc_now
from bot.whatsapp_templates import definitions
from handlers.admin import passwords
from store.models import AuditLog, ChannelIdentity, Conversation, OutboxMessage, WhatsAppTemplate
from store.ratings import schedule_rating
from tests.conftest import Clock
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi
from tests.test_console_support import FAST, Console
from tests.test_e2e_requests import ARABIC_FORM, REFERENCE, decide, whatsapp_app
from tests.test_telegram import SECRET, TOKEN
from tests.test_whatsapp import settings_for

APPROVED_AR, APPROVED_EN = "HX" + "a1" * 16, "HX" + "e1" * 16
CHAT = "777000111"


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch):
    monkeypatch.setattr(passwords, "COST", FAST)


async def applied(bot) -> str:
    """The beneficiary applies in Arabic over WhatsApp; the request's reference."""
    said = [await bot.say(words) for words in ARABIC_FORM]
    return REFERENCE.search("\n".join(said[-1])).group(0)


async def accepted_five_days_later(bot, reference: str) -> None:
    """They fall silent for five days; then a researcher accepts their request."""
    await bot.last_heard(timedelta(days=5))
    await decide(
        Console(bot.client, Clock()), reference, "accept", "note", "نرجو مراجعة مقر الجمعية يوم الأحد"
    )
    await bot.deliver()


def waiting(page: str) -> int:
    """The nav's count of messages that did not arrive."""
    return int(re.search(r'data-count="undelivered"[^>]*>(\d+)<', page).group(1))


def delivery_states(page: str) -> list[str]:
    return re.findall(r'class="delivery" data-status="(\w+)"', page)


async def test_the_approved_template_in_their_language_with_the_reference(tmp_path: Path):
    async with FakeTwilioApi() as fake, whatsapp_app(settings_for(tmp_path, fake.url), fake) as bot:
        async with bot.sessions() as tx, tx.begin():
            for language, sid in (("ar", APPROVED_AR), ("en", APPROVED_EN)):
                tx.add(
                    WhatsAppTemplate(
                        kind="decision_accepted", language=language, content_sid=sid, status="approved"
                    )
                )
        reference = await applied(bot)
        before = len(fake.sent)
        await accepted_five_days_later(bot, reference)
        (told,) = fake.sent[before:]
        assert told.params["ContentSid"] == APPROVED_AR and "Body" not in told.params
        variables = json.loads(told.params["ContentVariables"])
        assert variables["1"] == reference and "نرجو مراجعة مقر الجمعية يوم الأحد" in variables["2"]
        page = await (await bot.client.get(f"/admin/requests/{reference}")).text()
        assert delivery_states(page) == ["sent"] and "قبول طلب الدعم" in page


async def test_with_no_template_approved_it_goes_to_their_linked_telegram(tmp_path: Path):
    async with FakeBotApi(TOKEN) as api, FakeTwilioApi() as fake:
        settings = settings_for(
            tmp_path,
            fake.url,
            telegram_bot_token=TOKEN,
            telegram_webhook_secret=SECRET,
            telegram_api_base_url=api.base_url,
            telegram_rate_per_second=1000.0,
            telegram_rate_per_chat=1000.0,
        )
        async with whatsapp_app(settings, fake) as bot:
            reference = await applied(bot)
            async with (
                bot.sessions() as tx,
                tx.begin(),
            ):  # the channel vouched for this link (another feature)
                whatsapp = (await tx.scalars(select(ChannelIdentity))).one()
                tx.add(
                    ChannelIdentity(
                        channel="telegram", external_id=CHAT, beneficiary_id=whatsapp.beneficiary_id
                    )
                )
            before = len(fake.sent)
            await accepted_five_days_later(bot, reference)
            assert fake.sent[before:] == []  # nothing went on WhatsApp
            (told,) = [m for m in api.sent() if str(m["chat_id"]) == CHAT]
            assert reference in told["text"] and "نرجو مراجعة مقر الجمعية يوم الأحد" in told["text"]
            rows = await bot.rows(OutboxMessage, OutboxMessage.subject == f"request:{reference}")
            assert [(r.channel, r.status) for r in rows] == [("whatsapp", "moved"), ("telegram", "sent")]
            page = await (await bot.client.get(f"/admin/requests/{reference}")).text()
            assert delivery_states(page) == ["moved", "sent"] and "أُرسلت بدلاً من ذلك عبر تيليجرام" in page


async def test_with_neither_it_shows_as_not_delivered_until_told_by_phone(tmp_path: Path):
    async with FakeTwilioApi() as fake, whatsapp_app(settings_for(tmp_path, fake.url), fake) as bot:
        reference = await applied(bot)
        before = len(fake.sent)
        await accepted_five_days_later(bot, reference)
        assert fake.sent[before:] == []
        page = await (await bot.client.get(f"/admin/requests/{reference}")).text()
        assert delivery_states(page) == ["needs_template"]
        assert "لا يوجد قالب معتمد لهذه الرسالة" in page and waiting(page) == 1

        listing = await (await bot.client.get("/admin/undelivered")).text()
        assert f'href="/admin/requests/{reference}"' in listing and "قبول طلب الدعم" in listing
        assert "إرسال عبر" not in listing  # no other channel to offer
        (row,) = await bot.rows(OutboxMessage, OutboxMessage.status == "needs_template")
        console = Console(bot.client, Clock())
        response = await console.post(f"/admin/undelivered/{row.id}/phone", {}, "/admin/undelivered")
        assert response.status == 303

        listing = await (await bot.client.get("/admin/undelivered")).text()
        assert f'href="/admin/requests/{reference}"' not in listing and waiting(listing) == 0
        page = await (await bot.client.get(f"/admin/requests/{reference}")).text()
        assert delivery_states(page) == ["told_by_phone"]
        (trail,) = await bot.rows(AuditLog, AuditLog.action == "told_by_phone")
        assert trail.subject == f"outbox:{row.id}" and trail.detail == {"about": f"request:{reference}"}
        assert trail.at <= utc_now()


async def test_staff_send_it_on_a_channel_linked_after_it_failed(tmp_path: Path):
    async with FakeBotApi(TOKEN) as api, FakeTwilioApi() as fake:
        settings = settings_for(
            tmp_path,
            fake.url,
            telegram_bot_token=TOKEN,
            telegram_webhook_secret=SECRET,
            telegram_api_base_url=api.base_url,
            telegram_rate_per_second=1000.0,
            telegram_rate_per_chat=1000.0,
        )
        async with whatsapp_app(settings, fake) as bot:
            reference = await applied(bot)
            await accepted_five_days_later(bot, reference)
            async with bot.sessions() as tx, tx.begin():  # linked afterwards (the channel vouched for it)
                whatsapp = (await tx.scalars(select(ChannelIdentity))).one()
                tx.add(
                    ChannelIdentity(
                        channel="telegram", external_id=CHAT, beneficiary_id=whatsapp.beneficiary_id
                    )
                )
            listing = await (await bot.client.get("/admin/undelivered")).text()
            assert "إرسال عبر تيليجرام" in listing
            (row,) = await bot.rows(OutboxMessage, OutboxMessage.status == "needs_template")
            console = Console(bot.client, Clock())
            response = await console.post(f"/admin/undelivered/{row.id}/elsewhere", {}, "/admin/undelivered")
            assert response.status == 303
            await bot.deliver()
            (told,) = [m for m in api.sent() if str(m["chat_id"]) == CHAT]
            assert reference in told["text"]
            page = await (await bot.client.get(f"/admin/requests/{reference}")).text()
            assert delivery_states(page) == ["moved", "sent"] and waiting(page) == 0
            (trail,) = await bot.rows(AuditLog, AuditLog.action == "send_elsewhere")
            assert trail.subject == f"outbox:{row.id}"


async def test_a_rating_prompt_goes_as_its_template_and_a_tapped_button_answers_it(tmp_path: Path):
    async with FakeTwilioApi() as fake, whatsapp_app(settings_for(tmp_path, fake.url), fake) as bot:
        async with bot.sessions() as tx, tx.begin():
            tx.add(
                WhatsAppTemplate(
                    kind="rating_prompt", language="ar", content_sid=APPROVED_AR, status="approved"
                )
            )
        reference = await applied(bot)
        await bot.last_heard(timedelta(days=5))
        async with bot.sessions() as tx, tx.begin():  # the request was delivered: its rating is due now
            (identity,) = (await tx.scalars(select(ChannelIdentity))).all()
            await schedule_rating(
                tx,
                service_kind="help_request",
                service_ref=reference,
                conversation_key=f"whatsapp:{identity.external_id}",
                beneficiary_id=identity.beneficiary_id,
                staff_id=None,
                now=utc_now(),
                delay=timedelta(0),
            )
        before = len(fake.sent)
        await bot.app[ENGINE].fire_timers()
        await bot.deliver()
        (prompt,) = fake.sent[before:]
        assert prompt.params["ContentSid"] == APPROVED_AR and reference in prompt.params["ContentVariables"]
        tapped = (
            definitions()[("rating_prompt", "ar")].button_prefix + "4"
        )  # what the template's button «4» sends
        await bot.say(ButtonPayload=tapped, ButtonText="4")
        (conversation,) = await bot.rows(Conversation)
        assert conversation.state == "rating:comment"  # the score was taken; a comment is offered next
