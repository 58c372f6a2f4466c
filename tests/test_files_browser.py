"""End to end on both fake providers and a real browser: a beneficiary on WhatsApp and one on Telegram each
send a photo, a PDF and a voice note in a live chat; `python -m bot run` fetches them into its file store; a
researcher opens all of them in headless Chromium, and the voice notes play (the audio reports a duration)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.browser import ARTIFACTS, WAIT, chromium, require_browser, running_bot

require_browser()

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from tests import test_telegram as tg  # noqa: E402
from tests.fakes.telegram_api import FakeBotApi  # noqa: E402
from tests.fakes.twilio_api import FakeTwilioApi  # noqa: E402
from tests.samples import PDF, png, wav  # noqa: E402
from tests.test_whatsapp import ACCOUNT, FROM, TOKEN, message_form  # noqa: E402

PASSWORD = "correct horse battery"
USER = "+966501112233"


class Fakes:
    """Both fake providers on an event loop of their own thread, beside the bot's process."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.twilio = FakeTwilioApi()
        self.run(self.twilio.start())
        self.telegram = self.run(self._telegram())

    async def _telegram(self) -> FakeBotApi:
        api = FakeBotApi(tg.TOKEN)
        await api.__aenter__()
        return api

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def close(self) -> None:
        self.run(self.twilio.close())
        self.run(self.telegram.__aexit__(None, None, None))
        self.loop.call_soon_threadsafe(self.loop.stop)


def whatsapp(base: str, **form: str) -> None:
    """A signed Twilio webhook, as Twilio posts it to the running bot."""
    body = message_form(**form)
    body["From"] = f"whatsapp:{USER}"
    signature = RequestValidator(TOKEN).compute_signature(base + "/webhooks/twilio", body)
    data = urllib.parse.urlencode(body).encode()
    request = urllib.request.Request(base + "/webhooks/twilio", data, {"X-Twilio-Signature": signature})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def until(check, what: str, seconds: float = 20) -> object:
    deadline = time.monotonic() + seconds
    while not (found := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds} s for {what}")
        time.sleep(0.2)
    return found


def query(database: str, sql: str) -> list[tuple]:
    with sqlite3.connect(database.split("///", 1)[1]) as db:
        return db.execute(sql).fetchall()


async def _researcher(database: str) -> None:
    from handlers.admin.staff import create_staff
    from store.db import make_engine, make_sessions

    db = make_engine(database)
    await create_staff(make_sessions(db), "noura", PASSWORD, "researcher", "نورة الباحثة")
    await db.dispose()


def test_a_researcher_opens_photos_pdfs_and_hears_voice_notes_from_both_channels(tmp_path: Path) -> None:
    fakes = Fakes()
    try:
        settings = {
            "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_WHATSAPP_FROM": FROM,
            "TWILIO_API_BASE_URL": fakes.twilio.url, "TELEGRAM_BOT_TOKEN": tg.TOKEN,
            "TELEGRAM_MODE": "polling",
            "TELEGRAM_API_BASE_URL": fakes.telegram.base_url, "SWEEP_SECONDS": "1",
        }  # fmt: skip
        with running_bot(tmp_path, **settings) as (base, database):
            asyncio.run(_researcher(database))
            # WhatsApp: choose Arabic, ask for a person, then a photo with a PDF, then a voice note.
            for words in ("مرحبا", "١", "موظف"):
                whatsapp(base, text=words)
            media = [(png(), "image/png"), (PDF, "application/pdf")]
            urls = [fakes.twilio.add_media(ACCOUNT, data, kind) for data, kind in media]
            whatsapp(base, text="هذه الوثائق", NumMedia="2", MediaUrl0=urls[0], MediaContentType0="image/png",
                     MediaUrl1=urls[1], MediaContentType1="application/pdf")  # fmt: skip
            note = fakes.twilio.add_media(ACCOUNT, wav(), "audio/ogg")
            whatsapp(base, NumMedia="1", MediaUrl0=note, MediaContentType0="audio/ogg", MessageType="audio")
            # Telegram: the same, by file_id.
            fakes.telegram.files.update({"tg-photo": png(12, 9), "tg-doc": PDF, "tg-voice": wav(2.0)})
            push = fakes.telegram.push_update
            for update in (tg.text("/start"), tg.press("lang:ar"), tg.text("موظف"),
                           tg.message({"photo": [{"file_id": "tg-photo", "file_unique_id": "p", "width": 12,
                                                  "height": 9}]}),
                           tg.message({"document": {"file_id": "tg-doc", "file_unique_id": "d",
                                                    "file_name": "سجل.pdf", "mime_type": "application/pdf"}}),
                           tg.message({"voice": {"file_id": "tg-voice", "file_unique_id": "v",
                                                 "duration": 2}})):  # fmt: skip
                fakes.loop.call_soon_threadsafe(push, update)
                time.sleep(0.3)
            stored = "SELECT count(*) FROM attachment WHERE fetch_status = 'stored'"
            until(lambda: query(database, stored)[0][0] == 6, "six files fetched into the file store")
            handoffs = [r for (r,) in query(database, "SELECT reference FROM handoffrequest ORDER BY id")]
            assert len(handoffs) == 2
            with chromium(tmp_path / "chrome") as browser:
                browser.get(f"{base}/admin/login")
                browser.find_element(By.NAME, "username").send_keys("noura")
                browser.find_element(By.NAME, "password").send_keys(PASSWORD)
                browser.find_element(By.CSS_SELECTOR, "form.login button").click()
                stale = (StaleElementReferenceException,)
                wait = WebDriverWait(browser, WAIT, poll_frequency=0.1, ignored_exceptions=stale)
                # signed in before going on: a page asked for while the sign-in is still answering is the login page
                wait.until(lambda d: "/admin/login" not in d.current_url, "the sign-in")
                for channel, reference in zip(("whatsapp", "telegram"), handoffs):
                    browser.get(f"{base}/admin/inbox/{reference}")
                    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "ul.files audio"), "the voice note")
                    images = browser.find_elements(By.CSS_SELECTOR, "ul.files img")
                    drawn = "return arguments[0].complete && arguments[0].naturalWidth > 0"
                    wait.until(lambda d: all(d.execute_script(drawn, i) for i in images), "the photo shown")
                    assert len(images) == 1
                    frames = browser.find_elements(By.CSS_SELECTOR, "ul.files iframe")
                    assert len(frames) == 1
                    pdf_type = browser.execute_script(
                        "const r = new XMLHttpRequest(); r.open('GET', arguments[0], false); r.send();"
                        "return r.status + ' ' + r.getResponseHeader('Content-Type');",
                        frames[0].get_attribute("src"),
                    )
                    assert pdf_type == "200 application/pdf"
                    audio = browser.find_element(By.CSS_SELECTOR, "ul.files audio")
                    duration = wait.until(
                        lambda d: d.execute_script(
                            "const a = arguments[0]; if (a.readyState < 1) a.load(); "
                            "return a.readyState >= 1 && a.duration > 0 ? a.duration : null;", audio),
                        "the voice note's duration",
                    )  # fmt: skip
                    assert 1.0 < duration < 3.0
                    browser.execute_script("arguments[0].closest('li.msg').scrollIntoView()", images[0])
                    ARTIFACTS.mkdir(exist_ok=True)
                    browser.save_screenshot(str(ARTIFACTS / f"console-files-{channel}.png"))
            views = "SELECT count(*) FROM auditlog WHERE action = 'file_view'"
            assert query(database, views)[0][0] >= 6  # every opening is in the audit log
    finally:
        fakes.close()
