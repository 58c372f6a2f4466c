"""As staff would over HTTP: a walk-in request with a paper declaration for a new person, accepted, delivered
as 500 riyals cash with its evidence; the request page and the month's report show the amount."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from store.models import HelpRequest
from tests.test_console_support import Console, fresh_console, sqlite_url
from tests.test_console_walk_ins import FIELDS, PAGE, walk_in


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as c:
        yield c


async def test_a_walk_in_accepted_and_delivered_as_500_riyals_cash_shows_in_the_report(console: Console):
    await console.signed_in_as("admin")
    recorded = await console.post(PAGE, walk_in(FIELDS, declaration="on_file", file=None), page=PAGE)
    assert recorded.status == 303, await recorded.text()
    row = await console.one(HelpRequest)
    page = f"/admin/requests/{row.reference}"
    assert (await console.post(f"{page}/accept", {"note": "", "confirmed": "yes"}, page=page)).status == 303

    bad = await console.post(f"{page}/deliver", {"kind": "voucher", "reference": "سند صرف 17", "aid_kind": "cash",
                                                 "amount": "خمسمئة"}, page=page)  # fmt: skip
    assert bad.status == 400 and "اكتب المبلغ بالريال" in await bad.text()
    delivered = await console.post(f"{page}/deliver", {"kind": "voucher", "reference": "سند صرف 17",
                                                       "aid_kind": "cash", "amount": "٥٠٠"}, page=page)  # fmt: skip
    assert delivered.status == 303
    row = await console.one(HelpRequest)
    assert (row.status, row.aid_kind, row.aid_halalas) == ("delivered", "cash", 50000)
    assert "مبلغ نقدي · 500 ريال" in await (await console.client.get(page)).text()

    report = await (await console.client.get("/admin/reports?month=2026-11")).text()
    aid = report.split("المساعدات المسلَّمة", 1)[1].split("</section>", 1)[0]
    for row_text in ("2026-11", "سلة غذائية", "البكيرية"):
        assert f'<td data-label="البند">{row_text}</td><td data-label="عدد التسليمات">1</td>' \
               f'<td data-label="المجموع بالريال">500</td>' in aid, row_text
