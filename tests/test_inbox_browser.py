"""Done-when for issue 14's first part, in two real headless Chromiums against `python -m bot run`: a
beneficiary asks for a person in the website chat; the researcher's console nav shows one waiting chat without
a reload and the fake Telegram staff group gets one alert; she assigns the chat to herself, answers with a
ready answer, and the beneficiary sees her name above the reply. Screenshot: tests/artifacts/console-inbox.png."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from tests.browser import ARTIFACTS, WAIT, chromium, require_browser, running_bot
from tests.conftest import FIXTURES
from tests.fakes.telegram_api import FakeBotApi

require_browser()

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from store.db import make_engine, make_sessions
from store.models import ReadyAnswer

TOKEN = "123456:" + "A" * 30
STAFF_GROUP = "-100123"
PASSWORD = "correct horse battery"
ANSWER = "يصرف الدعم في الأسبوع الأول من كل شهر، وسيصلك إشعار عند الصرف."


class _FakeTelegram:
    """The fake Bot API served from its own thread's event loop, for a server running in another process."""

    def __init__(self) -> None:
        self.ready, self.stop = threading.Event(), None
        self.api: FakeBotApi | None = None
        self.thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)

    async def _serve(self) -> None:
        self.stop = asyncio.Event()
        self.loop = asyncio.get_running_loop()
        async with FakeBotApi(TOKEN) as api:
            self.api = api
            self.ready.set()
            await self.stop.wait()

    def __enter__(self) -> FakeBotApi:
        self.thread.start()
        assert self.ready.wait(10), "the fake Telegram API did not start"
        return self.api

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(10)


def _staff_group(api: FakeBotApi) -> list[str]:
    """The alerts the staff group got (the weekly digest, due on a fresh database, goes there too)."""
    return [m["text"] for m in api.sent() if str(m["chat_id"]) == STAFF_GROUP and "/admin/digest" not in m["text"]]


async def _seed(url: str) -> None:
    """A researcher who answers live chats, and an Arabic ready answer an admin prepared."""
    from handlers.admin.staff import create_staff

    db = make_engine(url)
    sessions = make_sessions(db)
    noura = await create_staff(sessions, "noura", PASSWORD, "researcher", "نورة الباحثة")
    async with sessions() as tx, tx.begin():
        tx.add(ReadyAnswer(language="ar", title="موعد صرف الدعم", text=ANSWER, created_by=noura.id))
        tx.add(ReadyAnswer(language="ar", title="ساعات العمل", text="نعمل من الأحد إلى الخميس."))
    await db.dispose()


@pytest.fixture
def site(tmp_path: Path):
    """The app with Telegram on (the fake API), a staff group, handoff alerts marked urgent (the test may run
    at night), and a fast sweep."""
    profile = tmp_path / "profile.toml"
    profile.write_text((FIXTURES / "profile.toml").read_text("utf-8") + '\n[alerts]\nurgent = ["handoff"]\n', "utf-8")
    with _FakeTelegram() as api:
        settings = {
            "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_MODE": "polling", "TELEGRAM_API_BASE_URL": api.base_url,
            "TELEGRAM_STAFF_CHAT_ID": STAFF_GROUP, "SWEEP_SECONDS": "0.5", "PROFILE": str(profile),
        }  # fmt: skip
        with running_bot(tmp_path, **settings) as (base, database):
            asyncio.run(_seed(database))
            yield base, api


def _wait(driver, condition, what: str):
    waiter = WebDriverWait(driver, WAIT, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,))
    return waiter.until(condition, message=f"timed out waiting for {what}")


def _button(driver, label: str):
    def find(d):
        found = [b for b in d.find_elements(By.CSS_SELECTOR, "#log li.msg.bot .choices button") if b.text == label]
        return found[-1] if found else False

    return _wait(driver, find, f"a button «{label}»")


def _waiting_chats(driver) -> str | None:
    badge = driver.find_element(By.CSS_SELECTOR, "header nav .count.waiting_chats")
    return badge.text if badge.is_displayed() else None


def test_a_researcher_answers_a_live_chat_with_a_ready_answer(site, tmp_path: Path) -> None:
    base, api = site
    with chromium(tmp_path / "staff") as console, chromium(tmp_path / "visitor") as chat:
        console.get(f"{base}/admin/inbox")
        _wait(console, lambda d: d.find_elements(By.NAME, "username"), "the login form")
        console.find_element(By.NAME, "username").send_keys("noura")
        console.find_element(By.NAME, "password").send_keys(PASSWORD)
        console.find_element(By.CSS_SELECTOR, "form.login button").click()
        _wait(console, lambda d: d.find_elements(By.CSS_SELECTOR, "header nav .count.waiting_chats"), "the nav")
        assert _waiting_chats(console) is None  # nothing waiting yet
        console.execute_script("window.sameLoad = true")  # gone if the page reloads

        chat.get(base + "/")
        _button(chat, "العربية").click()
        _button(chat, "استفسار")
        chat.find_element(By.ID, "input").send_keys("أريد التحدث مع موظف")
        chat.find_element(By.ID, "send").click()
        chat.find_element(By.ID, "input").send_keys("موظف")
        chat.find_element(By.ID, "send").click()

        _wait(console, lambda d: _waiting_chats(d) == "1", "one waiting chat in the nav")
        assert console.execute_script("return window.sameLoad === true"), "the count came without a reload"
        changed = console.find_element(By.CSS_SELECTOR, "[data-refresh-on='waiting_chats']")
        _wait(console, lambda d: changed.is_displayed(), "the inbox offering to show the new chat")
        deadline = time.monotonic() + WAIT
        while not _staff_group(api) and time.monotonic() < deadline:
            time.sleep(0.1)
        [alert] = _staff_group(api)
        assert alert.startswith("مستفيد يطلب التحدث مع موظف (رقم المحادثة ")

        console.refresh()
        link = _wait(console, lambda d: d.find_elements(By.CSS_SELECTOR, "table.cards a[href^='/admin/inbox/']"),
                     "the chat in the inbox")  # fmt: skip
        reference = link[0].text
        assert reference in alert
        link[0].click()
        _wait(console, lambda d: reference in d.find_element(By.TAG_NAME, "h1").text, "the chat page")
        assert "موظف" in console.find_element(By.CSS_SELECTOR, "ol.transcript").text
        console.find_element(By.XPATH, "//button[text()='إسنادها إليّ']").click()
        _wait(console, lambda d: "مسندة إلى: أنا" in d.find_element(By.TAG_NAME, "main").text, "assigned to me")

        console.find_element(By.CSS_SELECTOR, ".ready-box summary").click()
        console.find_element(By.CSS_SELECTOR, ".ready-search").send_keys("صرف")
        visible = [b for b in console.find_elements(By.CSS_SELECTOR, ".ready-answer") if b.is_displayed()]
        assert [b.text for b in visible] == ["موعد صرف الدعم"]  # the search box filters them
        visible[0].click()
        assert console.find_element(By.ID, "reply-text").get_attribute("value") == ANSWER
        ARTIFACTS.mkdir(exist_ok=True)
        console.save_screenshot(str(ARTIFACTS / "console-inbox.png"))
        console.find_element(By.XPATH, "//button[text()='إرسال الرد']").click()

        reply = _wait(
            chat,
            lambda d: [e for e in d.find_elements(By.CSS_SELECTOR, "#log li.msg.bot") if ANSWER in e.text],
            "the researcher's reply in the website chat",
        )
        assert reply[-1].text.splitlines()[0] == "👤 نورة الباحثة:"  # her name above the reply
        chat.save_screenshot(str(ARTIFACTS / "webchat-staff-reply.png"))
    assert len(_staff_group(api)) == 1, "one alert for the chat, however many sweeps ran"
