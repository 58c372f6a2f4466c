"""No secret setting reaches a log line: a Telegram and a WhatsApp exchange against the fakes, logged at DEBUG
through the handler the CLI installs, and the redacting filter on messages, arguments and tracebacks."""

from __future__ import annotations

import base64
import io
import logging

from bot.logs import REDACTED, RedactSecrets, configure_logging, secret_values
from tests import test_telegram as tg, test_whatsapp as wa
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi

PG_PASSWORD = "pg-Secret-pw"


async def test_a_telegram_and_a_whatsapp_exchange_log_no_secret_at_debug(tmp_path, clock, monkeypatch):
    telegram = tg.settings_for(await tg.sqlite_url(tmp_path), "http://unused", log_level="DEBUG")
    log = io.StringIO()
    handler = configure_logging(telegram, log)
    try:
        async with FakeBotApi(tg.TOKEN) as api:
            settings = telegram.model_copy(update={"telegram_api_base_url": api.base_url})
            async with tg.running(settings, clock) as client:
                await tg.choose_language(client, api, "ar")
                assert await tg.deliver(client, api, tg.text("كيف أقدم على مساعدة؟"))
        whatsapp = wa.settings_for(tmp_path, "http://unused", log_level="DEBUG")
        handler = configure_logging(whatsapp, log)
        async with FakeTwilioApi() as fake:
            async with wa.running(whatsapp.model_copy(update={"twilio_api_base_url": fake.url}), fake) as bot:
                assert await bot.say("مرحبا")
    finally:
        logging.getLogger().removeHandler(handler)
    output = log.getvalue()
    assert "sendMessage" in output and "Twilio API Request" in output  # the exchanges were logged
    secrets = [tg.TOKEN, tg.SECRET, wa.TOKEN, *telegram.data_keys.split(","), *whatsapp.data_keys.split(",")]
    assert [s for s in secrets if s in output] == []
    assert REDACTED in output  # httpx's line for each Bot API call, with the token taken out


def test_the_filter_redacts_messages_arguments_and_tracebacks(tmp_path):
    database = f"postgresql://frontdesk:{PG_PASSWORD}@db:5432/frontdesk"
    settings = wa.settings_for(tmp_path, "http://unused", database_url=database)
    basic = base64.b64encode(f"{wa.ACCOUNT}:{wa.TOKEN}".encode()).decode()
    assert {wa.TOKEN, PG_PASSWORD, basic, *settings.data_keys.split(",")} <= set(secret_values(settings))
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactSecrets(secret_values(settings)))
    logger = logging.getLogger("tests.log_secrets")
    logger.addHandler(handler)
    try:
        logger.warning("calling %s with %r", f"https://api/{wa.TOKEN}/x", {"auth": basic})
        try:
            raise RuntimeError(f"failed for postgresql://frontdesk:{PG_PASSWORD}@db")
        except RuntimeError:
            logger.exception("database away")
        logger.error("bad arguments %s %s", wa.TOKEN)  # a message whose arguments do not fit
    finally:
        logger.removeHandler(handler)
    text = out.getvalue()
    assert wa.TOKEN not in text and PG_PASSWORD not in text and basic not in text
    assert text.count(REDACTED) >= 4 and "database away" in text and "RuntimeError" in text


def test_the_keys_of_the_key_file_are_secrets_too(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "data.key").write_text("Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1rZXktMDA=\n")
    settings = wa.settings_for(tmp_path, "http://unused", data_keys="")
    assert "Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1rZXktMDA=" in secret_values(settings)


def test_the_mail_password_and_the_transcription_key_are_secrets_too(tmp_path):
    settings = wa.settings_for(tmp_path, "http://unused", smtp_password="mail-pass-1234", transcribe_api_key="sk-abcd1234")
    assert {"mail-pass-1234", "sk-abcd1234"} <= set(secret_values(settings))
