"""Staff send a file in a live chat, over HTTP with the fake providers: it is kept in the file store, reaches
WhatsApp as a Twilio MediaUrl that Twilio can fetch by its signed link (and no one can without it), Telegram
as a photo or a document, the web chat as a link; the transcript shows it with its delivery state; a file the
store does not take is refused in words."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from bot.appkeys import DISPATCHER, ENGINE, SETTINGS
from bot.channels import telegram
from bot.dispatcher import Recipient
from store import file_store, sealed
from store.models import Attachment, Beneficiary, ChannelIdentity, Conversation, HandoffRequest, OutboxMessage
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi
from tests.prism import TELEGRAM_SPEC, proxy, require
from tests.test_console_support import Console, fresh_console
from tests.test_telegram import SECRET as TG_SECRET
from tests.test_telegram import TOKEN as TG_TOKEN
from tests.test_telegram import settings_for as telegram_settings
from tests.test_whatsapp import ACCOUNT, FROM
from tests.test_whatsapp import TOKEN as TWILIO_TOKEN

PDF = b"%PDF-1.4\n" + b"0" * 2000 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 500
CHAT = "555000111"
MOBILE = "+966500000777"


@pytest.fixture
async def setup(db_url, tmp_path, monkeypatch, clock):
    async with FakeBotApi(TG_TOKEN) as api, FakeTwilioApi() as twilio:
        channels = {
            "telegram_bot_token": TG_TOKEN, "telegram_webhook_secret": TG_SECRET,
            "telegram_api_base_url": api.base_url, "twilio_account_sid": ACCOUNT,
            "twilio_auth_token": TWILIO_TOKEN, "twilio_whatsapp_from": FROM, "twilio_api_base_url": twilio.url,
        }  # fmt: skip
        async with fresh_console(db_url, tmp_path, monkeypatch, clock, **channels) as console:
            yield console, api, twilio


async def chat_on(console: Console, channel: str, external_id: str, reference: str) -> HandoffRequest:
    """A beneficiary on `channel` who wrote an hour ago and asked for a person."""
    now = console.clock.now
    key = f"{channel}:{external_id}"
    async with console.sessions() as tx, tx.begin():
        # A browser test's visitor may have opened the chat already: their identity and conversation are reused.
        identity = (await tx.scalars(select(ChannelIdentity).where(
            ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id))).first()  # fmt: skip
        if identity is None:
            person = Beneficiary(display_name="Sara", language="ar")
            tx.add(person)
            await tx.flush()
            identity = ChannelIdentity(channel=channel, external_id=external_id, beneficiary_id=person.id)
            tx.add(identity)
        else:
            person = await tx.get(Beneficiary, identity.beneficiary_id)
            person.display_name = "Sara"
        identity.last_inbound_at = now - timedelta(hours=1)
        conv = (await tx.scalars(select(Conversation).where(Conversation.key == key))).first()
        if conv is None:
            tx.add(Conversation(key=key, beneficiary_id=person.id, state="handoff:waiting", data={"lang": "ar"}))
        else:
            conv.state, conv.data = "handoff:waiting", {"lang": "ar"}
        row = HandoffRequest(
            reference=reference, beneficiary_id=person.id, conversation_key=key, channel=channel, reason="inquiry",
            last_question="أين أرسل الصورة؟", status="open", answer_due_at=now + timedelta(hours=4),
            created_at=now - timedelta(minutes=30),
        )  # fmt: skip
        tx.add(row)
    return row


async def send_file(console: Console, reference: str, data: bytes, name: str, content_type: str, text: str = ""):
    page = f"/admin/inbox/{reference}"
    parts = [("text", text, {}), ("file", data, {"filename": name, "content_type": content_type})]
    return await console.post(f"{page}/reply", parts, page)


async def sent_row(console: Console, reference: str) -> tuple[OutboxMessage, dict]:
    row = await console.one(OutboxMessage, OutboxMessage.subject == f"handoff:{reference}")
    return row, sealed.output_payload(console.app[ENGINE].keyring, row)


async def test_a_pdf_reaches_whatsapp_by_a_signed_link_only_twilio_holds(setup):
    console, _, twilio = setup
    await chat_on(console, "whatsapp", MOBILE, "H-WA0001")
    await console.signed_in_as("researcher")
    response = await send_file(console, "H-WA0001", PDF, "كشف الحساب.pdf", "application/pdf", "هذا هو الكشف")
    assert response.status == 303
    kept = await console.one(Attachment, Attachment.kind == "sent")
    stored = console.app[SETTINGS].files_dir / kept.stored_name
    assert stored.read_bytes() == PDF and kept.file_name == "كشف الحساب.pdf"
    assert await console.app[DISPATCHER].run_once() == 1
    (call,) = twilio.sent
    assert call.to == f"whatsapp:{MOBILE}" and "هذا هو الكشف" in call.body and "researcher person" in call.body
    link = urlsplit(call.params["MediaUrl"])
    fetched = await console.client.get(f"{link.path}?{link.query}")  # Twilio fetching it
    assert fetched.status == 200 and await fetched.read() == PDF
    assert fetched.headers["Content-Type"] == "application/pdf"
    forged = link.query.replace("signature=", "signature=0")
    assert (await console.client.get(f"{link.path}?{forged}")).status == 404
    assert (await console.client.get(link.path)).status == 404
    console.clock.now += timedelta(days=3)  # the link has expired
    assert (await console.client.get(f"{link.path}?{link.query}")).status == 404


async def test_a_photo_goes_to_telegram_as_a_photo_and_shows_in_the_transcript_with_its_state(setup):
    console, api, _ = setup
    await chat_on(console, "telegram", CHAT, "H-TG0001")
    await console.signed_in_as("researcher")
    assert (await send_file(console, "H-TG0001", PNG, "receipt.png", "image/png")).status == 303
    _, payload = await sent_row(console, "H-TG0001")
    assert payload["file"]["type"] == "image/png" and "researcher person" in payload["text"]
    page = await (await console.client.get("/admin/inbox/H-TG0001")).text()
    bubble = re.search(r'<li class="msg out">.*?</li>\s*</ul>\s*</li>', page, flags=re.S).group(0)
    assert "في الانتظار" in bubble and "ملف أرسله موظف" in bubble and 'class="preview"' in bubble
    assert await console.app[DISPATCHER].run_once() == 1
    (photo,) = api.requests("sendPhoto")
    assert str(photo["chat_id"]) == CHAT and photo["photo"] == ("receipt.png", PNG)
    assert "researcher person" in api.sent()[0]["text"]
    page = await (await console.client.get("/admin/inbox/H-TG0001")).text()
    assert "أُرسلت" in re.search(r'<li class="msg out">.*?</small>', page, flags=re.S).group(0)


async def test_a_pdf_goes_to_telegram_as_a_document_without_text(setup):
    console, api, _ = setup
    await chat_on(console, "telegram", CHAT, "H-TG0002")
    await console.signed_in_as("coordinator")
    assert (await send_file(console, "H-TG0002", PDF, "form.html", "text/html")).status == 303
    assert await console.app[DISPATCHER].run_once() == 1
    (document,) = api.requests("sendDocument")
    assert document["document"] == ("form.pdf", PDF)  # named by what its bytes are, not what it was called


async def test_the_web_chat_gets_a_link_that_opens_the_file(setup):
    console, _, _ = setup
    await console.client.get("/")  # the beneficiary's browser gets its chat cookie
    cookie = next(c.value for c in console.client.session.cookie_jar if c.key == "frontdesk_chat")
    await chat_on(console, "web", cookie.split(".")[0], "H-WB0001")
    await console.signed_in_as("admin")  # staff in another browser
    assert (await send_file(console, "H-WB0001", PDF, "guide.pdf", "application/pdf", "الدليل")).status == 303
    await console.app[DISPATCHER].run_once()
    console.client.session.cookie_jar.clear()
    answer = await console.client.get("/api/chat/messages", cookies={"frontdesk_chat": cookie})
    (message,) = [m for m in (await answer.json())["messages"] if m.get("file")]
    assert "الدليل" in message["text"] and message["file"]["name"] == "guide.pdf"
    opened = await console.client.get(message["file"]["url"])
    assert opened.status == 200 and await opened.read() == PDF


@pytest.mark.parametrize(
    ("data", "name"), [(b"MZ\x90\x00 not a document", "tool.exe"), (PNG + b"\0" * (11 * 1024 * 1024), "big.png")]
)
async def test_a_file_the_store_does_not_take_is_refused_in_words_and_nothing_is_sent(setup, data, name):
    console, _, _ = setup
    await chat_on(console, "telegram", CHAT, "H-TG0003")
    await console.signed_in_as("researcher")
    response = await send_file(console, "H-TG0003", data, name, "application/octet-stream", "انظر المرفق")
    assert response.status in (400, 413)
    assert await console.all(OutboxMessage) == [] and await console.all(Attachment) == []
    if response.status == 400:
        assert "لا يمكن إرسال هذا الملف" in await response.text()


async def test_a_reply_needs_text_or_a_file(setup):
    console, _, _ = setup
    await chat_on(console, "telegram", CHAT, "H-TG0004")
    await console.signed_in_as("researcher")
    response = await console.post("/admin/inbox/H-TG0004/reply", [("text", "", {})], "/admin/inbox/H-TG0004")
    assert response.status == 400 and await console.all(OutboxMessage) == []


async def test_file_sends_pass_the_bot_api_contract(tmp_path):
    """Photos and documents as multipart uploads, checked by Prism against the Bot API's spec. (Twilio's
    `MediaUrl` is an array in its spec, which Prism 5 cannot match from form fields, single or repeated:
    stoplightio/prism#2654; the fake Twilio above records it instead.)"""
    require(TELEGRAM_SPEC)
    files = tmp_path / "files"
    stored = [file_store.write(files, data) for data in (PDF, PNG)]
    outgoing = {"kind": "staff_reply", "text": "👤 نورة:\nالمرفق", "choices": []}
    async with FakeBotApi(TG_TOKEN) as api:
        with proxy(TELEGRAM_SPEC, api.url, tmp_path / "prism.log") as base:
            bot = telegram.make_bot(telegram_settings("sqlite+aiosqlite://", base + "/bot"))
            json_api = telegram.make_api(bot)
            async with bot:
                sender = telegram.TelegramSender(bot, json_api, files)
                for name, kind in stored:
                    file = {"id": 1, "name": name, "type": kind.content_type, "file_name": f"x.{kind.extension}"}
                    row = OutboxMessage(channel="telegram", recipient=CHAT, conversation_key=f"telegram:{CHAT}",
                                        payload={**outgoing, "file": file})  # fmt: skip
                    await sender.send(row, Recipient())
            await json_api.close()
    assert [c.method for c in api.calls if c.method != "getMe"] == ["sendMessage", "sendDocument"] + [
        "sendMessage", "sendPhoto"
    ]
    assert all(c.status == 200 for c in api.calls), (tmp_path / "prism.log").read_text(errors="replace")[-2000:]


async def test_outside_the_whatsapp_window_a_file_waits_visibly_as_not_sent(setup):
    console, _, twilio = setup
    await chat_on(console, "whatsapp", MOBILE, "H-WA0002")
    console.clock.now += timedelta(days=2)  # the beneficiary last wrote two days ago
    await console.signed_in_as("researcher")
    assert (await send_file(console, "H-WA0002", PDF, "form.pdf", "application/pdf", "النموذج")).status == 303
    await console.app[DISPATCHER].run_once()
    row, _ = await sent_row(console, "H-WA0002")
    assert row.status == "needs_template" and twilio.sent == []  # no template carries a file
    page = await (await console.client.get("/admin/inbox/H-WA0002")).text()
    assert 'data-status="needs_template"' in page
