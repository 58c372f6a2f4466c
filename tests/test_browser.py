"""The website chat in a real headless Chromium against the real app: what a beneficiary actually sees."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def _binary(path: str) -> str | None:
    return path if Path(path).is_file() and os.access(path, os.X_OK) else shutil.which(Path(path).name)


CHROMIUM, CHROMEDRIVER = _binary("/usr/bin/chromium"), _binary("/usr/bin/chromedriver")
if not (CHROMIUM and CHROMEDRIVER):
    _missing = " and ".join(n for n, p in (("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER)) if not p)
    _reason = f"headless browser test needs {_missing} (apt-get install chromium chromium-driver)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(_reason, pytrace=False)
    pytest.skip(_reason, allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

TESTS = Path(__file__).resolve().parent
ARTIFACTS = TESTS / "artifacts"
WAIT = 10
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--disable-quic", "--window-size=1280,800"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """`python -m bot run` on a free port, a fresh SQLite file and the test profile; yields the base URL."""
    home = tmp_path_factory.mktemp("server")
    port = _free_port()
    env = os.environ | {
        "HOST": "127.0.0.1", "PORT": str(port), "LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"sqlite+aiosqlite:///{home / 'browser.sqlite3'}",
        "PROFILE": str(TESTS / "fixtures" / "profile.toml"),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    out = open(home / "server.log", "wb")  # a file, not a pipe: a chatty server never blocks
    command = [sys.executable, "-m", "bot", "run"]
    proc = subprocess.Popen(command, cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            out.close()
            output = (home / "server.log").read_text(errors="replace")
            pytest.fail(f"the app did not answer /healthz within 20 s:\n{output}")
        time.sleep(0.1)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    out.close()


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fresh headless Chromium (its own profile, so its own cookie); never downloads anything."""
    monkeypatch.setenv("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + [f"--user-data-dir={tmp_path / 'chrome'}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


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
    _await_bot(browser, "تم اختيار اللغة العربية.")

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
