"""The website chat in a real browser: a help request with a PDF attached through the attach button,
completed, and the PDF visible to a researcher on the request's page (screenshots in tests/artifacts/)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from tests.browser import ARTIFACTS, WAIT, chromium, require_browser, running_bot

require_browser()

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from tests.samples import PDF  # noqa: E402
from tests.test_files_browser import PASSWORD, _researcher  # noqa: E402


def _bot_count(driver) -> int:
    return len(driver.find_elements(By.CSS_SELECTOR, "#log .msg.bot"))


def test_a_help_request_with_a_pdf_from_the_website_reaches_staff(tmp_path: Path) -> None:
    document = tmp_path / "سجل الأسرة.pdf"
    document.write_bytes(PDF)
    with running_bot(tmp_path) as (base, database), chromium(tmp_path / "chrome") as browser:
        asyncio.run(_researcher(database))
        stale = (StaleElementReferenceException,)
        wait = WebDriverWait(browser, WAIT, poll_frequency=0.1, ignored_exceptions=stale)

        def pick(key: str) -> None:
            before = _bot_count(browser)
            css = f'button[data-choice="{key}"]:not([disabled])'
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, css), f"the button {key}")[-1].click()
            wait.until(lambda d: _bot_count(d) > before, f"the answer to {key}")

        def say(words: str) -> None:
            before = _bot_count(browser)
            box = browser.find_element(By.ID, "input")
            box.send_keys(words)
            box.send_keys(Keys.ENTER)
            wait.until(lambda d: _bot_count(d) > before, f"the answer to {words}")

        browser.get(base)
        for step in ("lang:ar", "menu:help_request", "help:agree"):
            pick(step)
        assert browser.find_element(By.ID, "attach").get_attribute("hidden") is not None  # no files asked yet
        for words in ("نورة محمد الحربي", "1012345672", "0501234567"):
            say(words)
        pick("help:city:bukayriyah")  # a national ID: no residency question
        say("خمسة")
        for step in ("help:income:none", "help:category:food"):
            pick(step)
        say("نحتاج سلة غذائية هذا الشهر")
        shown = wait.until(lambda d: d.find_element(By.ID, "attach").is_displayed(), "the attach button")
        assert shown  # at the documents step
        before = _bot_count(browser)
        chooser = browser.find_element(By.ID, "file")
        browser.execute_script("arguments[0].hidden = false;", chooser)  # what the attach button opens
        chooser.send_keys(str(document))
        wait.until(lambda d: "سجل الأسرة.pdf" in d.find_element(By.ID, "log").text, "the file in the chat")
        last_is_bot = "return document.querySelector('#log li:last-child').classList.contains('bot')"
        wait.until(lambda d: _bot_count(d) > before and d.execute_script(last_is_bot), "the answer to the PDF")
        browser.execute_script("arguments[0].hidden = true;", chooser)
        for step in ("help:docs_done", "help:confirm", "help:declare"):
            pick(step)
        ARTIFACTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "webchat-help-request-with-pdf.png"))
        with sqlite3.connect(database.split("///", 1)[1]) as db:
            [(reference,)] = db.execute("SELECT reference FROM helprequest").fetchall()
        assert reference in browser.find_element(By.ID, "log").text

        browser.get(f"{base}/admin/login")
        browser.find_element(By.NAME, "username").send_keys("noura")
        browser.find_element(By.NAME, "password").send_keys(PASSWORD)
        browser.find_element(By.CSS_SELECTOR, "form.login button").click()
        wait.until(lambda d: "/admin/requests" in d.current_url, "the queue")
        browser.get(f"{base}/admin/requests/{reference}")
        frame = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "ul.files iframe"), "the PDF preview")
        loaded = browser.execute_script(
            "const r = new XMLHttpRequest(); r.open('GET', arguments[0], false); r.send();"
            "return r.status + ' ' + r.getResponseHeader('Content-Type');",
            frame.get_attribute("src"),
        )
        assert loaded == "200 application/pdf"
        assert "سجل الأسرة.pdf" in browser.find_element(By.CSS_SELECTOR, "ul.files").text
        browser.execute_script("arguments[0].scrollIntoView()", frame)
        browser.save_screenshot(str(ARTIFACTS / "console-request-web-pdf.png"))
