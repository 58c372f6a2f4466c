"""Possible duplicates and the staff merge over HTTP on the real app: the flag on the request page, the compare
page (ID masked by role, audited), the confirm form (admin or researcher, CSRF) and the audit log."""

from __future__ import annotations

from typing import AsyncIterator

import pytest
from sqlalchemy import update

from bot.appkeys import KEYRING
from store.models import AuditLog, Beneficiary, HelpRequest
from tests.test_console_support import MASKED_ID, NATIONAL_ID, Console, csrf_of, fresh_console, sqlite_url

FLAG = "قد يكون لهذا المستفيد سجل آخر"
CONFIRM = "ادمج السجلين"


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as c:
        yield c


async def _two_records_with_one_id(console: Console) -> tuple[HelpRequest, HelpRequest]:
    """Two people on the web chat who each filed a request with the same national ID (kept on their records and
    hashed, as filing does)."""
    first, second = await console.request("R-FIRST"), await console.request("R-SECOND")
    keyring = console.app[KEYRING]
    async with console.sessions() as tx, tx.begin():
        await tx.execute(update(HelpRequest).values(national_id_hash=keyring.id_hash(NATIONAL_ID)))
        for row in (first, second):
            person = await tx.get(Beneficiary, row.beneficiary_id)
            person.full_name_enc, person.national_id_enc = row.full_name_enc, row.national_id_enc
            person.national_id_hash = keyring.id_hash(NATIONAL_ID)
    return first, second


async def test_the_request_page_flags_a_possible_duplicate_and_links_the_comparison(console: Console):
    first, second = await _two_records_with_one_id(console)
    await console.request("R-OTHER")  # the same ID, stored before hashes existed and not yet filled: not matched
    await console.signed_in_as("viewer")
    page = await (await console.client.get("/admin/requests/R-FIRST")).text()
    assert FLAG in page and "رقم الهوية" in page
    assert f"/admin/beneficiaries/merge?keep={first.beneficiary_id}&amp;drop={second.beneficiary_id}" in page
    assert page.count("/admin/beneficiaries/merge?") == 1


async def test_a_viewer_compares_with_the_id_masked_is_audited_and_cannot_merge(console: Console):
    first, second = await _two_records_with_one_id(console)
    viewer = await console.signed_in_as("viewer")
    path = f"/admin/beneficiaries/merge?keep={first.beneficiary_id}&drop={second.beneficiary_id}"
    response = await console.client.get(path)
    page = await response.text()
    assert response.status == 200 and "مقارنة سجلَّي مستفيد" in page
    assert MASKED_ID in page and NATIONAL_ID not in page and "سارة محمد" in page
    assert "دردشة الموقع" in page and CONFIRM not in page
    for record in (first.beneficiary_id, second.beneficiary_id):  # each side opens that person's page
        assert f'href="/admin/beneficiaries/{record}"' in page
    views = await console.all(AuditLog, AuditLog.action == "view", AuditLog.staff_id == viewer.id)
    assert {v.subject for v in views} == {f"beneficiary:{first.beneficiary_id}", f"beneficiary:{second.beneficiary_id}"}
    data = {"csrf": csrf_of(page), "keep": first.beneficiary_id, "drop": second.beneficiary_id}
    refused = await console.client.post("/admin/beneficiaries/merge", data=data, allow_redirects=False)
    assert refused.status == 403
    assert (await console.one(Beneficiary, Beneficiary.id == second.beneficiary_id)).merged_into_id is None


async def test_a_researcher_merges_once_and_the_audit_log_shows_who(console: Console):
    first, second = await _two_records_with_one_id(console)
    keep, drop = first.beneficiary_id, second.beneficiary_id
    researcher = await console.signed_in_as("researcher")
    path = f"/admin/beneficiaries/merge?keep={keep}&drop={drop}"
    page = await (await console.client.get(path)).text()
    assert NATIONAL_ID in page and CONFIRM in page
    form = {"keep": keep, "drop": drop}
    forged = await console.client.post("/admin/beneficiaries/merge", data=form, allow_redirects=False)
    assert forged.status == 403  # no CSRF token
    assert (await console.one(Beneficiary, Beneficiary.id == drop)).merged_into_id is None

    done = await console.post("/admin/beneficiaries/merge", form, path)
    assert done.status == 303 and done.headers["Location"] == path
    dropped = await console.one(Beneficiary, Beneficiary.id == drop)
    assert (dropped.merged_into_id, dropped.merged_at) == (keep, console.clock.now)
    assert {r.beneficiary_id for r in await console.all(HelpRequest)} == {keep}
    record = await console.one(AuditLog, AuditLog.action == "beneficiary_merge")
    assert (record.staff_id, record.subject, record.detail["merged"]) == (researcher.id, f"beneficiary:{keep}", drop)
    assert record.detail["moved"]["helprequest"] == 1

    after = await (await console.client.get(path)).text()
    assert f"دُمج السجل رقم {drop} في السجل رقم {keep}." in after and CONFIRM not in after
    assert FLAG not in await (await console.client.get("/admin/requests/R-FIRST")).text()
    again = await console.post("/admin/beneficiaries/merge", form, path)
    assert again.status == 409 and "دُمج من قبل" in await again.text()

    await console.signed_in_as("admin")
    audit_page = await (await console.client.get("/admin/audit")).text()
    assert f"دُمج سجلّان في ملف المستفيد رقم \u2068{keep}\u2069" in audit_page
    assert f"دُمج فيه السجل رقم {drop}: نُقلت 3 بنود" in audit_page
    assert "helprequest" not in audit_page  # the merge in words, not as stored


async def test_a_bad_or_unknown_record_number_gets_a_polite_page(console: Console):
    await console.signed_in_as("admin")
    for query, status in (("keep=abc&drop=2", 400), ("keep=1&drop=1", 400), ("keep=1", 400), ("keep=5&drop=6", 404)):
        response = await console.client.get(f"/admin/beneficiaries/merge?{query}")
        assert response.status == status, query
        assert "Traceback" not in await response.text()
