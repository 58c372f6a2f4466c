"""Beneficiaries from an association's spreadsheet (XLSX or CSV): read the sheet, check every row (ID check digit,
mobile, city in the service area, category, consent, a duplicate of an existing record or of an earlier row),
and add the good rows. Nothing is written by the check; the import adds every good row in the caller's one
transaction. A person is opted in to announcements only where the sheet says they consented."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.profile import Profile
from conversations.national_id import check
from conversations.normalize import normalize
from conversations.phones import to_e164
from store.crypto import Keyring
from store.models import Beneficiary, ChannelIdentity, HelpRequest

MAX_ROWS = 5000
MAX_NAME = 150
MAX_NOTES = 1000
CHUNK = 500
COLUMNS = ("name", "national_id", "mobile", "city", "category", "notes", "consent")
REQUIRED = ("name", "national_id")
ANNOUNCED_ON = "whatsapp"  # the channel an imported mobile is reached on, when the association uses it
HEADERS = {
    "name": ("name", "full name", "الاسم", "الاسم الكامل", "الاسم الرباعي", "اسم المستفيد"),
    "national_id": (
        "national id", "national id or iqama", "id", "iqama", "رقم الهوية", "الهوية", "رقم الإقامة",
        "رقم الهوية او الاقامة", "الهوية او الاقامة", "السجل المدني",
    ),
    "mobile": ("mobile", "phone", "mobile number", "الجوال", "رقم الجوال", "الهاتف", "رقم الهاتف"),
    "city": ("city", "المدينة", "المدينه"),
    "category": ("category", "الفئة", "الفئه"),
    "notes": ("notes", "note", "ملاحظات", "الملاحظات"),
    "consent": ("consent", "consented", "announcements", "الموافقة", "موافقة", "الموافقة على الإعلانات",
                "يوافق على الإعلانات"),
}  # fmt: skip
YES = ("نعم", "موافق", "yes", "y", "true", "1", "x", "✓", "✔")
NO = ("", "لا", "غير موافق", "no", "n", "false", "0")


class SheetError(Exception):
    """Why a file cannot be read as a sheet of beneficiaries: "unreadable", "empty", "too_many_rows" or
    "missing_columns" (with the missing columns' keys)."""

    def __init__(self, reason: str, missing: tuple[str, ...] = ()):
        super().__init__(reason)
        self.reason, self.missing = reason, missing


@dataclass(frozen=True)
class Problem:
    """What is wrong with a row; `row` or `record` for a duplicate of an earlier row or an existing record."""

    code: str
    row: int | None = None
    record: int | None = None


@dataclass
class Checked:
    """A row as read (`values`, by column key) and as understood, with its problems (none: it can be imported)."""

    row: int  # its row number in the sheet (the header is row 1 when it is the first row)
    values: dict[str, str]
    national_id: str | None = None
    mobile: str | None = None
    city: str | None = None
    category: str | None = None
    consent: bool = False
    problems: list[Problem] = field(default_factory=list)


def _header_key(text: str) -> str | None:
    folded = normalize(text)
    return next((key for key, names in HEADERS.items() if folded in {normalize(n) for n in names}), None)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value).strip()


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        for values in book.worksheets[0].iter_rows(values_only=True):
            yield [_cell(v) for v in values]
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError) as exc:
        raise SheetError("unreadable") from exc


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "cp1256"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetError("unreadable")
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    try:
        for values in csv.reader(io.StringIO(text), delimiter=delimiter):
            yield [_cell(v) for v in values]
    except csv.Error as exc:
        raise SheetError("unreadable") from exc


def read_sheet(file_name: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(row number, values by column key) of every non-empty row under the header; SheetError when the file is
    not a readable sheet, has no header naming the name and national ID columns, or is too long."""
    rows = _xlsx_rows(data) if data[:2] == b"PK" else _csv_rows(data)
    columns: dict[int, str] | None = None
    found: list[tuple[int, dict[str, str]]] = []
    for number, values in enumerate(rows, start=1):
        if not any(values):
            continue
        if columns is None:
            columns = {i: key for i, v in enumerate(values) if (key := _header_key(v))}
            missing = tuple(k for k in REQUIRED if k not in columns.values())
            if missing:
                raise SheetError("missing_columns", missing)
            continue
        if len(found) == MAX_ROWS:
            raise SheetError("too_many_rows")
        found.append((number, {key: values[i] if i < len(values) else "" for i, key in columns.items()}))
    if columns is None:
        raise SheetError("empty")
    if not found:
        raise SheetError("empty")
    return found


def _choice(typed: str, options: Iterable[tuple[str, tuple[str, ...]]]) -> str | None:
    folded = normalize(typed)
    return next((key for key, names in options if folded in {normalize(n) for n in names}), None)


def _understood(row: Checked, profile: Profile) -> None:
    """Each field read and checked on its own; the problems found, in column order."""
    values = row.values
    if not values.get("name", "").strip():
        row.problems.append(Problem("name_missing"))
    elif len(values["name"].strip()) > MAX_NAME:
        row.problems.append(Problem("name_too_long"))
    typed_id = values.get("national_id", "")
    if not typed_id:
        row.problems.append(Problem("id_missing"))
    else:
        row.national_id, id_problem = check(typed_id)
        if id_problem is not None:
            row.problems.append(Problem(f"id_{id_problem.value}"))
    if values.get("mobile"):
        row.mobile = to_e164(values["mobile"])
        if row.mobile is None:
            row.problems.append(Problem("mobile_bad"))
    if values.get("city"):
        cities = [(c.key, (c.key, c.name.ar, c.name.en)) for c in profile.service_area]
        row.city = _choice(values["city"], cities)
        if row.city is None:
            row.problems.append(Problem("city_unknown"))
    if values.get("category"):
        categories = [(c.key, (c.key, c.name.ar, c.name.en)) for c in profile.categories]
        row.category = _choice(values["category"], categories)
        if row.category is None:
            row.problems.append(Problem("category_unknown"))
    if len(values.get("notes", "")) > MAX_NOTES:
        row.problems.append(Problem("notes_too_long"))
    consent = normalize(values.get("consent", ""))
    row.consent = consent in {normalize(w) for w in YES}
    if not row.consent and consent not in {normalize(w) for w in NO}:
        row.problems.append(Problem("consent_unclear"))


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


async def _records_by_id(tx: AsyncSession, keyring: Keyring, ids: set[str]) -> dict[str, int]:
    """The current record holding each national ID (on the record or on one of its requests)."""
    by_hash = {h: nid for nid in ids for h in keyring.id_hashes(nid)}
    found: dict[str, int] = {}
    for chunk in _chunks(list(by_hash)):
        people = select(Beneficiary.national_id_hash, Beneficiary.id).where(
            Beneficiary.national_id_hash.in_(chunk), Beneficiary.merged_into_id.is_(None)
        )
        filed = select(HelpRequest.national_id_hash, HelpRequest.beneficiary_id).where(
            HelpRequest.national_id_hash.in_(chunk)
        )
        for query in (people, filed):
            for hashed, pid in (await tx.execute(query)).all():
                found.setdefault(by_hash[hashed], pid)
    return found


async def _records_by_mobile(tx: AsyncSession, mobiles: set[str]) -> dict[str, int]:
    """The current record with each number (given on it, verified on it by a channel, or a channel's own id)."""
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(mobiles)):
        given = select(Beneficiary.phone, Beneficiary.id).where(
            Beneficiary.phone.in_(chunk), Beneficiary.merged_into_id.is_(None)
        )
        verified = select(Beneficiary.verified_phone, Beneficiary.id).where(
            Beneficiary.verified_phone.in_(chunk), Beneficiary.merged_into_id.is_(None)
        )
        linked = select(ChannelIdentity.external_id, ChannelIdentity.beneficiary_id).where(
            ChannelIdentity.external_id.in_(chunk)
        )
        for query in (given, verified, linked):
            for number, pid in (await tx.execute(query)).all():
                found.setdefault(number, pid)
    return found


async def check_rows(
    tx: AsyncSession, keyring: Keyring, profile: Profile, rows: list[tuple[int, dict[str, str]]]
) -> list[Checked]:
    """Every row checked against the rules, the existing records and the rows above it; nothing is written."""
    checked = [Checked(number, values) for number, values in rows]
    for row in checked:
        _understood(row, profile)
    by_id = await _records_by_id(tx, keyring, {r.national_id for r in checked if r.national_id})
    by_mobile = await _records_by_mobile(tx, {r.mobile for r in checked if r.mobile})
    first_with: dict[tuple[str, str], int] = {}
    for row in checked:
        for kind, value, existing in (("id", row.national_id, by_id), ("mobile", row.mobile, by_mobile)):
            if value is None:
                continue
            if value in existing:
                row.problems.append(Problem(f"duplicate_record_{kind}", record=existing[value]))
            elif (kind, value) in first_with:
                row.problems.append(Problem(f"duplicate_row_{kind}", row=first_with[(kind, value)]))
            else:
                first_with[(kind, value)] = row.row
    return checked


async def import_rows(
    tx: AsyncSession, keyring: Keyring, profile: Profile, checked: list[Checked], now: datetime
) -> int:
    """Add a record for every row without a problem (in the caller's transaction); the number added."""
    added = 0
    for row in checked:
        if row.problems or row.national_id is None:
            continue
        notes = row.values.get("notes", "").strip()
        person = Beneficiary(
            display_name="",
            language=profile.default_language,
            full_name_enc=keyring.encrypt(row.values["name"].strip()),
            national_id_enc=keyring.encrypt(row.national_id),
            national_id_hash=keyring.id_hash(row.national_id),
            phone=row.mobile,
            city=row.city,
            category=row.category,
            notes_enc=keyring.encrypt(notes) if notes else None,
            created_at=now,
        )
        tx.add(person)
        await tx.flush()
        if row.mobile and ANNOUNCED_ON in profile.channels:
            tx.add(
                ChannelIdentity(
                    channel=ANNOUNCED_ON, external_id=row.mobile, beneficiary_id=person.id,
                    opted_out=not row.consent, created_at=now,
                )
            )  # fmt: skip
        added += 1
    return added


def refused(checked: list[Checked]) -> list[dict]:
    """The refused rows as plain data (kept encrypted with the import): row number, values, problems."""
    return [
        {"row": r.row, "values": r.values, "problems": [[p.code, p.row, p.record] for p in r.problems]}
        for r in checked
        if r.problems
    ]
