"""The staff page in a real headless Chromium against `python -m bot run`, in Arabic: an admin lists the
accounts, disables one after reading what will happen, and lands on a page that says it is done; the walk-in
form fits a 390 px phone. Screenshots at 1280 and 390 px go to tests/artifacts/."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.browser import WAIT, chromium, require_browser, running_bot, status_of

require_browser()

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from store.db import make_engine, make_sessions  # noqa: E402
from tests.test_console_browser import _viewport, _whole_page  # noqa: E402

PASSWORD = "correct horse battery"


async def _seed(url: str) -> None:
    """An admin and two colleagues in the server's database."""
    from handlers.admin.staff import create_staff

    db = make_engine(url)
    sessions = make_sessions(db)
    await create_staff(sessions, "root", PASSWORD, "admin", "مدير الجمعية")
    await create_staff(sessions, "amal", PASSWORD, "researcher", "أمل الباحثة الاجتماعية")
    await create_staff(sessions, "saad.coordinator", PASSWORD, "coordinator", "سعد المنسق")
    await db.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    code = str(Path(__file__).resolve().parents[1])  # this checkout's code, whatever is installed
    with running_bot(tmp_path_factory.mktemp("staff-server"), PYTHONPATH=code) as (base, database):
        if status_of(f"{base}/admin/login") == 404:
            pytest.fail("/admin is not routed")
        asyncio.run(_seed(database))
        yield base


@pytest.fixture
def browser(tmp_path: Path):
    with chromium(tmp_path / "chrome") as driver:
        yield driver


def _no_sideways_overflow(driver) -> None:
    overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "nothing sticks out sideways on a 390 px phone"


def test_an_admin_disables_an_account_after_reading_what_happens(server: str, browser) -> None:
    _viewport(browser, 390, 844, mobile=True)
    browser.get(f"{server}/admin/staff")
    wait = WebDriverWait(browser, WAIT, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,))
    wait.until(lambda d: d.find_elements(By.NAME, "username"), message="the login form")
    browser.find_element(By.NAME, "username").send_keys("root")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.login button").click()
    wait.until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "حسابات الموظفين", message="the staff page")

    html = browser.find_element(By.TAG_NAME, "html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    rows = browser.find_element(By.CSS_SELECTOR, "table.cards").text
    assert "أمل الباحثة الاجتماعية" in rows and "باحث اجتماعي" in rows and "نشط" in rows
    _no_sideways_overflow(browser)
    _whole_page(browser, 390, True, "console-staff.png")
    _whole_page(browser, 1280, False, "console-staff-desktop.png")

    _viewport(browser, 390, 844, mobile=True)
    browser.find_element(By.LINK_TEXT, "amal").click()
    wait.until(lambda d: "amal" in d.find_element(By.TAG_NAME, "h1").text, message="amal's page")
    browser.find_element(By.LINK_TEXT, "إيقاف الحساب…").click()
    wait.until(lambda d: "إيقاف حساب amal" in d.find_element(By.TAG_NAME, "h1").text, message="the confirmation")
    effects = browser.find_element(By.TAG_NAME, "main").text
    assert "لن يتمكن هذا الموظف من تسجيل الدخول" in effects and "(0)" in effects
    _no_sideways_overflow(browser)
    browser.find_element(By.CSS_SELECTOR, "main form button").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".notice.done"), message="the page after disabling")
    assert browser.find_element(By.CSS_SELECTOR, ".notice.done").text == "أُوقف الحساب وأُنهيت جميع جلساته."
    assert "موقوف" in browser.find_element(By.CSS_SELECTOR, "dl.facts").text

    browser.get(f"{server}/admin/walk-ins/new")
    wait.until(lambda d: d.find_elements(By.NAME, "national_id"), message="the walk-in form")
    _no_sideways_overflow(browser)
    _whole_page(browser, 390, True, "console-walk-in.png")
