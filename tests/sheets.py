"""Spreadsheets of beneficiaries for the import tests (no tests here): valid IDs and mobiles, CSV and XLSX."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from conversations.national_id import luhn_ok

HEADER = ["الاسم", "رقم الهوية", "الجوال", "المدينة", "الفئة", "ملاحظات", "الموافقة"]


def valid_id(n: int, first: str = "1") -> str:
    """The n-th valid ten-digit ID or iqama number (Luhn check digit)."""
    body = f"{first}{n:08d}"
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


def mobile(n: int) -> str:
    """A valid Saudi mobile in the local form staff type (05…)."""
    return f"05{n:08d}"


def person_row(n: int, consent: str = "نعم") -> list[str]:
    return [f"مستفيد رقم {n}", valid_id(n), mobile(n), "البكيرية", "سلة غذائية", "", consent]


def as_csv(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in [header, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
