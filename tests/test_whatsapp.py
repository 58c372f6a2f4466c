"""WhatsApp through Twilio on the real app with the real twilio SDK, against a recording fake of Twilio's API
(and Prism checking the calls against Twilio's OpenAPI): signatures, a whole inquiry, media, the window."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy import text as sql
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from bot.app import create_app
from bot.appkeys import DISPATCHER, ENGINE, TWILIO_CLIENT
from bot.channels import whatsapp
from bot.dispatcher import Recipient
from bot.engine import utc_now
from conversations.profile import load as load_profile
from bot.settings import Settings
from store import delivery
from store.migrate import upgrade_async
from store.models import Attachment, Beneficiary, ChannelIdentity, Conversation, InboundMessage, OutboxMessage
from tests.conftest import FIXTURES
from tests.fakes.twilio_api import FakeTwilioApi
from tests.prism import TWILIO_SPEC, proxy

ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "t" * 32
FROM = "whatsapp:+966500000000"
BASE = "https://bot.example.org"
USER = "+966501234567"
TEMPLATE_SID = "HX" + "ab" * 16
SERVICE_SID = "MG" + "cd" * 16
INBOUND, STATUS = "/webhooks/twilio", "/webhooks/twilio/status"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
_sids = itertools.count(1)


def sign(path: str, params: dict[str, str]) -> str:
    return RequestValidator(TOKEN).compute_signature(BASE + path, params)


def message_form(text: str = "", sender: str = USER, **extra: str) -> dict[str, str]:
    """An incoming WhatsApp message as Twilio posts it."""
    form = {
        "SmsMessageSid": "", "NumMedia": "0", "ProfileName": "أبو محمد", "MessageType": "text",
        "WaId": sender.lstrip("+"), "SmsStatus": "received", "Body": text, "To": FROM, "NumSegments": "1",
        "ReferralNumMedia": "0", "AccountSid": ACCOUNT, "From": f"whatsapp:{sender}",
        "ApiVersion": "2010-04-01",
    }
    form["MessageSid"] = form["SmsMessageSid"] = f"SM{next(_sids):032x}"
    return {**form, **extra}


@dataclass
class Bot:
    """The running app, its test client and the fake Twilio API it sends to."""

    client: TestClient
    app: web.Application
    fake: FakeTwilioApi

    async def post(self, path: str, form: dict[str, str], signature: str | None = None) -> tuple[int, str]:
        headers = {"X-Twilio-Signature": sign(path, form) if signature is None else signature}
        response = await self.client.post(path, data=form, headers={k: v for k, v in headers.items() if v})
        return response.status, await response.text()

    async def say(self, text: str = "", **extra: str) -> list[str]:
        """Send a signed message; the bodies that reached the user because of it."""
        before = len(self.fake.sent)
        status, body = await self.post(INBOUND, message_form(text, **extra))
        assert (status, body) == (200, EMPTY_TWIML)
        await self.deliver()
        return [c.body for c in self.fake.sent[before:]]

    async def deliver(self) -> None:
        await self.app[ENGINE].drain()
        while await self.app[DISPATCHER].run_once():
            pass

    def sessions(self):
        return self.app[ENGINE].sessions()

    async def count(self, model: type) -> int:
        async with self.sessions() as tx:
            return await tx.scalar(select(func.count()).select_from(model))

    async def rows(self, model: type, *where) -> list:
        async with self.sessions() as tx:
            return list((await tx.scalars(select(model).where(*where).order_by(model.id))).all())

    async def queue(self, text: str, choices: list[list[str]] | None = None, to: str = USER) -> int:
        """An outbox row written by hand (as the engine would); its id."""
        row = OutboxMessage(
            channel="whatsapp", recipient=to, conversation_key=f"whatsapp:{to}",
            payload={"kind": "reply", "text": text, "choices": choices or []}, next_attempt_at=utc_now(),
        )
        async with self.sessions() as tx, tx.begin():
            tx.add(row)
        return row.id

    async def last_heard(self, ago: timedelta, who: str = USER) -> None:
        async with self.sessions() as tx, tx.begin():
            query = select(ChannelIdentity).where(ChannelIdentity.external_id == who)
            identity = (await tx.scalars(query)).one()
            identity.last_inbound_at = utc_now() - ago


def settings_for(tmp_path: Path, api_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'whatsapp.sqlite3'}",
        "profile": str(FIXTURES / "profile.toml"),
        "twilio_account_sid": ACCOUNT,
        "twilio_auth_token": TOKEN,
        "twilio_whatsapp_from": FROM,
        "public_base_url": BASE,
        "twilio_api_base_url": api_url,
        "whatsapp_rate_per_second": 1000.0,
    }
    return Settings(_env_file=None, **{**values, **overrides})


def templated_profile(tmp_path: Path) -> str:
    """The test profile plus an approved template for replies."""
    path = tmp_path / "templated.toml"
    extra = f'\n[whatsapp_templates.reply]\ncontent_sid = "{TEMPLATE_SID}"\nvariables = {{ "1" = "text" }}\n'
    path.write_text((FIXTURES / "profile.toml").read_text(encoding="utf-8") + extra, encoding="utf-8")
    return str(path)


@asynccontextmanager
async def running(settings: Settings, fake: FakeTwilioApi) -> AsyncIterator[Bot]:
    await upgrade_async(settings.database_url)
    app = create_app(settings, background=False)
    async with TestClient(TestServer(app)) as client:
        yield Bot(client, app, fake)
        await app[TWILIO_CLIENT].http_client.close()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTwilioApi]:
    async with FakeTwilioApi() as api:
        yield api


@pytest.fixture
async def bot(tmp_path: Path, fake: FakeTwilioApi) -> AsyncIterator[Bot]:
    async with running(settings_for(tmp_path, fake.url), fake) as b:
        yield b


# 1. Only Twilio may post; a retried delivery is applied once.


@pytest.mark.parametrize("attack", ["forged", "missing", "tampered", "json"])
async def test_unsigned_or_tampered_webhooks_are_refused_and_nothing_is_recorded(bot, attack):
    form = message_form("مرحبا")
    if attack == "forged":
        forged = RequestValidator("x" * 32).compute_signature(BASE + INBOUND, form)
        status, _ = await bot.post(INBOUND, form, signature=forged)
    elif attack == "missing":
        status, _ = await bot.post(INBOUND, form, signature="")
    elif attack == "tampered":
        status, _ = await bot.post(INBOUND, {**form, "Body": "ابغى الغي"}, signature=sign(INBOUND, form))
    else:
        headers = {"X-Twilio-Signature": sign(INBOUND, form), "Content-Type": "application/json"}
        response = await bot.client.post(INBOUND, data=json.dumps(form), headers=headers)
        status = response.status
    assert status == (415 if attack == "json" else 403)
    await bot.deliver()
    assert await bot.count(InboundMessage) == 0 and bot.fake.calls == []


async def test_a_replayed_message_is_recorded_once_and_answered_once(bot):
    form = message_form("السلام عليكم")
    assert await bot.post(INBOUND, form) == (200, EMPTY_TWIML)
    await bot.deliver()
    assert await bot.post(INBOUND, form) == (200, EMPTY_TWIML)  # Twilio retried: same MessageSid
    await bot.deliver()
    assert await bot.count(InboundMessage) == 1
    assert len(bot.fake.sent) == 1


async def test_while_the_database_is_away_twilio_is_asked_to_retry(bot):
    async with bot.sessions() as tx, tx.begin():
        await tx.execute(sql("DROP TABLE inboundmessage"))  # as good as a database that takes no writes
    status, _ = await bot.post(INBOUND, message_form("مرحبا"))
    assert status == 503 and bot.fake.calls == []


def test_what_is_read_from_twilios_form_is_bounded():
    media = {f"MediaUrl{n}": f"https://api.twilio.com/media/ME{n}" for n in range(15)}
    incoming = whatsapp.to_incoming(message_form("س" * 9000, NumMedia="15", ProfileName="ن" * 900, **media))
    assert len(incoming.attachments) == 10 and len(incoming.inbound.text) == 4096
    assert len(incoming.display_name) == 200 and incoming.inbound.kind == "attachment"
    assert whatsapp.to_incoming(message_form("hi", From=USER)) is None  # SMS, not WhatsApp
    assert whatsapp.to_incoming(message_form("hi", MessageSid="")) is None
    assert whatsapp.to_incoming(message_form("")).inbound.kind == "unsupported"
    assert whatsapp.to_incoming(message_form("hi", Latitude="999", Longitude="1")).inbound.kind == "text"


# 2. The inquiry flow, as a WhatsApp user sees it.


async def test_a_whole_inquiry_in_arabic_with_typed_numbers(bot):
    greeting = await bot.say("السلام عليكم")
    assert len(greeting) == 1 and "جمعية الاختبار" in greeting[0]
    assert greeting[0].endswith("1. العربية\n2. English")
    call = bot.fake.sent[0]
    assert (call.to, call.params["From"]) == (f"whatsapp:{USER}", FROM)
    assert call.user == call.account_sid == ACCOUNT
    assert call.params["StatusCallback"] == f"{BASE}/webhooks/twilio/status"

    menu = await bot.say("١")  # an Arabic-Indic digit picks the first option
    assert "ستكون المحادثة باللغة العربية" in menu[0]
    assert "1. استفسار" in menu[-1] and "2. طلب مساعدة" in menu[-1]

    assert "اكتب سؤالك" in (await bot.say("1"))[0]
    answer = await bot.say("كيف أقدّم على المساعدة؟")
    assert "يمكنك التقديم من خيار «طلب مساعدة»" in answer[0]


async def test_a_whole_inquiry_in_english(bot):
    assert (await bot.say("hi"))[0].endswith("1. العربية\n2. English")
    menu = await bot.say("2")
    assert menu[0].startswith("English selected.") and "1. Ask a question" in menu[-1]
    assert "Type your question" in (await bot.say("1"))[0]
    assert "Apply through “Apply for help”" in (await bot.say("how do I apply for help"))[0]


async def test_a_button_press_is_understood(bot):
    await bot.say("مرحبا")
    replies = await bot.say(ButtonPayload="lang:en", ButtonText="English", MessageType="button")
    assert replies[0].startswith("English selected.")


# 3. Files, places and the phone number.


async def test_media_and_a_location_are_kept_for_staff(bot):
    await bot.say("مرحبا")
    await bot.say("١")
    media = {
        "NumMedia": "2", "MessageType": "image",
        "MediaUrl0": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages/MM1/Media/ME1",
        "MediaContentType0": "image/jpeg",
        "MediaUrl1": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages/MM1/Media/ME2",
        "MediaContentType1": "application/pdf",
    }
    assert "وصلنا الملف" in (await bot.say("صورة الهوية", **media))[0]
    files = await bot.rows(Attachment)
    assert [(f.kind, f.reference, f.content_type) for f in files] == [
        ("media", media["MediaUrl0"], "image/jpeg"),
        ("media", media["MediaUrl1"], "application/pdf"),
    ]
    replies = await bot.say(Latitude="26.1392", Longitude="43.6571", MessageType="location")
    assert "وصلنا موقعك" in replies[0]
    place = (await bot.rows(Attachment, Attachment.kind == "location"))[0]
    assert place.reference == "26.139200,43.657100"


async def test_the_whatsapp_number_is_the_persons_phone(bot):
    await bot.say("مرحبا")
    person = (await bot.rows(Beneficiary))[0]
    assert (person.phone, person.display_name) == (USER, "أبو محمد")


async def test_a_person_known_on_telegram_by_the_same_verified_phone_is_linked(bot):
    async with bot.sessions() as tx, tx.begin():
        person = Beneficiary(display_name="محمد", verified_phone=USER)
        tx.add(person)
        await tx.flush()
        tx.add(ChannelIdentity(channel="telegram", external_id="777000", beneficiary_id=person.id))
    await bot.say("مرحبا")
    identity = (await bot.rows(ChannelIdentity, ChannelIdentity.channel == "whatsapp"))[0]
    conversation = (await bot.rows(Conversation))[0]
    assert identity.beneficiary_id == conversation.beneficiary_id == person.id


# 4. Long texts.


async def test_a_long_reply_is_split_in_order_and_the_choices_come_last(bot):
    await bot.say("مرحبا")
    lines = [f"السطر رقم {n}: " + "نص طويل للتجربة " * 6 for n in range(1, 41)]
    lines = [line.strip() for line in lines]
    row_id = await bot.queue("\n".join(lines), [["menu:inquiry", "استفسار"], ["menu", "القائمة"]])
    before = len(bot.fake.sent)
    await bot.deliver()
    parts = bot.fake.bodies()[before:]
    assert len(parts) >= 3 and all(len(p) <= 1600 for p in parts)
    assert "\n".join(parts).split("\n")[: len(lines)] == lines  # whole lines, in order
    assert parts[-1].endswith("1. استفسار\n2. القائمة")
    row = (await bot.rows(OutboxMessage, OutboxMessage.id == row_id))[0]
    assert (row.status, row.provider_message_id) == ("sent", bot.fake.sent[-1].sid)


def test_split_cuts_at_spaces_then_anywhere():
    words = whatsapp.split("كلمة " * 500, 100)
    assert all(len(p) <= 100 and not p.startswith(" ") for p in words)
    assert " ".join(words).split() == ["كلمة"] * 500
    assert whatsapp.split("x" * 250, 100) == ["x" * 100, "x" * 100, "x" * 50]


# 5. The 24-hour window.


async def test_outside_the_window_without_a_template_nothing_is_sent(bot):
    await bot.say("مرحبا")
    await bot.last_heard(timedelta(hours=25))
    row_id = await bot.queue("تم قبول طلبك")
    before = len(bot.fake.calls)
    await bot.deliver()
    row = (await bot.rows(OutboxMessage, OutboxMessage.id == row_id))[0]
    assert row.status == "needs_template" and "24-hour" in row.error
    assert len(bot.fake.calls) == before


async def test_outside_the_window_the_profiles_template_is_sent(tmp_path, fake):
    async with running(settings_for(tmp_path, fake.url, profile=templated_profile(tmp_path)), fake) as bot:
        await bot.say("مرحبا")
        await bot.last_heard(timedelta(hours=25))
        row_id = await bot.queue("تم قبول طلبك\nرقم الطلب H-7K3P9Q")
        await bot.deliver()
        call = bot.fake.sent[-1]
        assert "Body" not in call.params and call.params["ContentSid"] == TEMPLATE_SID
        assert json.loads(call.params["ContentVariables"]) == {"1": "تم قبول طلبك رقم الطلب H-7K3P9Q"}
        row = (await bot.rows(OutboxMessage, OutboxMessage.id == row_id))[0]
        assert (row.status, row.provider_message_id) == ("sent", call.sid)


async def test_twilio_saying_the_window_closed_means_a_template_is_needed(bot):
    bot.fake.fail_next(400, 63016, "Failed to send freeform message: outside the allowed window.")
    await bot.say("مرحبا")
    row = (await bot.rows(OutboxMessage))[0]
    assert row.status == "needs_template" and "63016" in row.error


# 6. Delivery reports.


async def status_report(
    bot: Bot, sid: str, state: str, error: str | None = None, signature: str | None = None
) -> tuple[int, str]:
    """A signed delivery report as Twilio posts it."""
    form = {
        "MessageSid": sid, "SmsSid": sid, "MessageStatus": state, "SmsStatus": state, "AccountSid": ACCOUNT,
        "From": FROM, "To": f"whatsapp:{USER}", "ChannelPrefix": "whatsapp", "ApiVersion": "2010-04-01",
    }
    if error:
        form["ErrorCode"] = error
    return await bot.post(STATUS, form, signature)


async def test_status_callbacks_move_a_message_forward_only(bot):
    await bot.say("مرحبا")
    await bot.say("١")
    first, second = bot.fake.sent[0].sid, bot.fake.sent[1].sid

    async def status_of(sid: str) -> tuple[str, str | None]:
        row = (await bot.rows(OutboxMessage, OutboxMessage.provider_message_id == sid))[0]
        return row.status, row.error

    for state in ("delivered", "read"):
        assert await status_report(bot, first, state) == (200, "")
        assert (await status_of(first))[0] == state
    await status_report(bot, first, "sent")  # late and out of order
    await status_report(bot, first, "delivered")
    assert (await status_of(first))[0] == "read"

    forged = RequestValidator("x" * 32).compute_signature(BASE + STATUS, {"MessageSid": second})
    assert (await status_report(bot, second, "delivered", signature=forged))[0] == 403
    assert (await status_of(second))[0] == "sent"
    await status_report(bot, second, "failed", error="63016")
    state, error = await status_of(second)
    assert state == "failed" and "63016" in error

    assert await status_report(bot, "SM" + "f" * 32, "delivered") == (200, "")  # not ours: accepted, ignored


async def test_record_status_on_both_databases(sessions):
    async with sessions() as tx, tx.begin():
        tx.add(OutboxMessage(channel="whatsapp", recipient=USER, conversation_key="k", status="sent",
                             provider_message_id="SM1", payload={}))
    for report, expected in [("queued", "sent"), ("delivered", "delivered"), ("sent", "delivered"),
                             ("undelivered", "undelivered"), ("read", "undelivered")]:
        code = "63024" if report == "undelivered" else None
        async with sessions() as tx, tx.begin():
            assert await delivery.record_status(tx, "SM1", report, code)
        async with sessions() as tx:
            row = (await tx.scalars(select(OutboxMessage))).one()
        assert row.status == expected, report
    assert row.error == "undelivered: provider error 63024"
    async with sessions() as tx, tx.begin():
        assert not await delivery.record_status(tx, "SM2", "delivered", None)


# 7. Twilio's refusals.


@pytest.mark.parametrize(
    "status, code, expected",
    [
        (429, 20429, ("pending", None, False)),
        (400, 21211, ("failed", "21211", False)),
        (400, 21610, ("failed", "21610", True)),
        (500, None, ("pending", None, False)),
    ],
)
async def test_provider_refusals(bot, status, code, expected):
    bot.fake.fail_next(status, code)
    await bot.say("مرحبا")
    row = (await bot.rows(OutboxMessage))[0]
    identity = (await bot.rows(ChannelIdentity))[0]
    state, unreachable, opted_out = expected
    assert row.status == state and bot.fake.sent == []
    if state == "pending":
        assert row.next_attempt_at > utc_now() and identity.unreachable is None
    else:
        assert unreachable in identity.unreachable
    assert identity.opted_out is opted_out


# 8. The calls the SDK makes, checked against Twilio's published OpenAPI by Prism.


async def test_every_kind_of_send_passes_twilios_openapi_contract(tmp_path, fake):
    log = tmp_path / "prism.log"
    with proxy(TWILIO_SPEC, fake.url, log) as base:
        settings = settings_for(tmp_path, base, profile=templated_profile(tmp_path))
        async with running(settings, fake) as bot:
            assert (await bot.say("مرحبا"))[0].endswith("2. English")  # free-form Body
            await bot.queue("\n".join(["سطر طويل " * 20] * 40), [["menu", "القائمة"]])  # split in parts
            await bot.deliver()
            await bot.last_heard(timedelta(hours=25))
            await bot.queue("تم قبول طلبك")  # a template
            await bot.deliver()
            rows = await bot.rows(OutboxMessage)
            assert [r.status for r in rows] == ["sent", "sent", "sent"], [r.error for r in rows]
            templated = [bool(c.params.get("ContentSid")) for c in fake.sent]
            assert templated == [False] * (len(fake.sent) - 1) + [True]

        service = settings_for(
            tmp_path, base, twilio_whatsapp_from="", twilio_messaging_service_sid=SERVICE_SID
        )
        client = whatsapp.make_client(service)
        try:
            sender = whatsapp.WhatsAppSender(client, service, load_profile(service.profile))
            row = OutboxMessage(channel="whatsapp", recipient=USER, conversation_key=f"whatsapp:{USER}",
                                payload={"kind": "reply", "text": "أهلاً", "choices": []})
            sid = await sender.send(row, Recipient(last_inbound_at=utc_now()))
            assert "Violation" not in log.read_text(errors="replace")
            with pytest.raises(TwilioRestException) as refused:  # the proxy has teeth: a bad SID is refused
                await client.messages.create_async(to=f"whatsapp:{USER}", from_=FROM, content_sid="HX-bad")
            assert refused.value.status == 422
        finally:
            await client.http_client.close()
    assert sid == fake.sent[-1].sid and fake.sent[-1].params["MessagingServiceSid"] == SERVICE_SID
    assert "From" not in fake.sent[-1].params
    assert len(fake.sent) == len(fake.calls) >= 5
