"""The staff console in a real headless Chromium against `python -m bot run`: a researcher signs in and opens
a request, on a 390 px phone and on a desktop; screenshots go to tests/artifacts/."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from pathlib import Path

import pytest


from tests.browser import ARTIFACTS, WAIT, chromium, require_browser, running_bot, status_of

require_browser()

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from store.crypto import Keyring  # noqa: E402
from store.db import make_engine, make_sessions  # noqa: E402
from store.models import Beneficiary, HelpRequest, RequestEvent, utcnow  # noqa: E402

PASSWORD = "correct horse battery"
NATIONAL_ID = "1087654321"
DESCRIPTION = "أسرة من ستة أفراد، الأب متوفى والأم لا تعمل، ونحتاج سلة غذائية شهرية حتى نهاية العام."


async def _seed(url: str) -> None:
    """A researcher and an overdue request with a long Arabic description, in the server's database."""
    from handlers.admin.staff import create_staff

    db = make_engine(url)
    sessions = make_sessions(db)
    await create_staff(sessions, "noura", PASSWORD, "researcher", "نورة الباحثة")
    keyring = Keyring([k for k in os.environ["DATA_KEYS"].split(",") if k])
    now = utcnow()
    async with sessions() as tx, tx.begin():
        person = Beneficiary(display_name="Sara", language="ar")
        tx.add(person)
        await tx.flush()
        row = HelpRequest(
            reference="R-7K3P9Q",
            beneficiary_id=person.id,
            conversation_key="web:browser-seed",
            channel="web",
            category="food",
            city="bukayriyah",
            residency="citizen",
            household_size=6,
            income_bracket="under_3000",
            description=DESCRIPTION,
            full_name_enc=keyring.encrypt("سارة محمد عبدالله القحطاني"),
            national_id_enc=keyring.encrypt(NATIONAL_ID),
            phone="+966500000001",
            flags=["not_resident"],
            due_at=now - timedelta(days=1),
            submitted_at=now - timedelta(days=15),
            updated_at=now,
        )
        tx.add(row)
        await tx.flush()
        detail = {"flags": ["not_resident"]}
        tx.add(
            RequestEvent(
                request_id=row.id, at=row.submitted_at, actor="beneficiary", kind="submitted", detail=detail
            )
        )
    await db.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """The real app with a researcher and an overdue request seeded; yields its base URL."""
    with running_bot(tmp_path_factory.mktemp("console-server")) as (base, database):
        if status_of(f"{base}/admin/login") == 404:
            pytest.fail("/admin is not routed: bot/routes.py must call setup_admin_routes(app)")
        asyncio.run(_seed(database))
        yield base


@pytest.fixture
def browser(tmp_path: Path):
    with chromium(tmp_path / "chrome") as driver:
        yield driver


def _viewport(driver, width: int, height: int, mobile: bool) -> None:
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def _whole_page(driver, width: int, mobile: bool, name: str) -> None:
    """A screenshot of the whole page at this width."""
    _viewport(driver, width, 800, mobile)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    _viewport(driver, width, height, mobile)
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / name))


def test_a_researcher_reads_a_request_on_a_phone_and_on_a_desktop(server: str, browser) -> None:
    _viewport(browser, 390, 844, mobile=True)
    browser.get(f"{server}/admin/requests/R-7K3P9Q")
    WebDriverWait(browser, WAIT).until(
        lambda d: d.find_elements(By.NAME, "username"), message="the login form"
    )
    browser.find_element(By.NAME, "username").send_keys("noura")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.login button").click()
    wait = WebDriverWait(
        browser, WAIT, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)
    )
    wait.until(lambda d: "R-7K3P9Q" in d.find_element(By.TAG_NAME, "h1").text, message="the request page")

    html = browser.find_element(By.TAG_NAME, "html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    facts = browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    assert NATIONAL_ID in facts and "سارة محمد عبدالله القحطاني" in facts
    overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "nothing sticks out sideways on a 390 px phone"
    _whole_page(browser, 390, True, "console-request.png")
    _whole_page(browser, 1280, False, "console-request-desktop.png")
