"""The reports in a real headless Chromium against `python -m bot run`: a viewer signs in, opens the report of
November 2026 and reads a figure; screenshots (desktop and phone) go to tests/artifacts/."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.browser import ARTIFACTS, WAIT, chromium, require_browser, running_bot, status_of

require_browser()

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from store.db import make_engine, make_sessions  # noqa: E402
from tests.test_console_reports import seed  # noqa: E402

PASSWORD = "correct horse battery"
REPORT = "/admin/reports?month=2026-11"


async def _seed(url: str) -> None:
    """A viewer, and the hand-worked fixture of the report tests, in the server's database."""
    from handlers.admin.staff import create_staff

    db = make_engine(url)
    sessions = make_sessions(db)
    await create_staff(sessions, "huda", PASSWORD, "viewer", "هدى")
    await seed(sessions)
    await db.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    with running_bot(tmp_path_factory.mktemp("report-server")) as (base, database):
        if status_of(f"{base}/admin/login") == 404:
            pytest.fail("/admin is not routed: bot/routes.py must call setup_admin_routes(app)")
        asyncio.run(_seed(database))
        yield base


@pytest.fixture
def browser(tmp_path: Path):
    with chromium(tmp_path / "chrome") as driver:
        yield driver


def _shot(driver, width: int, mobile: bool, name: str) -> None:
    """A screenshot of the whole page at this width."""
    metrics = {"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": mobile}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics | {"height": height})
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / name))


def test_a_viewer_reads_the_monthly_report(server: str, browser) -> None:
    browser.get(f"{server}{REPORT}")
    wait = WebDriverWait(browser, WAIT, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,))
    wait.until(lambda d: d.find_elements(By.NAME, "username"), message="the login form")
    browser.find_element(By.NAME, "username").send_keys("huda")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.login button").click()
    wait.until(lambda d: d.find_elements(By.ID, "fig-r_average"), message="the report page")

    html = browser.find_element(By.TAG_NAME, "html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    assert browser.find_element(By.ID, "fig-r_average").text == "3.43"
    assert browser.find_element(By.ID, "fig-r_csat").text == "57.1%"
    charts = browser.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert len(charts) == 2 and all(chart.size["height"] > 100 for chart in charts)
    _shot(browser, 1280, False, "console-report.png")
    _shot(browser, 390, True, "console-report-phone.png")
    overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "nothing sticks out sideways on a 390 px phone"

    browser.get(f"{server}/admin/reports/monthly?month=2026-11")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".cover .month"), message="the printable report")
    assert "1448" in browser.find_element(By.CSS_SELECTOR, ".cover .month").text
    _shot(browser, 1280, False, "console-report-monthly.png")
