"""The audit log in a real headless Chromium against `python -m bot run`, in Arabic: every kind of action reads
as a sentence with its details in labelled rows, no stored key or JSON shows; a screenshot goes to
tests/artifacts/console-audit.png."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.browser import WAIT, chromium, require_browser, running_bot

require_browser()

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from store.db import make_engine, make_sessions
from tests.test_console_browser import _whole_page
from tests.test_console_crawl import AUDITED

PASSWORD = "correct horse battery"


async def _seed(url: str) -> None:
    """An admin, and a researcher who did one of everything the code audits."""
    from handlers.admin.audit import audit
    from handlers.admin.staff import create_staff

    db = make_engine(url)
    sessions = make_sessions(db)
    await create_staff(sessions, "root", PASSWORD, "admin", "مدير الجمعية")
    sara = await create_staff(sessions, "sara", PASSWORD, "researcher", "سارة")
    async with sessions() as tx, tx.begin():
        for action, subject, detail in AUDITED:
            audit(tx, sara.id, action, subject, datetime(2026, 11, 25, 8, tzinfo=UTC), **detail)
    await db.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    code = str(Path(__file__).resolve().parents[1])
    with running_bot(tmp_path_factory.mktemp("audit-server"), PYTHONPATH=code) as (base, database):
        asyncio.run(_seed(database))
        yield base


def test_the_audit_log_reads_as_sentences(server: str, tmp_path: Path) -> None:
    with chromium(tmp_path / "chrome") as browser:
        browser.get(f"{server}/admin/audit")
        wait = WebDriverWait(browser, WAIT, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,))
        wait.until(lambda d: d.find_elements(By.NAME, "username"), message="the login form")
        browser.find_element(By.NAME, "username").send_keys("root")
        browser.find_element(By.NAME, "password").send_keys(PASSWORD)
        browser.find_element(By.CSS_SELECTOR, "form.login button").click()
        wait.until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "سجل التدقيق", message="the audit log")
        shown = browser.find_element(By.TAG_NAME, "main").text
        assert "قُبل الطلب \u2068R-7K3P9Q\u2069" in shown and "اعتُذر عن الطلب \u2068R-7K3P9Q\u2069" in shown
        assert "غُيّرت صلاحية \u2068سارة\u2069" in shown and "من مطّلع إلى باحث اجتماعي" in shown
        assert "كلمة المرور غير صحيحة" in shown and "لا يوجد حساب بهذا الاسم" in shown
        assert re.findall(r"[{}\[\]]|\b[a-z]+_[a-z_]+\b", shown) == []
        _whole_page(browser, 1280, False, "console-audit.png")
