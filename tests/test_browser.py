"""The website chat in a real headless Chromium against the real app: what a beneficiary actually sees."""

from __future__ import annotations

from pathlib import Path

import pytest


from tests.browser import ARTIFACTS, WAIT, chromium, require_browser, running_bot

require_browser()

from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """The real app on a fresh SQLite file and the test profile; yields its base URL."""
    with running_bot(tmp_path_factory.mktemp("server")) as (base, _database):
        yield base


@pytest.fixture
def browser(tmp_path: Path):
    with chromium(tmp_path / "chrome") as driver:
        yield driver


def _wait(driver, condition, what: str):
    stale = (StaleElementReferenceException,)  # a reload replaces every element
    waiter = WebDriverWait(driver, WAIT, poll_frequency=0.1, ignored_exceptions=stale)
    return waiter.until(condition, message=f"timed out waiting for {what}")


def _bubbles(driver, who: str, containing: str) -> list:
    return [e for e in driver.find_elements(By.CSS_SELECTOR, f"#log li.msg.{who}") if containing in e.text]


def _button(driver, label: str):
    """The newest choice button with exactly this label, once it is on screen."""
    def find(d):
        buttons = d.find_elements(By.CSS_SELECTOR, "#log li.msg.bot .choices button")
        found = [b for b in buttons if b.text == label]
        return found[-1] if found else False
    return _wait(driver, find, f"a button «{label}»")


def _say(driver, text: str) -> None:
    box = driver.find_element(By.ID, "input")
    box.clear()
    box.send_keys(text)
    driver.find_element(By.ID, "send").click()


def _await_bot(driver, containing: str) -> None:
    _wait(driver, lambda d: _bubbles(d, "bot", containing), f"a bot message containing «{containing}»")


def test_arabic_conversation_survives_reload_and_switches_to_english(server: str, browser) -> None:
    question, answer = "كيف أقدّم على المساعدة؟", "يمكنك التقديم من خيار"
    browser.get(server + "/")
    html = browser.find_element(By.TAG_NAME, "html")
    assert (html.get_attribute("dir"), html.get_attribute("lang")) == ("rtl", "ar")

    _await_bot(browser, "أهلاً وسهلاً بك في جمعية الاختبار")
    _button(browser, "العربية").click()
    _button(browser, "استفسار")
    _await_bot(browser, "ستكون المحادثة باللغة العربية.")

    _say(browser, question)
    _await_bot(browser, answer)
    assert _bubbles(browser, "me", question), "the question typed is shown as the user's bubble"
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "webchat-ar.png"))

    browser.refresh()
    _await_bot(browser, answer)
    _wait(browser, lambda d: _bubbles(d, "me", question), "the user's question after the reload")
    assert len(_bubbles(browser, "bot", answer)) == 1, "the answer is shown once after the reload"
    assert len(_bubbles(browser, "me", question)) == 1, "the question is shown once after the reload"
    assert not _bubbles(browser, "bot", "أهلاً بعودتك"), "a reload continues; it does not restart"

    _say(browser, "متى يطلع الرد على طلبي")
    _await_bot(browser, "خلال أسبوعين")

    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, "switch").click()
    _wait(browser, lambda d: d.find_element(By.TAG_NAME, "html").id != old.id, "the page to reload")
    _wait(browser, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("dir") == "ltr", 'dir="ltr"')
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    _await_bot(browser, "English selected.")
    assert browser.find_element(By.ID, "switch").text == "العربية"


def test_markup_typed_into_the_chat_is_shown_as_text(server: str, browser) -> None:
    payload = "<img src=x onerror=alert(1)>"
    browser.get(server + "/")
    _await_bot(browser, "أهلاً وسهلاً بك")
    _say(browser, payload)
    mine = (By.CSS_SELECTOR, "#log li.msg.me")
    _wait(browser, lambda d: [e for e in d.find_elements(*mine) if e.text == payload], "the markup as text")
    _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#log li.msg.bot")) >= 2, "the bot's reply")
    assert browser.find_elements(By.CSS_SELECTOR, "#log img, #log script") == []
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018  (reading it is how to ask whether an alert is open)


def test_messages_typed_in_quick_succession_are_all_answered(server: str, browser) -> None:
    browser.get(server + "/")
    _button(browser, "العربية").click()
    _button(browser, "استفسار")
    box = browser.find_element(By.ID, "input")
    box.send_keys("ما هي الأوراق المطلوبة\n")  # Enter sends; the second is typed before the first is answered
    box.send_keys("متى يطلع الرد على طلبي\n")
    _await_bot(browser, "خلال أسبوعين")
    _await_bot(browser, "الهوية الوطنية")
    mine = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#log li.msg.me")]
    assert mine[-2:] == ["ما هي الأوراق المطلوبة", "متى يطلع الرد على طلبي"]
    enabled = [b for b in browser.find_elements(By.CSS_SELECTOR, "#log .choices button") if b.is_enabled()]
    assert {b.text for b in enabled} == {"سؤال آخر", "التحدث مع موظف", "القائمة الرئيسية"}, "old buttons retire"
