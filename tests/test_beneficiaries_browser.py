"""The beneficiary list and a beneficiary's page in a real headless Chromium against `python -m bot run`, in
Arabic, on a 390 px phone (nothing sticks out sideways) and a 1280 px desktop; screenshots go to tests/artifacts/."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta

import pytest

from tests.browser import ARTIFACTS, WAIT, chromium, require_browser, running_bot, status_of

require_browser()

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from store.crypto import Keyring
from store.db import make_engine, make_sessions
from store.models import (
    Beneficiary,
    ChannelIdentity,
    Complaint,
    HelpRequest,
    InboundMessage,
    OutboxMessage,
    RequestEvent,
    utcnow,
)

PASSWORD = "correct horse battery"
NATIONAL_ID = "1087654321"
NAME = "سارة محمد عبدالله القحطاني"
PHONE = "+966501234567"


async def _seed(url: str) -> int:
    """A researcher, and a beneficiary on WhatsApp with a decided request, a complaint and messages."""
    from handlers.admin.staff import create_staff

    db = make_engine(url)
    sessions = make_sessions(db)
    await create_staff(sessions, "noura", PASSWORD, "researcher", "نورة الباحثة")
    keyring = Keyring([k for k in os.environ["DATA_KEYS"].split(",") if k])
    now, key = utcnow(), f"whatsapp:{PHONE}"
    async with sessions() as tx, tx.begin():
        for n in range(3):
            tx.add(
                Beneficiary(display_name=f"مستفيد {n}", full_name_enc=keyring.encrypt(f"مستفيد تجريبي {n}"))
            )
        person = Beneficiary(
            display_name="Sara", full_name_enc=keyring.encrypt(NAME), national_id_enc=keyring.encrypt(NATIONAL_ID),
            national_id_hash=keyring.id_hash(NATIONAL_ID), phone=PHONE, city="bukayriyah", category="food",
            notes_enc=keyring.encrypt("أسرة من ستة أفراد، تُزار في نهاية كل شهر للتأكد من احتياجها."),
        )  # fmt: skip
        tx.add(person)
        await tx.flush()
        tx.add(
            ChannelIdentity(
                channel="whatsapp", external_id=PHONE, beneficiary_id=person.id, last_inbound_at=now
            )
        )
        tx.add(
            InboundMessage(
                channel="whatsapp",
                provider_message_id="SM1",
                sender_id=PHONE,
                conversation_key=key,
                text="متى يصل قرار طلبي؟ مضى أسبوعان على تقديمه",
                status="processed",
                received_at=now - timedelta(days=1),
            )
        )
        row = HelpRequest(
            reference="H-7K3P9Q", beneficiary_id=person.id, conversation_key=key, channel="whatsapp",
            status="accepted", category="food", city="bukayriyah", residency="citizen", household_size=6,
            income_bracket="under_3000", full_name_enc=keyring.encrypt(NAME),
            national_id_enc=keyring.encrypt(NATIONAL_ID), phone=PHONE, due_at=now + timedelta(days=3),
            submitted_at=now - timedelta(days=15), decided_at=now - timedelta(days=2), updated_at=now,
        )  # fmt: skip
        tx.add(row)
        await tx.flush()
        tx.add(
            RequestEvent(
                request_id=row.id,
                at=now - timedelta(days=2),
                actor="staff:1",
                kind="decided",
                detail={"status": "accepted", "text": "تُسلَّم السلة الغذائية يوم الأحد من مقر الجمعية"},
            )
        )
        tx.add(
            Complaint(
                reference="C-4M2X8Z",
                beneficiary_id=person.id,
                conversation_key=key,
                channel="whatsapp",
                kind="complaint",
                text="تأخر الرد على طلبي أكثر من أسبوعين دون أي إشعار",
                due_at=now + timedelta(days=5),
                created_at=now - timedelta(days=1),
            )
        )
        tx.add(
            OutboxMessage(
                channel="whatsapp",
                recipient=PHONE,
                conversation_key=key,
                status="delivered",
                payload={"text": "قُبل طلبك H-7K3P9Q، وتُسلَّم السلة الغذائية يوم الأحد من مقر الجمعية."},
                created_at=now - timedelta(days=2),
            )
        )
    await db.dispose()
    return person.id


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    with running_bot(tmp_path_factory.mktemp("beneficiaries-server")) as (base, database):
        if status_of(f"{base}/admin/login") == 404:
            pytest.fail("/admin is not routed: bot/routes.py must call setup_admin_routes(app)")
        yield base, asyncio.run(_seed(database))


@pytest.fixture
def browser(tmp_path):
    with chromium(tmp_path / "chrome") as driver:
        yield driver


def _viewport(driver, width: int, height: int, mobile: bool) -> None:
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def _overflow(driver) -> int:
    return driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")


def _shots(driver, name: str) -> None:
    """Whole-page screenshots at 390 px (asserting nothing sticks out sideways) and at 1280 px."""
    ARTIFACTS.mkdir(exist_ok=True)
    for width, mobile, suffix in ((390, True, ""), (1280, False, "-desktop")):
        _viewport(driver, width, 800, mobile)
        if mobile:
            assert _overflow(driver) <= 0, f"{name}: nothing sticks out sideways on a 390 px phone"
        height = driver.execute_script("return document.documentElement.scrollHeight")
        _viewport(driver, width, height, mobile)
        driver.save_screenshot(str(ARTIFACTS / f"{name}{suffix}.png"))


def test_a_researcher_finds_a_beneficiary_and_reads_their_page_on_a_phone_and_a_desktop(
    server, browser
) -> None:
    base, person_id = server
    _viewport(browser, 390, 844, mobile=True)
    browser.get(f"{base}/admin/beneficiaries")
    wait = WebDriverWait(
        browser, WAIT, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)
    )
    wait.until(lambda d: d.find_elements(By.NAME, "username"), message="the login form")
    browser.find_element(By.NAME, "username").send_keys("noura")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.login button").click()
    wait.until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "المستفيدون", message="the list")
    html = browser.find_element(By.TAG_NAME, "html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    assert "عدد السجلات: 4" in browser.find_element(By.CSS_SELECTOR, "main").text
    _shots(browser, "console-beneficiaries")

    _viewport(browser, 390, 844, mobile=True)
    box = browser.find_element(By.NAME, "q")
    box.send_keys("0501234567")
    browser.find_element(By.CSS_SELECTOR, "form.filters button").click()
    wait.until(lambda d: "عدد السجلات: 1" in d.find_element(By.TAG_NAME, "main").text, message="the search")
    browser.find_element(By.LINK_TEXT, f"#{person_id}").click()
    wait.until(
        lambda d: str(person_id) in d.find_element(By.TAG_NAME, "h1").text, message="the person's page"
    )
    page = browser.find_element(By.TAG_NAME, "main").text
    assert NAME in page and NATIONAL_ID in page and "H-7K3P9Q" in page and "C-4M2X8Z" in page
    assert "متى يصل قرار طلبي" in page and "وصلت" in page  # their last message; the message arrived
    _shots(browser, "console-beneficiary")
