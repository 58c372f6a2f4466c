"""The beneficiary record over HTTP as staff use it: import a sheet of 50 with 5 bad rows (previewed with every
problem in words, nothing written until confirmed, refused rows downloadable with their reasons), find a person
by ID and by mobile, open their page (audited, ID masked by role), export the list."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from bot.appkeys import KEYRING
from store.models import AuditLog, Beneficiary, ChannelIdentity
from tests.sheets import as_xlsx, mobile, person_row, valid_id
from tests.test_console_support import NATIONAL_ID, Console, fresh_console, sqlite_url

IMPORT = "/admin/beneficiaries/import"
INTERNAL_KEY = re.compile(r"\b[a-z]+_[a-z_]+\b")


@pytest.fixture
async def console(tmp_path, monkeypatch, clock) -> AsyncIterator[Console]:
    async with fresh_console(sqlite_url(tmp_path), tmp_path, monkeypatch, clock) as c:
        yield c


def _sheet_of_fifty() -> bytes:
    """50 rows: 45 good (the 7th refuses announcements, the 9th's name starts like a formula), 5 bad ones."""
    rows = [person_row(n, "لا" if n == 7 else "نعم") for n in range(1, 51)]
    rows[8][0] = "@SUM(1+1)*cmd"
    rows[4][5] = "تُزار الأسرة في نهاية كل شهر"  # row 6: notes on person 5
    rows[10][1] = valid_id(11)[:-1] + str((int(valid_id(11)[-1]) + 1) % 10)  # row 12: a wrong check digit
    rows[20][2] = "0512"  # row 22: not a mobile number
    rows[30][3] = "الرياض"  # row 32: outside the service area
    rows[40][1] = NATIONAL_ID  # row 42: the ID of a person already on record
    rows[45][1] = valid_id(3)  # row 47: repeats row 4's ID
    return as_xlsx(rows)


async def _upload(console: Console, data: bytes, name: str = "people.xlsx"):
    parts = [("sheet", data, {"filename": name, "content_type": "application/octet-stream"})]
    return await console.post(IMPORT, parts, IMPORT)


async def _existing_person(console: Console) -> int:
    row = await console.request("H-000100")
    keyring = console.app[KEYRING]
    async with console.sessions() as tx, tx.begin():
        await tx.execute(
            update(Beneficiary)
            .where(Beneficiary.id == row.beneficiary_id)
            .values(national_id_enc=row.national_id_enc, national_id_hash=keyring.id_hash(NATIONAL_ID))
        )
    return row.beneficiary_id


async def test_a_researcher_imports_fifty_finds_one_by_id_and_mobile_and_opens_their_page(console: Console):
    existing = await _existing_person(console)
    researcher = await console.signed_in_as("researcher")

    preview = await _upload(console, _sheet_of_fifty())
    page = await preview.text()
    assert preview.status == 200
    assert "عدد الصفوف: 50 · جاهزة للاستيراد: 45 · مرفوضة: 5" in page
    for words in ("رقم الهوية غير صحيح (رقم التحقق لا يطابق).", "رقم الجوال غير صحيح.",
                  "المدينة ليست ضمن نطاق خدمة الجمعية.", f"رقم الهوية مسجل من قبل في السجل رقم {existing}.",
                  "رقم الهوية مكرر؛ ورد في الصف 4."):  # fmt: skip
        assert words in page
    assert not INTERNAL_KEY.search(re.sub(r"<[^>]+>", " ", page))  # no catalog key or snake_case shown
    assert len(await console.all(Beneficiary)) == 1  # nothing written by the preview

    action = page.split('action="/admin/beneficiaries/import/')[1].split('"')[0]
    done = await console.post(f"{IMPORT}/{action}", {}, IMPORT)
    assert done.status == 303
    result = await (await console.client.get(done.headers["Location"])).text()
    assert "استُورد 45 مستفيداً، ورُفضت 5 صفوف." in result
    assert len(await console.all(Beneficiary)) == 46
    again = await console.post(f"{IMPORT}/{action}", {}, IMPORT)
    assert again.status == 409 and len(await console.all(Beneficiary)) == 46

    refused = await console.client.get(f"{done.headers['Location']}/refused.xlsx")
    sheet = load_workbook(io.BytesIO(await refused.read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "رقم الصف" and rows[0][1] == "الاسم" and len(rows) == 6
    assert [r[0] for r in rows[1:]] == [12, 22, 32, 42, 47]
    assert rows[2][-1] == "رقم الجوال غير صحيح."

    stopped = await console.one(ChannelIdentity, ChannelIdentity.external_id == "+966500000007")
    assert (
        stopped.opted_out
        and not (await console.one(ChannelIdentity, ChannelIdentity.external_id == "+966500000006")).opted_out
    )

    by_id = await (await console.client.get("/admin/beneficiaries", params={"q": valid_id(5)})).text()
    by_mobile = await (await console.client.get("/admin/beneficiaries", params={"q": mobile(5)})).text()
    person = await console.one(Beneficiary, Beneficiary.phone == "+966500000005")
    for found in (by_id, by_mobile):
        assert "مستفيد رقم 5" in found and f'href="/admin/beneficiaries/{person.id}"' in found
        assert "مستفيد رقم 6" not in found and "عدد السجلات: 1" in found

    own = await console.client.get(f"/admin/beneficiaries/{person.id}")
    own_page = await own.text()
    assert own.status == 200 and "مستفيد رقم 5" in own_page and valid_id(5) in own_page
    assert "واتساب" in own_page and "يستقبل الإعلانات" in own_page and "البكيرية" in own_page
    assert "تُزار الأسرة في نهاية كل شهر" in own_page
    views = await console.all(
        AuditLog, AuditLog.action == "view", AuditLog.subject == f"beneficiary:{person.id}"
    )
    assert [v.staff_id for v in views] == [researcher.id]


async def test_a_viewer_sees_the_id_masked_cannot_import_and_the_export_disarms_formulas(console: Console):
    await console.signed_in_as("researcher")
    preview = await (await _upload(console, _sheet_of_fifty())).text()
    action = preview.split('action="/admin/beneficiaries/import/')[1].split('"')[0]
    await console.post(f"{IMPORT}/{action}", {}, IMPORT)
    person = await console.one(Beneficiary, Beneficiary.phone == "+966500000005")

    await console.signed_in_as("viewer")
    page = await (await console.client.get(f"/admin/beneficiaries/{person.id}")).text()
    assert valid_id(5) not in page and f"{valid_id(5)[0]}•••••{valid_id(5)[-4:]}" in page
    assert "تُزار الأسرة" not in page and "لا تظهر الملاحظات لصلاحية الاطلاع فقط." in page
    assert (await console.client.get(IMPORT)).status == 403
    assert "تصدير إلى Excel" not in await (await console.client.get("/admin/beneficiaries")).text()

    coordinator = await console.signed_in_as("coordinator")
    export = await console.client.get("/admin/beneficiaries.xlsx", params={"order": "oldest"})
    rows = list(load_workbook(io.BytesIO(await export.read())).active.iter_rows(values_only=True))
    assert len(rows) == 47 and rows[9][1] == "'@SUM(1+1)*cmd"
    assert rows[5][2].startswith(valid_id(5)[0]) and "•" in rows[5][2]  # a coordinator gets the ID masked
    exported = await console.one(AuditLog, AuditLog.action == "beneficiaries_exported")
    assert (exported.staff_id, exported.detail["rows"]) == (coordinator.id, 46)


async def test_a_sheet_without_an_id_column_or_not_a_sheet_is_refused_in_words(console: Console):
    await console.signed_in_as("admin")
    missing = await _upload(console, "الاسم,العمر\nسارة,30\n".encode(), "people.csv")
    assert missing.status == 400 and "لم نجد في صف العناوين: رقم الهوية." in await missing.text()
    garbage = await _upload(console, b"PK\x03\x04garbage", "people.xlsx")
    assert garbage.status == 400 and "تعذرت قراءة الملف" in await garbage.text()
    assert await console.all(Beneficiary) == []


async def test_the_request_page_and_pages_of_the_list_lead_to_the_person(console: Console):
    row = await console.request("H-000200")
    await console.signed_in_as("viewer")
    request_page = await (await console.client.get("/admin/requests/H-000200")).text()
    assert f'href="/admin/beneficiaries/{row.beneficiary_id}"' in request_page
    by_reference = await (await console.client.get("/admin/beneficiaries", params={"q": "h-000200"})).text()
    assert f'href="/admin/beneficiaries/{row.beneficiary_id}"' in by_reference
    person = await (await console.client.get(f"/admin/beneficiaries/{row.beneficiary_id}")).text()
    assert 'href="/admin/requests/H-000200"' in person and "بانتظار" not in person.split("<main>")[0]
    assert (await console.client.get("/admin/beneficiaries/999999")).status == 404


async def test_the_persons_page_shows_what_was_delivered_with_its_amount(console: Console):
    row = await console.request("R-7K3P9Q", status="accepted")
    await console.signed_in_as("coordinator")
    page = f"/admin/beneficiaries/{row.beneficiary_id}"
    assert "لم يُسلَّم له شيء بعد" in await (await console.client.get(page)).text()
    delivered = await console.post(
        "/admin/requests/R-7K3P9Q/deliver",
        {"kind": "bank_transfer", "reference": "TRX-1", "aid_kind": "cash", "amount": "1,500"},
        page="/admin/requests/R-7K3P9Q",
    )
    assert delivered.status == 303
    text = await (await console.client.get(page)).text()
    assert "سُلِّم طلب واحد، منها 1,500 ريال نقداً وقسائم" in text
    assert "مبلغ نقدي" in text and "1,500 ريال" in text  # on the delivery's line in the history
    english = await (await console.client.get(page, params={"lang": "en"})).text()
    assert "One request delivered, with 1,500 riyals in cash and vouchers" in english
