"""The website chat in the communities' languages, in a real headless Chromium on the sha3af profile: a first
message in Urdu turns the page to Urdu, right to left, in Nastaliq; one in Bengali turns it to Bengali; every
letter shown finds a font (no empty boxes). Screenshots go to tests/artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import ARTIFACTS, WAIT, chromium, require_browser, running_bot

require_browser()

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

# The letters of the shown text drawn exactly as the empty box an unknown code point gets, in the bubble's font.
TOFU = """
const el = arguments[0];
const canvas = document.createElement("canvas");
canvas.width = canvas.height = 96;
const ctx = canvas.getContext("2d", { willReadFrequently: true });
const draw = (ch) => {
  ctx.clearRect(0, 0, 96, 96);
  ctx.font = getComputedStyle(el).font;
  ctx.fillText(ch, 16, 64);
  return ctx.getImageData(0, 0, 96, 96).data.join(",");
};
const box = draw("\\u{10FFFD}");
const letters = [...new Set([...el.innerText].filter((ch) => /\\p{L}/u.test(ch)))];
return letters.filter((ch) => draw(ch) === box);
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    with running_bot(tmp_path_factory.mktemp("server"), PROFILE="sha3af") as (base, _database):
        yield base


@pytest.fixture
def browser(tmp_path: Path):
    with chromium(tmp_path / "chrome") as driver:
        yield driver


def _wait(driver, condition, what: str):
    waiter = WebDriverWait(driver, WAIT, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,))
    return waiter.until(condition, message=f"timed out waiting for {what}")


def _bot_bubble(driver, containing: str):
    def find(d):
        found = [e for e in d.find_elements(By.CSS_SELECTOR, "#log li.msg.bot") if containing in e.text]
        return found[-1] if found else False
    return _wait(driver, find, f"a bot message containing «{containing}»")


def _say(driver, text: str) -> None:
    box = driver.find_element(By.ID, "input")
    box.clear()
    box.send_keys(text)
    driver.find_element(By.ID, "send").click()


def _page_in(driver, lang: str) -> None:
    # read in one script call: an element looked up first may belong to a page the switch has just replaced
    _wait(driver, lambda d: d.execute_script("return document.documentElement.lang") == lang, f"the page in {lang}")


@pytest.mark.parametrize(
    "lang, direction, first, menu, font, labels",
    [
        ("ur", "rtl", "السلام علیکم، مجھے مدد چاہیے", "آج ہم آپ کی کیا خدمت کر سکتے ہیں؟", "Noto Nastaliq Urdu", ("بھیجیں", "اپنا پیغام یہاں لکھیں…")),
        ("bn", "ltr", "আসসালামু আলাইকুম, আমার সাহায্য দরকার", "আজ আমরা আপনাকে কীভাবে সাহায্য করতে পারি?", "Noto Sans Bengali", ("পাঠান", "আপনার বার্তা এখানে লিখুন…")),
    ],
)
def test_the_web_chat_follows_the_language_of_the_first_message(server, browser, lang, direction, first, menu, font, labels):
    browser.get(server + "/")
    _bot_bubble(browser, "اختر اللغة / Choose your language")
    _say(browser, first)
    _page_in(browser, lang)
    html = browser.find_element(By.TAG_NAME, "html")
    assert html.get_attribute("dir") == direction
    bubble = _bot_bubble(browser, menu)

    send, box = browser.find_element(By.ID, "send"), browser.find_element(By.ID, "input")
    assert (send.text, box.get_attribute("placeholder")) == labels  # the chat's own labels, in that language
    assert font in bubble.value_of_css_property("font-family")
    assert browser.execute_script(TOFU, bubble) == []
    buttons = bubble.find_elements(By.CSS_SELECTOR, ".choices button")
    assert buttons and all(browser.execute_script(TOFU, b) == [] for b in buttons)
    left, right = (browser.execute_script("return arguments[0].getBoundingClientRect()." + side, bubble) for side in ("left", "right"))
    log_box = browser.execute_script("return arguments[0].getBoundingClientRect()", browser.find_element(By.ID, "log"))
    if direction == "rtl":  # a bot bubble starts on the right in a right-to-left page
        assert log_box["right"] - right < log_box["right"] - log_box["left"] - (right - left) - 1
    else:
        assert left - log_box["left"] < log_box["right"] - right
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / f"webchat-{lang}.png"))
