"""Files sent on WhatsApp and Telegram are fetched into the file store (with the account's credentials,
by getFile), checked by their first bytes, retried when the provider is away, refused politely otherwise."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.appkeys import FETCHER, KEYRING
from bot.media_fetch import refused_text
from store import file_store, media_fetch
from store.models import Attachment, Beneficiary, InboundMessage
from tests import test_telegram as tg
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi
from tests.samples import EXE, JPEG, PDF, png, wav
from tests.test_whatsapp import ACCOUNT, running, settings_for


@pytest.fixture
async def fake():
    async with FakeTwilioApi() as api:
        yield api


@pytest.fixture
async def bot(tmp_path: Path, fake: FakeTwilioApi):
    async with running(settings_for(tmp_path, fake.url, files_dir=tmp_path / "files"), fake) as b:
        yield b


def media_form(*urls: tuple[str, str]) -> dict[str, str]:
    form = {"NumMedia": str(len(urls)), "MessageType": "image"}
    for n, (url, content_type) in enumerate(urls):
        form[f"MediaUrl{n}"], form[f"MediaContentType{n}"] = url, content_type
    return form


async def stored_files(bot) -> list[tuple[str, str, str]]:
    return [(a.fetch_status, a.content_type, a.fetch_error) for a in await bot.rows(Attachment)]


async def test_a_whatsapp_photo_and_pdf_are_fetched_with_the_accounts_credentials(bot, fake, tmp_path):
    await bot.say("مرحبا")
    await bot.say("١")
    photo = fake.add_media(ACCOUNT, JPEG, "image/jpeg")
    pdf = fake.add_media(ACCOUNT, PDF, "application/pdf")
    await bot.say("صورة الهوية", **media_form((photo, "image/jpeg"), (pdf, "application/pdf")))
    assert await stored_files(bot) == [("pending", "image/jpeg", ""), ("pending", "application/pdf", "")]
    assert await bot.app[FETCHER].run_once() == 2
    assert fake.media_fetches == [ACCOUNT, ACCOUNT]
    rows = await bot.rows(Attachment)
    assert await stored_files(bot) == [("stored", "image/jpeg", ""), ("stored", "application/pdf", "")]
    root = tmp_path / "files"
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    for row, data, ext in zip(rows, (JPEG, PDF), ("jpg", "pdf")):
        path = file_store.path_of(root, row.stored_name)
        assert path is not None and path.read_bytes() == data and path.suffix == f".{ext}"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600 and row.size == len(data)
    assert await bot.app[FETCHER].run_once() == 0  # nothing fetched twice


async def test_a_file_of_another_kind_is_refused_and_the_sender_told_what_is_accepted(bot, fake, texts):
    await bot.say("مرحبا")
    await bot.say("١")
    exe = fake.add_media(ACCOUNT, EXE, "application/pdf")  # the content type claims PDF; the bytes do not
    await bot.say("", **media_form((exe, "application/pdf")))
    before = len(fake.sent)
    await bot.app[FETCHER].run_once()
    await bot.deliver()
    assert await stored_files(bot) == [("failed", "application/pdf", "type")]
    assert [c.body for c in fake.sent[before:]] == [refused_text(texts, "ar")]
    assert "PDF" in fake.sent[-1].body and "16" in fake.sent[-1].body


async def test_a_provider_that_is_away_is_asked_again_later_then_the_file_is_kept(bot, fake):
    await bot.say("مرحبا")
    voice = fake.add_media(ACCOUNT, wav(), "audio/wav")
    await bot.say("", **media_form((voice, "audio/wav")))
    fake.media_failures.append(503)
    await bot.app[FETCHER].run_once()
    assert await stored_files(bot) == [("pending", "audio/wav", "unavailable")]
    assert await bot.app[FETCHER].run_once() == 0  # not due yet: back-off
    async with bot.sessions() as tx, tx.begin():
        await tx.execute(update(Attachment).values(fetch_due_at=Attachment.created_at))
    await bot.app[FETCHER].run_once()
    assert await stored_files(bot) == [("stored", "audio/wav", "")]


async def test_a_file_the_provider_no_longer_has_fails_with_its_reason(bot, fake):
    await bot.say("مرحبا")
    gone = fake.url + f"/2010-04-01/Accounts/{ACCOUNT}/Messages/MM0/Media/ME0"
    await bot.say("", **media_form((gone, "image/jpeg")))
    await bot.app[FETCHER].run_once()
    assert await stored_files(bot) == [("failed", "image/jpeg", "gone")]


@pytest.fixture
async def api():
    async with FakeBotApi(tg.TOKEN) as fake:
        yield fake


async def test_telegram_photos_documents_and_voice_notes_are_fetched_by_getfile(tmp_path, api, clock):
    url = await tg.sqlite_url(tmp_path)
    settings = tg.settings_for(url, api.base_url, files_dir=tmp_path / "files")
    async with tg.running(settings, clock) as client:
        await tg.choose_language(client, api, "ar")
        api.files.update({"photo-1": png(), "doc-1": PDF})
        photo = [{"file_id": "photo-1", "file_unique_id": "u-1", "width": 8, "height": 8}]
        await tg.deliver(client, api, tg.message({"photo": photo}))
        document = {
            "file_id": "doc-1",
            "file_unique_id": "u-d",
            "file_name": "a.pdf",
            "mime_type": "application/pdf",
        }
        await tg.deliver(client, api, tg.message({"document": document}))
        await client.app[FETCHER].run_once()
        rows = await tg.rows(client, Attachment)
        assert [(a.fetch_status, a.content_type) for a in rows] == [
            ("stored", "image/png"),
            ("stored", "application/pdf"),
        ]
        assert [p["file_id"] for p in api.requests("getFile")] == ["photo-1", "doc-1"]


async def test_claiming_takes_each_due_fetch_once(sessions, clock):
    async with sessions() as tx, tx.begin():
        message = InboundMessage(
            channel="web", provider_message_id="m1", sender_id="v", conversation_key="web:v"
        )
        tx.add(message)
        await tx.flush()
        person = Beneficiary()
        tx.add(person)
        await tx.flush()
        for due in (clock.now, clock.now + timedelta(hours=1)):
            tx.add(
                Attachment(
                    beneficiary_id=person.id,
                    inbound_id=message.id,
                    channel="whatsapp",
                    kind="media",
                    reference="https://x",
                    fetch_status="pending",
                    fetch_due_at=due,
                )
            )
    async with sessions() as tx, tx.begin():
        first = await media_fetch.claim_due(tx, clock.now, timedelta(minutes=2))
    async with sessions() as tx, tx.begin():
        again = await media_fetch.claim_due(tx, clock.now, timedelta(minutes=2))
    assert [a.fetch_attempts for a in first] == [1] and again == []
    async with sessions() as tx, tx.begin():
        later = await media_fetch.claim_due(tx, clock.now + timedelta(minutes=3), timedelta(minutes=2))
    assert [a.fetch_attempts for a in later] == [2]  # a fetch whose process died is taken again


async def test_a_whatsapp_voice_note_where_a_choice_is_needed_is_kept_and_answered_kindly(bot, fake, texts):
    await bot.say("مرحبا")
    await bot.say("١")  # Arabic: now at the main menu, which needs a choice
    note = fake.add_media(ACCOUNT, wav(), "audio/ogg")
    replies = await bot.say("", **{**media_form((note, "audio/ogg")), "MessageType": "audio"})
    assert replies[0].startswith(texts("ar", "voice_needs_choice"))
    await bot.app[FETCHER].run_once()
    [row] = await bot.rows(Attachment)
    assert (row.kind, row.fetch_status, row.content_type) == ("voice", "stored", "audio/wav")


async def test_with_transcription_on_a_voice_note_gets_its_text_from_the_endpoint(tmp_path, fake):
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    asked: list[dict] = []

    async def transcriptions(request: web.Request) -> web.Response:  # an OpenAI-compatible server's answer
        form = await request.post()
        asked.append({"auth": request.headers.get("Authorization"), "model": form["model"],
                      "bytes": form["file"].file.read()})  # fmt: skip
        return web.json_response({"text": "  أحتاج مساعدة في دفع الإيجار  "})

    app = web.Application()
    app.router.add_post("/v1/audio/transcriptions", transcriptions)
    async with TestServer(app, host="127.0.0.1") as server:
        endpoint = f"http://127.0.0.1:{server.port}/v1/audio/transcriptions"
        settings = settings_for(tmp_path, fake.url, files_dir=tmp_path / "files", transcribe_url=endpoint,
                                transcribe_api_key="sk-test", transcribe_model="large-v3")  # fmt: skip
        async with running(settings, fake) as bot:
            await bot.say("مرحبا")
            note = wav()
            url = fake.add_media(ACCOUNT, note, "audio/ogg")
            await bot.say("", **media_form((url, "audio/ogg")))
            before = len(fake.sent)
            await bot.app[FETCHER].run_once()
            await bot.deliver()
            [row] = await bot.rows(Attachment)
            told = [c.body for c in fake.sent[before:]]
            keyring_of_app = bot.app[KEYRING]
    assert "أحتاج" not in row.transcript  # encrypted at rest
    assert keyring_of_app.decrypt(row.transcript) == "أحتاج مساعدة في دفع الإيجار"
    assert "أحتاج مساعدة في دفع الإيجار" in told[0]  # the beneficiary sees what was understood
    assert asked == [{"auth": "Bearer sk-test", "model": "large-v3", "bytes": note}]


async def test_without_the_setting_nothing_is_transcribed(bot, fake):
    await bot.say("مرحبا")
    await bot.say("", **media_form((fake.add_media(ACCOUNT, wav(), "audio/ogg"), "audio/ogg")))
    assert bot.app[FETCHER].transcribe is None
    await bot.app[FETCHER].run_once()
    assert [(a.fetch_status, a.transcript) for a in await bot.rows(Attachment)] == [("stored", "")]


async def test_files_of_erased_rows_are_deleted_once_old_and_others_kept(bot, fake, tmp_path):
    import os

    await bot.say("مرحبا")
    await bot.say("", **media_form((fake.add_media(ACCOUNT, PDF, "application/pdf"), "application/pdf")))
    await bot.app[FETCHER].run_once()
    root = tmp_path / "files"
    erased, _ = file_store.write(root, JPEG)  # its row was deleted by an erasure
    just_written, _ = file_store.write(root, JPEG)  # a web upload whose row is not committed yet
    hour_ago = (root / erased).stat().st_mtime - 7200
    os.utime(root / erased, (hour_ago, hour_ago))
    [row] = await bot.rows(Attachment)
    os.utime(root / row.stored_name, (hour_ago, hour_ago))
    assert await bot.app[FETCHER].remove_erased() == 1
    assert sorted(p.name for p in root.iterdir()) == sorted([row.stored_name, just_written])


async def test_key_rotation_re_encrypts_transcripts(sessions):
    from store.crypto import Keyring, new_key
    from store.rotation import rotate_all

    old, new = new_key(), new_key()
    async with sessions() as tx, tx.begin():
        person = Beneficiary()
        tx.add(person)
        await tx.flush()
        tx.add(Attachment(beneficiary_id=person.id, channel="telegram", kind="voice", reference="v",
                          transcript=Keyring([old]).encrypt("نحتاج مساعدة")))  # fmt: skip
    assert await rotate_all(sessions, Keyring([new, old])) == 1
    async with sessions() as tx:
        [row] = (await tx.scalars(select(Attachment))).all()
    assert Keyring([new]).decrypt(row.transcript) == "نحتاج مساعدة"  # the old key can be retired
