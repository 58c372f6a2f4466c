"""Every console page on a 390 px phone in a real Chromium, in Arabic and English: nothing scrolls sideways (a wide table may scroll
inside its own wrapper), and the nav folds into a menu that opens. One seeded app, one browser for all pages;
screenshots of the request page, the inbox and the opened menu go to tests/artifacts/. And the program form's
Hijri date follows the day picked."""

from __future__ import annotations

import asyncio
import struct
import zlib
from pathlib import Path

import pytest

from tests.browser import ARTIFACTS, WAIT, chromium, require_browser

require_browser()

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from bot.appkeys import DISPATCHER  # noqa: E402
from tests.test_console_inbox_files import chat_on  # noqa: E402

from tests.test_console_support import PASSWORD  # noqa: E402
from tests.test_edge_params import console as console  # noqa: E402
from tests.test_edge_params import routes, seeded, valid_path

WIDTH = 390
NOT_PAGES = (".csv", ".xlsx", "/files/", "/counts", "/logout", "/login")  # downloads, JSON, the sign-in itself


def _phone(driver, height: int = 844) -> None:
    metrics = {"width": WIDTH, "height": height, "deviceScaleFactor": 1, "mobile": True}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def _screenshot(driver, name: str) -> None:
    """The whole page at 390 px."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    _phone(driver, min(height, 6000))
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / name))
    _phone(driver)


def _sign_in(driver, base: str, username: str) -> None:
    _phone(driver)
    driver.get(f"{base}/admin/login")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form.login button").click()
    WebDriverWait(driver, WAIT).until(lambda d: "/admin/login" not in d.current_url, "the sign-in")


def _visit(driver, base: str, paths: list[str], lang: str) -> list[tuple[str, str, int, str]]:
    """Opens each path at 390 px in `lang`; (language, path, page width, the elements wider than the phone) of
    each page that is too wide."""
    driver.get(f"{base}/admin/requests?lang={lang}")  # the console remembers the language
    too_wide = []
    for path in paths:
        driver.get(f"{base}{path}")
        assert driver.find_elements(By.TAG_NAME, "main"), f"{path} is a console page"
        width = driver.execute_script("return document.documentElement.scrollWidth")
        if width > WIDTH:
            culprit = driver.execute_script(
                """const wide = e => e.getBoundingClientRect().width > arguments[0] + 1;
                const deepest = [...document.querySelectorAll('body *')].filter(e => wide(e) &&
                  ![...e.children].some(wide));
                return deepest.map(e => e.outerHTML.slice(0, 120)).join(' | ');""",
                WIDTH,
            )
            too_wide.append((lang, path, width, culprit))
        if path.startswith("/admin/requests/R-"):
            _screenshot(driver, f"console-width-request-{lang}.png")
        elif path.startswith("/admin/inbox/"):
            _screenshot(driver, f"console-width-inbox-{lang}.png")
    return too_wide


def _menu(driver, base: str) -> tuple[bool, bool]:
    """Whether the nav's links are hidden behind the menu button, and visible once it is pressed."""
    driver.get(f"{base}/admin/requests")
    link = driver.find_element(By.CSS_SELECTOR, "header nav a[href='/admin/inbox']")
    hidden = not link.is_displayed()
    driver.find_element(By.CSS_SELECTOR, "header details.menu summary").click()
    shown = link.is_displayed()
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "console-width-menu.png"))
    return hidden, shown


def _hijri_beside_the_picker(driver, base: str) -> str:
    """The Hijri date the program form shows once a start day is picked."""
    driver.get(f"{base}/admin/programs/new")
    driver.execute_script(
        """const picker = document.querySelector('input[name="starts_at"]');
        picker.value = '2026-12-20T17:00'; picker.dispatchEvent(new Event('input'));"""
    )
    return driver.find_element(By.CSS_SELECTOR, '[data-hijri-for="starts_at"]').text


def _png(width: int = 600, height: int = 300) -> bytes:
    """A plain green picture, wider than the phone (it must shrink to fit its bubble)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + b"\x1f\x6f\x5c" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_every_console_page_fits_a_390_px_phone(console, tmp_path: Path):  # noqa: F811
    ids = await seeded(console)
    admin = await console.staff("admin", "wide-admin")
    await console.login(admin.username)  # a reply with a photo, so the chat shows a file staff sent
    inbox = "/admin/inbox/H-000001"
    photo = [("text", "صورة الإيصال", {}), ("file", _png(), {"filename": "receipt.png", "content_type": "image/png"})]
    assert (await console.post(f"{inbox}/reply", photo, inbox)).status == 303
    paths = [
        valid_path(formatter, ids)
        for method, formatter in routes(console.app)
        if method == "GET" and formatter.startswith("/admin") and not any(n in formatter for n in NOT_PAGES)
    ]
    assert {"/admin/requests/R-7K3P9Q", "/admin/inbox/H-000001", "/admin/programs/1/edit"} <= set(paths)
    base = str(console.client.make_url("")).rstrip("/")
    with chromium(tmp_path / "chrome") as driver:
        await asyncio.to_thread(_sign_in, driver, base, admin.username)
        too_wide = await asyncio.to_thread(_visit, driver, base, paths, "en")
        too_wide += await asyncio.to_thread(_visit, driver, base, paths, "ar")
        assert too_wide == [], "\n".join(map(str, too_wide))
        hidden, shown = await asyncio.to_thread(_menu, driver, base)
        hijri = await asyncio.to_thread(_hijri_beside_the_picker, driver, base)
    assert "رجب" in hijri and "1448" in hijri, hijri  # 20 December 2026 is 11 Rajab 1448
    assert hidden and shown, "on a phone the nav is a menu that opens"


def _chat_cookie(driver, base: str) -> str:
    """The website chat opened on the phone; its visitor cookie."""
    _phone(driver)
    driver.get(f"{base}/")
    return driver.get_cookie("frontdesk_chat")["value"]


def _photo_in_the_chat(driver, base: str) -> tuple[int, str]:
    """The chat reopened: the photo staff sent (its width once loaded) and its link's text."""
    driver.get(f"{base}/")
    WebDriverWait(driver, WAIT).until(
        lambda d: d.execute_script("const i = document.querySelector('.msg .file img'); return i && i.complete"),
        message="the photo staff sent",
    )
    width = driver.execute_script("return document.querySelector('.msg .file img').naturalWidth")
    link = driver.find_element(By.CSS_SELECTOR, ".msg .file a").text
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "webchat-staff-photo.png"))
    return width, link


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_the_web_chat_shows_a_photo_staff_sent(console, tmp_path: Path):  # noqa: F811
    with chromium(tmp_path / "chrome") as driver:
        base = str(console.client.make_url("")).rstrip("/")
        cookie = await asyncio.to_thread(_chat_cookie, driver, base)
        await chat_on(console, "web", cookie.split(".")[0], "H-WEB001")
        await console.signed_in_as("researcher")
        inbox = "/admin/inbox/H-WEB001"
        photo = [("text", "صورة الإيصال", {}), ("file", _png(), {"filename": "إيصال.png", "content_type": "image/png"})]
        assert (await console.post(f"{inbox}/reply", photo, inbox)).status == 303
        await console.app[DISPATCHER].run_once()
        width, link = await asyncio.to_thread(_photo_in_the_chat, driver, base)
    assert width == 600 and "إيصال.png" in link
