"""Telegram end to end: the real python-telegram-bot Bot against a recording fake Bot API on loopback, the
real app behind the webhook, and the same outbound calls checked by Prism against the Bot API's spec."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from telegram.error import NetworkError

from bot.app import create_app
from bot.appkeys import DISPATCHER, ENGINE, TELEGRAM_API, TELEGRAM_BOT
from bot.channels import telegram
from bot.channels.telegram import TelegramSender, make_api, make_bot, split_text
from bot.channels.telegram_updates import to_incoming
from bot.dispatcher import PermanentFailure, Recipient
from bot.settings import Settings
from handlers import telegram_intake
from handlers.telegram import SECRET_HEADER
from store.migrate import upgrade_async
from store.models import Attachment, Beneficiary, ChannelIdentity, InboundMessage, OutboxMessage
from tests.conftest import FIXTURES
from tests.fakes.telegram_api import FakeBotApi
from tests.prism import TELEGRAM_SPEC, proxy, require

TOKEN = "123456:" + "AAbbCCddEEffGGhhIIjjKKllMMnn-_"
SECRET = "s" * 32
NOURA, SALEH = 700100100, 700200200  # two beneficiaries' Telegram user ids (= their private chat ids)
_ids = itertools.count(1000)


# Updates as Telegram sends them


def _user(uid: int) -> dict:
    names = {NOURA: ("Noura", "Alharbi"), SALEH: ("Saleh", "Alotaibi")}
    first, last = names.get(uid, ("Guest", ""))
    return {"id": uid, "is_bot": False, "first_name": first, "last_name": last}


def message(content: dict, sender: int = NOURA, chat_type: str = "private", kind: str = "message") -> dict:
    chat = {"id": sender if chat_type == "private" else -100123, "type": chat_type}
    body = {"message_id": next(_ids), "date": 1_795_600_000, "chat": chat, "from": _user(sender), **content}
    return {"update_id": next(_ids), kind: body}


def text(words: str, sender: int = NOURA) -> dict:
    command = words.split()[0] if words.startswith("/") else ""
    entities = [{"type": "bot_command", "offset": 0, "length": len(command)}] if command else []
    return message({"text": words, "entities": entities}, sender)


def press(data: str, sender: int = NOURA) -> dict:
    shown = {"message_id": 1, "date": 1_795_600_000, "chat": {"id": sender, "type": "private"}, "text": "…"}
    query = {
        "id": f"cq-{next(_ids)}",
        "from": _user(sender),
        "chat_instance": "ci-1",
        "data": data,
        "message": shown,
    }
    return {"update_id": next(_ids), "callback_query": query}


def buttons(sent: dict) -> list[tuple[str, str]]:
    """A sent message's inline keyboard as (label, callback data) pairs."""
    rows = sent.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


def key_of(sent: dict, label: str) -> str:
    return dict(buttons(sent))[label]


# The app, the fake and driving them


@pytest.fixture
async def api():
    async with FakeBotApi(TOKEN) as fake:
        yield fake


def settings_for(url: str, base_url: str, **overrides: object) -> Settings:
    values = {
        "database_url": url,
        "profile": str(FIXTURES / "profile.toml"),
        "telegram_bot_token": TOKEN,
        "telegram_webhook_secret": SECRET,
        "telegram_api_base_url": base_url,
        "telegram_rate_per_second": 1000.0,  # the limiter has its own tests; here it would only slow things
        "telegram_rate_per_chat": 1000.0,
    }
    return Settings(_env_file=None, **{**values, **overrides})


async def sqlite_url(tmp_path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'telegram.sqlite3'}"
    await upgrade_async(url)
    return url


@contextlib.asynccontextmanager
async def running(settings: Settings, clock):
    async with TestClient(TestServer(create_app(settings, clock=clock, background=False))) as client:
        yield client


@pytest.fixture
async def client(tmp_path, api, clock):
    """The app on SQLite, webhook mode, sending to the fake."""
    async with running(settings_for(await sqlite_url(tmp_path), api.base_url), clock) as c:
        yield c


@pytest.fixture
async def store_client(db_url, api, clock):
    """The same, once on SQLite and once on PostgreSQL, for what is about the rows kept."""
    async with running(settings_for(db_url, api.base_url), clock) as c:
        yield c


async def post(client: TestClient, update: dict) -> int:
    """An Update as Telegram posts it, with our secret token; the status."""
    response = await client.post("/webhooks/telegram", json=update, headers={SECRET_HEADER: SECRET})
    return response.status


async def deliver(client: TestClient, api: FakeBotApi, update: dict) -> list[dict]:
    """Post an Update as Telegram does, let it be applied and sent; the messages the user received from it."""
    sent, answered = len(api.sent()), len(api.requests("answerCallbackQuery"))
    assert await post(client, update) == 200
    await client.app[ENGINE].drain()
    await client.app[DISPATCHER].run_once()
    if "callback_query" in update:
        await api.wait_for("answerCallbackQuery", answered + 1)
    return api.sent()[sent:]


async def choose_language(client: TestClient, api: FakeBotApi, lang: str, sender: int = NOURA) -> None:
    greeting = await deliver(client, api, text("/start", sender))
    await deliver(client, api, press(key_of(greeting[0], {"ar": "العربية", "en": "English"}[lang]), sender))


async def count(client: TestClient, model: type) -> int:
    async with client.app[ENGINE].sessions() as tx:
        return await tx.scalar(select(func.count()).select_from(model))


async def rows(client: TestClient, model: type, *where: object) -> list:
    async with client.app[ENGINE].sessions() as tx:
        return list((await tx.scalars(select(model).where(*where).order_by(model.id))).all())


async def person_of(client: TestClient, chat_id: int) -> Beneficiary:
    async with client.app[ENGINE].sessions() as tx:
        query = select(ChannelIdentity).where(
            ChannelIdentity.channel == "telegram", ChannelIdentity.external_id == str(chat_id)
        )
        identity = (await tx.scalars(query)).one()
        return await tx.get(Beneficiary, identity.beneficiary_id)


# 0. What an Update becomes


@pytest.mark.parametrize(
    "update, kind, said, extra",
    [
        (text("/start ref-42"), "start", "ref-42", {}),
        (text("/start@frontdesk_test_bot"), "start", "", {}),
        (text("/menu"), "text", "menu", {}),
        (text("مرحبا /start"), "text", "مرحبا /start", {}),
        (press("menu:inquiry"), "choice", "", {"choice": "menu:inquiry"}),
        (message({"location": {"latitude": 26.14, "longitude": 43.66}}), "location", "26.14,43.66", {}),
        (
            message({"contact": {"phone_number": "447911123456", "first_name": "N", "user_id": NOURA}}),
            "contact",
            "+447911123456",
            {"phone": "+447911123456"},
        ),
        (message({"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}}), "voice", "", {}),
        (message({"audio": {"file_id": "a", "file_unique_id": "a", "duration": 3, "mime_type": "audio/mpeg"},
                  "caption": "سؤالي"}), "voice", "سؤالي", {}),  # fmt: skip
        (press(["lang:ar"]), "unsupported", "", {}),  # PTB does not check types: data must be the string we sent
        (message({"text": {"body": "hello"}}), "unsupported", "", {}),
    ],
    ids=["start-payload", "start-botname", "command", "text", "button", "location", "contact", "voice", "audio",
         "button-data-not-text", "text-not-text"],
)
def test_what_an_update_becomes(update, kind, said, extra):
    incoming = to_incoming(update)
    assert (incoming.inbound.kind, incoming.inbound.text) == (kind, said)
    assert incoming.sender_id == str(NOURA) and incoming.provider_message_id == str(update["update_id"])
    assert incoming.display_name == "Noura Alharbi"
    for name, value in extra.items():
        assert getattr(incoming, name, None) == value or getattr(incoming.inbound, name, None) == value
    if kind == "location":
        assert incoming.location == (26.14, 43.66)
    if kind == "voice":  # kept and fetched like any file, then heard by staff
        assert [a.kind for a in incoming.attachments] == ["voice"]


# 1. The webhook's door


@pytest.mark.parametrize(
    "secret, kw, status",
    [
        (None, {}, 403),
        ("x" * 32, {}, 403),
        (SECRET[:-1], {}, 403),
        ("سر" * 16, {}, 403),
        (
            SECRET,
            {"data": "update_id=1", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
            415,
        ),
        (SECRET, {"data": "{not json", "headers": {"Content-Type": "application/json"}}, 400),
        (SECRET, {"data": "[1, 2]", "headers": {"Content-Type": "application/json"}}, 400),
        (SECRET, {"json": {"update_id": "x", "message": "nonsense"}}, 400),
        (
            SECRET,
            {"json": {"message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}}},
            400,
        ),
        (SECRET, {"json": {"update_id": 5, "callback_query": {"id": "q"}}}, 400),
        (
            SECRET,
            {"json": {"update_id": 6, "message": {"message_id": 1, "date": "tomorrow", "chat": {"id": 1}}}},
            400,
        ),
        (SECRET, {"json": {"update_id": 7, "message": {**message({})["message"], "from": "Noura"}}}, 400),
    ],
)
async def test_the_webhook_refuses_what_is_not_a_genuine_update_and_records_nothing(
    client, api, secret, kw, status
):
    if not kw:
        kw = {"json": text("/start")}
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    headers |= kw.pop("headers", {})
    response = await client.post("/webhooks/telegram", headers=headers, **kw)
    assert response.status == status
    await client.app[ENGINE].drain()
    assert await count(client, InboundMessage) == 0
    assert api.sent() == []


@pytest.mark.parametrize(
    "update",
    [
        message({"text": "hello everyone"}, chat_type="group"),
        message({"text": "fixed a typo"}, kind="edited_message"),
        {"update_id": 77},
    ],
    ids=["group", "edited", "empty"],
)
async def test_updates_that_are_not_for_us_are_acknowledged_and_ignored(client, api, update):
    assert await post(client, update) == 200
    await client.app[ENGINE].drain()
    assert await count(client, InboundMessage) == 0


async def test_a_database_outage_asks_telegram_to_deliver_again(client, api, monkeypatch):
    engine = client.app[ENGINE]

    async def unavailable(incoming):
        raise OperationalError("INSERT INTO inboundmessage", {}, Exception("database is locked"))

    update = text("/start")
    monkeypatch.setattr(engine, "record", unavailable)
    assert await post(client, update) == 503
    monkeypatch.undo()
    replies = await deliver(client, api, update)  # Telegram's retry
    assert len(replies) == 1 and await count(client, InboundMessage) == 1


# 2. A whole inquiry


@pytest.mark.parametrize(
    "lang, language, menu_item, question, answer",
    [
        (
            "ar",
            "العربية",
            "استفسار",
            "كيف أقدّم على المساعدة؟",
            "يمكنك التقديم من خيار «طلب مساعدة» في القائمة",
        ),
        (
            "en",
            "English",
            "Ask a question",
            "how do I apply for help",
            "Apply through “Apply for help” in the menu",
        ),
    ],
)
async def test_an_inquiry_over_telegram(client, api, texts, lang, language, menu_item, question, answer):
    greeting = await deliver(client, api, text("/start"))
    assert len(greeting) == 1 and "جمعية الاختبار" in greeting[0]["text"]
    assert [label for label, _ in buttons(greeting[0])] == ["العربية", "English"]
    assert greeting[0]["chat_id"] == str(NOURA)

    pressed = press(key_of(greeting[0], language))
    menu = await deliver(client, api, pressed)
    assert api.requests("answerCallbackQuery")[-1]["callback_query_id"] == pressed["callback_query"]["id"]
    assert menu_item in [label for label, _ in buttons(menu[-1])]

    prompt = await deliver(client, api, press(key_of(menu[-1], menu_item)))
    assert [p["text"] for p in prompt] == [texts(lang, "inquiry_prompt")]
    replies = await deliver(client, api, text(question))
    assert answer in replies[0]["text"]
    assert len(buttons(replies[-1])) == 3  # another question, talk to staff, main menu

    every_key = [key for sent in api.sent() for _, key in buttons(sent)]
    assert every_key and all(len(key.encode()) <= 64 for key in every_key)


# 3. Telegram delivers an Update again


async def test_a_repeated_update_has_no_second_effect(client, api):
    update = text("/start")
    assert len(await deliver(client, api, update)) == 1
    assert await deliver(client, api, update) == []
    assert await count(client, InboundMessage) == 1


# 4. What else people send


@pytest.mark.parametrize("lang", ["ar", "en"])
async def test_a_sticker_gets_a_polite_request_to_type_or_choose(client, api, texts, lang):
    await choose_language(client, api, lang)
    sticker = {
        "file_id": "st-1",
        "file_unique_id": "u-st-1",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
    }
    replies = await deliver(client, api, message({"sticker": sticker}))
    assert len(replies) == 1  # one message: the request, then the question it was at, asked again
    assert replies[0]["text"].startswith(texts(lang, "unsupported") + "\n\n")
    assert buttons(replies[0])


async def test_photos_and_documents_are_kept_by_file_id(store_client, api, texts):
    client = store_client
    await choose_language(client, api, "ar")
    sizes = [
        {"file_id": f"photo-{w}", "file_unique_id": f"u-{w}", "width": w, "height": w * 3 // 4}
        for w in (90, 1280, 320)
    ]
    replies = await deliver(client, api, message({"photo": sizes, "caption": "صورة الهوية"}))
    assert replies[0]["text"].startswith(texts("ar", "attachment_received"))
    document = {
        "file_id": "doc-1",
        "file_unique_id": "u-doc-1",
        "file_name": "سجل الأسرة.pdf",
        "mime_type": "application/pdf",
    }
    await deliver(client, api, message({"document": document}))
    kept = [(a.kind, a.reference, a.content_type, a.file_name) for a in await rows(client, Attachment)]
    assert kept == [
        ("photo", "photo-1280", "image/jpeg", ""),
        ("document", "doc-1", "application/pdf", "سجل الأسرة.pdf"),
    ]
    assert {a.beneficiary_id for a in await rows(client, Attachment)} == {(await person_of(client, NOURA)).id}


async def test_sharing_ones_own_contact_saves_the_number(store_client, api, texts):
    client = store_client
    await choose_language(client, api, "en")
    own = {"phone_number": "966501234567", "first_name": "Noura", "user_id": NOURA}
    replies = await deliver(client, api, message({"contact": own}))
    assert replies[0]["text"].startswith(texts("en", "phone_saved"))
    assert (await person_of(client, NOURA)).phone == "+966501234567"


async def test_ones_own_number_links_to_the_same_person_on_whatsapp(store_client, api):
    client = store_client
    async with client.app[ENGINE].sessions() as tx, tx.begin():
        known = Beneficiary(display_name="نورة", verified_phone="+966501234567", language="ar")
        tx.add(known)
        await tx.flush()
        tx.add(
            ChannelIdentity(channel="whatsapp", external_id="+966501234567", beneficiary_id=known.id)
        )
    await choose_language(client, api, "ar")
    assert (await person_of(client, NOURA)).id != known.id
    await deliver(
        client,
        api,
        message({"contact": {"phone_number": "+966 50 123 4567", "first_name": "N", "user_id": NOURA}}),
    )
    assert (await person_of(client, NOURA)).id == known.id


async def test_someone_elses_contact_links_nobody(store_client, api):
    client = store_client
    await choose_language(client, api, "ar", sender=SALEH)
    await choose_language(client, api, "ar", sender=NOURA)
    # Saleh's card, shared by Noura
    card = {"phone_number": "966501234567", "first_name": "Saleh", "user_id": SALEH}
    await deliver(client, api, message({"contact": card}, sender=NOURA))
    noura, saleh = await person_of(client, NOURA), await person_of(client, SALEH)
    assert noura.phone is None and saleh.phone is None and noura.id != saleh.id


# 5. Telegram's limits


def bot_for(api: FakeBotApi):
    return make_bot(settings_for("sqlite+aiosqlite://", api.base_url))


@contextlib.asynccontextmanager
async def sender_for(api: FakeBotApi):
    """A TelegramSender on the fake: PTB's Bot for files, the JSON client for text."""
    async with bot_for(api) as bot:
        json_api = make_api(bot)
        try:
            yield TelegramSender(bot, json_api)
        finally:
            await json_api.close()


def reply_row(words: str, choices: list[list[str]]) -> OutboxMessage:
    payload = {"kind": "reply", "text": words, "choices": choices}
    return OutboxMessage(
        id=1, channel="telegram", recipient=str(NOURA), conversation_key=f"telegram:{NOURA}", payload=payload
    )


async def test_a_long_reply_is_split_at_line_breaks_with_the_keyboard_last(api):
    lines = [f"{n:03d}. " + "معلومة مفيدة " * 7 for n in range(1, 121)]
    words = "\n".join(line.strip() for line in lines)
    assert len(words) > 2 * 4096
    async with sender_for(api) as sender:
        last_id = await sender.send(
            reply_row(words, [["menu", "القائمة"], ["talk_to_staff", "موظف"]]), Recipient()
        )
    sent = api.sent()
    assert len(sent) == 3 and all(len(m["text"]) <= 4096 for m in sent)
    assert "\n".join(m["text"] for m in sent) == words  # cut only at line breaks, nothing lost, in order
    assert [bool(buttons(m)) for m in sent] == [False, False, True]
    assert buttons(sent[-1]) == [("القائمة", "menu"), ("موظف", "talk_to_staff")]
    assert last_id == "3"


@pytest.mark.parametrize("key", ["x" * 65, "ع" * 33, ""])  # 33 Arabic letters are 66 bytes
async def test_a_choice_key_telegram_cannot_carry_is_refused_before_sending(api, key):
    async with sender_for(api) as sender:
        with pytest.raises(PermanentFailure, match="does not fit"):
            await sender.send(
                reply_row("اختر:", [["menu", "القائمة"], [key, "خيار"]]), Recipient()
            )
    assert api.sent() == []


@pytest.mark.parametrize(
    "words",
    ["كلمة " * 2000, "x" * 9000, "🌿" * 3000 + "\n" + "نص " * 100],
    ids=["spaces", "no-breaks", "emoji"],
)
def test_splitting_keeps_every_part_within_telegrams_limit(words):
    parts = split_text(words)
    assert len(parts) > 1
    assert all(0 < len(p.encode("utf-16-le")) // 2 <= 4096 for p in parts)  # Telegram counts UTF-16 units
    assert "".join(parts).replace(" ", "").replace("\n", "") == words.replace(" ", "").replace("\n", "")


# 6. Telegram refuses a send


async def test_flood_control_puts_the_reply_back_until_telegram_allows_it(store_client, api, clock):
    client = store_client
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    assert await deliver(client, api, text("/start")) == []
    (row,) = await rows(client, OutboxMessage)
    assert row.status == "pending" and row.next_attempt_at == clock.now + timedelta(seconds=7)
    assert await client.app[DISPATCHER].run_once() == 0  # not due yet
    clock.now += timedelta(seconds=7)
    assert await client.app[DISPATCHER].run_once() == 1
    assert len(api.sent()) == 1
    (row,) = await rows(client, OutboxMessage)
    assert row.status == "sent" and row.provider_message_id == "1"


@pytest.mark.parametrize(
    "status, description, outcome, unreachable",
    [
        (403, "Forbidden: bot was blocked by the user", "failed", True),
        (403, "Forbidden: user is deactivated", "failed", True),
        (400, "Bad Request: chat not found", "failed", True),
        (400, "Bad Request: can't parse entities", "failed", False),
        (502, "Bad Gateway", "pending", False),
    ],
)
async def test_telegrams_refusals_end_as_the_dispatcher_expects(
    store_client, api, status, description, outcome, unreachable
):
    client = store_client
    api.fail_next("sendMessage", status, description)
    assert await deliver(client, api, text("/start")) == []
    (row,) = await rows(client, OutboxMessage)
    assert row.status == outcome and description.split(": ")[-1].lower() in row.error.lower()
    (identity,) = await rows(client, ChannelIdentity)
    assert bool(identity.unreachable) is unreachable


# 7. Polling instead of a webhook


async def test_polling_mode_takes_updates_and_replies(tmp_path, api, clock, monkeypatch):
    settings = settings_for(await sqlite_url(tmp_path), api.base_url, telegram_mode="polling")
    async with running(settings, clock) as client:
        app, engine = client.app, client.app[ENGINE]
        assert await post(client, text("/start")) == 404  # no webhook route in polling mode
        record, failures = engine.record, []

        async def record_failing_once(incoming):
            if not failures:
                failures.append(incoming)
                raise OSError("database went away")
            return await record(incoming)

        monkeypatch.setattr(engine, "record", record_failing_once)
        api.fail_next("getUpdates", 502, "Bad Gateway")
        update = text("/start")
        api.push_update(update)
        task = asyncio.create_task(telegram_intake.poll(app[TELEGRAM_BOT], app[TELEGRAM_API], engine, backoff=0.01))
        try:
            deadline = time.monotonic() + 10
            while not api.sent():
                assert time.monotonic() < deadline, "no reply arrived through polling"
                await engine.drain()
                await app[DISPATCHER].run_once()
                await asyncio.sleep(0.01)
            confirmed = update["update_id"] + 1
            while not any(p.get("offset") == str(confirmed) for p in api.requests("getUpdates")):
                assert time.monotonic() < deadline, "the offset never moved past the recorded update"
                await asyncio.sleep(0.01)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        assert [c.method for c in api.calls][:2] == ["getMe", "deleteWebhook"]
        assert failures and await count(client, InboundMessage) == 1
        (greeting,) = api.sent()
        assert [label for label, _ in buttons(greeting)] == ["العربية", "English"]
        first = api.requests("getUpdates")[0]
        assert first["allowed_updates"] == ["message", "callback_query"] and first["timeout"] == "30"


# 8. The contract: what we send is what the Bot API's spec allows


async def test_outbound_calls_pass_the_bot_api_contract(tmp_path, api, clock):
    require(TELEGRAM_SPEC)
    with proxy(TELEGRAM_SPEC, api.url, tmp_path / "prism.log") as base:
        settings = settings_for(await sqlite_url(tmp_path), base + "/bot")
        async with running(settings, clock) as client:
            greeting = await deliver(client, api, text("/start"))
            menu = await deliver(client, api, press(key_of(greeting[0], "English")))
            statuses = [r.status for r in await rows(client, OutboxMessage)]
            # The proxy has teeth: an over-long text is refused and never reaches the fake.
            with pytest.raises(NetworkError, match="422"):
                await client.app[TELEGRAM_BOT].send_message(NOURA, "x" * 4097)
        url = await telegram.set_webhook(settings)
    assert statuses == ["sent"] * 2, (tmp_path / "prism.log").read_text(errors="replace")[-3000:]
    assert buttons(greeting[0]) and buttons(menu[-1])
    assert len(api.requests("answerCallbackQuery")) == 1
    (registered,) = api.requests("setWebhook")
    assert url == registered["url"] == "http://127.0.0.1:8080/webhooks/telegram"
    assert registered["secret_token"] == SECRET
    assert registered["allowed_updates"] == ["message", "callback_query"]
    assert all(c.status == 200 for c in api.calls)
