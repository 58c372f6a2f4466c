"""Importing beneficiaries from a sheet, on SQLite and PostgreSQL: every row's problem found before anything is
written, duplicates of records and of earlier rows, the good rows added once, consent deciding announcements;
and the sheet reader on any bytes (property test)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from store.import_batches import ImportRefused, refused_rows, run_import, stage
from store.importing import SheetError, check_rows, read_sheet
from store.models import Beneficiary, BeneficiaryImport, ChannelIdentity, Staff
from tests.conftest import T0
from tests.sheets import as_csv, as_xlsx, mobile, person_row, valid_id


def _codes(checked) -> dict[int, list[str]]:
    return {row.row: [p.code for p in row.problems] for row in checked if row.problems}


def test_an_xlsx_with_numbers_as_numbers_and_english_headers_is_read():
    data = as_xlsx(
        [["Sara", int(valid_id(1)), 501234567.0, "Al-Bukayriyah", "food", "", "yes"]],
        header=["Name", "National ID", "Mobile", "City", "Category", "Notes", "Consent"],
    )
    [(number, values)] = read_sheet("people.xlsx", data)
    assert number == 2 and values["national_id"] == valid_id(1) and values["mobile"] == "501234567"


def test_a_sheet_without_the_id_column_or_without_rows_is_refused_in_words():
    with pytest.raises(SheetError) as missing:
        read_sheet("a.csv", as_csv([["x"]], header=["الاسم", "العمر"]))
    assert (missing.value.reason, missing.value.missing) == ("missing_columns", ("national_id",))
    with pytest.raises(SheetError, match="empty"):
        read_sheet("a.csv", as_csv([]))
    with pytest.raises(SheetError, match="unreadable"):
        read_sheet("a.xlsx", b"PK\x03\x04 not really a workbook")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=300).map(lambda s: ("الاسم,رقم الهوية\n" + s).encode()))
def test_any_bytes_are_a_sheet_or_a_sheet_error(data: bytes):
    try:
        rows = read_sheet("upload", data)
    except SheetError:
        return
    assert all(set(values) <= {"name", "national_id"} for _, values in rows)


async def _checked(sessions, keyring, profile, rows):
    async with sessions() as tx:
        return await check_rows(tx, keyring, profile, read_sheet("s.csv", as_csv(rows)))


async def test_every_rows_problem_is_found_and_nothing_is_written(sessions, keyring, profile):
    async with sessions() as tx, tx.begin():
        tx.add(Beneficiary(national_id_hash=keyring.id_hash(valid_id(9)), phone="+966500000008"))
    bad_id = valid_id(3)[:-1] + str((int(valid_id(3)[-1]) + 1) % 10)
    rows = [
        person_row(1),
        [*person_row(2)[:2], "12345", *person_row(2)[3:]],
        [person_row(3)[0], bad_id, *person_row(3)[2:]],
        [*person_row(4)[:3], "الرياض", *person_row(4)[4:]],
        person_row(9),
        [*person_row(5)[:2], mobile(8), *person_row(5)[3:]],
        [person_row(6)[0], valid_id(1), *person_row(6)[2:]],
        ["", valid_id(7), "", "", "", "", "ربما"],
        ["س" * 151, valid_id(10), "", "", "", "ن" * 1001, ""],
    ]
    checked = await _checked(sessions, keyring, profile, rows)
    assert _codes(checked) == {
        3: ["mobile_bad"],
        4: ["id_check_digit"],
        5: ["city_unknown"],
        6: ["duplicate_record_id"],
        7: ["duplicate_record_mobile"],
        8: ["duplicate_row_id"],
        9: ["name_missing", "consent_unclear"],
        10: ["name_too_long", "notes_too_long"],
    }
    assert next(p for r in checked if r.row == 8 for p in r.problems).row == 2
    async with sessions() as tx:
        assert await tx.scalar(select(func.count()).select_from(Beneficiary)) == 1


async def test_a_number_a_channel_verified_on_a_record_is_a_duplicate_too(sessions, keyring, profile):
    async with sessions() as tx, tx.begin():
        tx.add(Beneficiary(verified_phone="+966500000008"))  # e.g. a Telegram contact of their own, no typed number
    checked = await _checked(sessions, keyring, profile, [[*person_row(5)[:2], mobile(8), *person_row(5)[3:]]])
    assert _codes(checked) == {2: ["duplicate_record_mobile"]}


async def test_the_import_adds_the_good_rows_once_and_consent_decides_announcements(
    sessions, keyring, profile
):
    async with sessions() as tx, tx.begin():
        staff = Staff(username="s", password_hash="x", role="admin")
        tx.add(staff)
        await tx.flush()
        sheet = as_csv(
            [person_row(1, "نعم"), person_row(2, "لا"), [*person_row(3)[:2], "bad", *person_row(3)[3:]]]
        )
        batch = await stage(tx, keyring, staff.id, "s.csv", sheet, T0)
    async with sessions() as tx, tx.begin():
        outcome = await run_import(tx, keyring, profile, batch.id, staff.id, T0)
    assert outcome.imported == 2 and [r["row"] for r in outcome.refused] == [4]
    async with sessions() as tx:
        people = (await tx.scalars(select(Beneficiary).order_by(Beneficiary.id))).all()
        identities = (await tx.scalars(select(ChannelIdentity).order_by(ChannelIdentity.id))).all()
        stored = await tx.get(BeneficiaryImport, batch.id)
    assert [keyring.decrypt(p.full_name_enc) for p in people] == ["مستفيد رقم 1", "مستفيد رقم 2"]
    first = people[0]
    assert (first.city, first.category, first.national_id_hash) == (
        "bukayriyah",
        "food",
        keyring.id_hash(valid_id(1)),
    )
    assert [(i.channel, i.external_id, i.opted_out) for i in identities] == [
        ("whatsapp", "+966500000001", False),
        ("whatsapp", "+966500000002", True),
    ]
    assert refused_rows(keyring, stored)[0]["problems"] == [["mobile_bad", None, None]]
    async with sessions() as tx, tx.begin():
        with pytest.raises(ImportRefused, match="done"):
            await run_import(tx, keyring, profile, batch.id, staff.id, T0)


async def test_a_sheet_previewed_and_not_imported_within_a_day_is_deleted_at_the_next_upload(
    sessions, keyring, profile
):
    async with sessions() as tx, tx.begin():
        staff = Staff(username="s", password_hash="x", role="admin")
        tx.add(staff)
        await tx.flush()
        old = await stage(tx, keyring, staff.id, "old.csv", as_csv([person_row(1)]), T0)
        kept = await stage(
            tx, keyring, staff.id, "kept.csv", as_csv([person_row(2)]), T0 + timedelta(hours=23)
        )
    async with sessions() as tx, tx.begin():
        await stage(
            tx, keyring, staff.id, "new.csv", as_csv([person_row(3)]), T0 + timedelta(days=1, hours=1)
        )
    async with sessions() as tx, tx.begin():
        assert await tx.get(BeneficiaryImport, old.id) is None
        assert await tx.get(BeneficiaryImport, kept.id) is not None
        with pytest.raises(ImportRefused, match="missing"):
            await run_import(tx, keyring, profile, old.id, staff.id, T0 + timedelta(days=1, hours=1))
