"""A rating completed in the website chat, in headless Chromium: the prompt arrives by itself after the service,
the beneficiary taps a score and skips the comment, and the rating is kept."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.browser import ARTIFACTS, WAIT, chromium, require_browser, running_bot

require_browser()

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from conversations.profile import load  # noqa: E402
from store.db import make_engine, make_sessions  # noqa: E402
from store.models import ChannelIdentity, Rating, utcnow  # noqa: E402
from store.ratings import schedule_rating  # noqa: E402
from tests.conftest import FIXTURES  # noqa: E402


def _wait(driver, condition, what: str):
    waiter = WebDriverWait(driver, WAIT + 5, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,))
    return waiter.until(condition, message=f"timed out waiting for {what}")


def _button(driver, label: str):
    def find(d):
        found = [b for b in d.find_elements(By.CSS_SELECTOR, "#log .choices button") if b.text == label and b.is_enabled()]
        return found[-1] if found else False

    return _wait(driver, find, f"a button «{label}»")


async def _delivered(database: str, token: str) -> int:
    """As if staff had just marked this visitor's help request delivered: a rating, due at once."""
    engine = make_engine(database)
    sessions = make_sessions(engine)
    async with sessions() as tx, tx.begin():
        identity = (await tx.scalars(select(ChannelIdentity).where(ChannelIdentity.external_id == token))).one()
        rating = await schedule_rating(
            tx, service_kind="help_request", service_ref="H-WEB123", conversation_key=f"web:{token}",
            beneficiary_id=identity.beneficiary_id, staff_id=None, now=utcnow() - timedelta(hours=3),
            delay=timedelta(minutes=load(str(FIXTURES / "profile.toml")).deadlines.rating_delay_minutes),
        )
    await engine.dispose()
    return rating.id


async def _stored(database: str, rating_id: int) -> Rating:
    engine = make_engine(database)
    async with make_sessions(engine)() as tx:
        rating = await tx.get(Rating, rating_id)
    await engine.dispose()
    return rating


@pytest.fixture
def site(tmp_path: Path):
    with running_bot(tmp_path, SWEEP_SECONDS="0.5") as running:
        yield running


def test_a_rating_in_the_website_chat(site, tmp_path: Path) -> None:
    base, database = site
    with chromium(tmp_path / "chrome") as browser:
        browser.get(base + "/")
        _button(browser, "العربية").click()
        _button(browser, "استفسار")
        token = browser.get_cookie("frontdesk_chat")["value"].split(".")[0]  # the visitor id, before its signature
        rating_id = asyncio.run(_delivered(database, token))
        prompt = _wait(
            browser,
            lambda d: [e for e in d.find_elements(By.CSS_SELECTOR, "#log li.msg.bot") if "H-WEB123" in e.text],
            "the rating prompt (it comes by itself)",
        )
        assert "حق لك" in prompt[-1].text  # it says the rating is theirs to give
        _button(browser, "5 – ممتاز").click()
        _button(browser, "تخطٍّ").click()  # no comment: it is optional
        bots = (By.CSS_SELECTOR, "#log li.msg.bot")
        _wait(browser, lambda d: any("شكر" in e.text for e in d.find_elements(*bots)[-3:]), "the thanks")
        ARTIFACTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "webchat-rating.png"))
    stored = asyncio.run(_stored(database, rating_id))
    assert (stored.status, stored.score, stored.comment) == ("answered", 5, "")
