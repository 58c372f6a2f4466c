"""The settings page in a real headless Chromium against `python -m bot run`, in Arabic at 390 px: an admin
tries a question, edits the FAQ entry's answer, sees the try-it box give the new answer, and the website chat
answers the new way without a restart. Screenshots at 390 and 1280 px go to tests/artifacts/."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.browser import WAIT, chromium, require_browser, running_bot

require_browser()

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from store.db import make_engine, make_sessions  # noqa: E402
from tests.test_console_browser import _viewport, _whole_page  # noqa: E402
from tests.test_settings_processes import ask  # noqa: E402

PASSWORD = "correct horse battery"
NEW_ANSWER = "تبت اللجنة في طلبك خلال عشرة أيام عمل."


async def _seed(url: str) -> None:
    from handlers.admin.staff import create_staff

    db = make_engine(url)
    await create_staff(make_sessions(db), "root", PASSWORD, "admin", "مدير الجمعية")
    await db.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    with running_bot(tmp_path_factory.mktemp("settings-server")) as (base, database):
        asyncio.run(_seed(database))
        yield base


@pytest.fixture
def browser(tmp_path: Path):
    with chromium(tmp_path / "chrome") as driver:
        yield driver


def _no_sideways_overflow(driver) -> None:
    overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "nothing sticks out sideways on a 390 px phone"


def test_an_admin_edits_an_faq_answer_and_the_chat_answers_the_new_way(server: str, browser) -> None:
    _viewport(browser, 390, 844, mobile=True)
    browser.get(f"{server}/admin/settings")
    wait = WebDriverWait(
        browser, WAIT, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)
    )
    wait.until(lambda d: d.find_elements(By.NAME, "username"), message="the login form")
    browser.find_element(By.NAME, "username").send_keys("root")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.login button").click()
    wait.until(
        lambda d: d.find_element(By.TAG_NAME, "h1").text == "إعدادات الجمعية", message="the settings page"
    )
    html = browser.find_element(By.TAG_NAME, "html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")

    browser.find_element(By.NAME, "try").send_keys("متى يطلع الرد على طلبي")
    browser.find_element(By.CSS_SELECTOR, "#try form button").click()
    wait.until(lambda d: "درجة التطابق" in d.find_element(By.ID, "try").text, message="the try-it result")
    assert "خلال أسبوعين" in browser.find_element(By.ID, "try").text
    _no_sideways_overflow(browser)
    _whole_page(browser, 390, True, "console-settings.png")
    _whole_page(browser, 1280, False, "console-settings-desktop.png")

    _viewport(browser, 390, 844, mobile=True)
    browser.find_element(By.LINK_TEXT, "متى يطلع الرد على طلبي").click()
    wait.until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "تعديل سؤال", message="the entry's form")
    answer = browser.find_element(By.NAME, "answer_ar")
    answer.clear()
    answer.send_keys(NEW_ANSWER)
    _no_sideways_overflow(browser)
    _whole_page(browser, 390, True, "console-settings-faq.png")
    _viewport(browser, 390, 844, mobile=True)
    browser.find_element(By.CSS_SELECTOR, "main form button").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".notice.done"), message="the page after saving")
    assert browser.find_element(By.CSS_SELECTOR, ".notice.done").text == "حُفظ السؤال، ويجيب به المساعد الآلي الآن."

    browser.find_element(By.NAME, "try").send_keys("متى يطلع الرد على طلبي")
    browser.find_element(By.CSS_SELECTOR, "#try form button").click()
    wait.until(
        lambda d: NEW_ANSWER in d.find_element(By.ID, "try").text, message="the try-it box's new answer"
    )
    assert NEW_ANSWER in asyncio.run(ask(server, "متى يطلع الرد على طلبي؟"))  # the web chat, no restart
