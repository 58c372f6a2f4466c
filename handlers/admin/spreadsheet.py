"""Every console export (CSV with a BOM for Excel, XLSX right to left) is written here, each text cell through
one formula guard, so that a name a beneficiary typed can never run as a formula in a staff member's sheet."""

from __future__ import annotations

import csv
import io
import re

from aiohttp import web
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TRIGGERS = "=+-@＝＋－＠"  # a formula starts with one of these (full-width forms too, which Excel accepts)
PLAIN_NUMBER = re.compile(r"[+-]?[0-9][0-9 ]*")  # a phone number or a signed count: shown as written


def _leading(value: str) -> str:
    """The value without what a spreadsheet skips before a formula: spaces, tabs, line breaks, invisible marks."""
    start = 0
    while start < len(value) and (value[start].isspace() or not value[start].isprintable()):
        start += 1
    return value[start:]


def safe_cell(value: object) -> object:
    """A text cell that cannot start a formula (a leading ' shows it as typed); numbers and None unchanged."""
    if not isinstance(value, str):
        return value
    shown = _leading(value)
    plain = shown == value and PLAIN_NUMBER.fullmatch(value)
    risky = value[:1] in ("\t", "\r", "\n") or (shown[:1] != "" and shown[0] in TRIGGERS and not plain)
    return f"'{value}" if risky else value


def _safe_rows(rows: list[list[object]]) -> list[list[object]]:
    return [[safe_cell(value) for value in row] for row in rows]


def download(body: bytes, content_type: str, name: str) -> web.Response:
    """A file to save, with its name (ASCII, chosen by us)."""
    response = web.Response(body=body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def csv_download(rows: list[list[object]], name: str) -> web.Response:
    """The rows as CSV, UTF-8 with a BOM so that Excel shows the Arabic; empty cells for None."""
    out = io.StringIO()
    csv.writer(out).writerows([["" if v is None else v for v in row] for row in _safe_rows(rows)])
    response = download(out.getvalue().encode("utf-8-sig"), "text/csv", name)
    response.charset = "utf-8"
    return response


def xlsx_download(
    rows: list[list[object]], name: str, title: str, widths: dict[str, int] | None = None
) -> web.Response:
    """The rows as one right-to-left worksheet, numbers kept numbers."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]  # the longest sheet name Excel takes
    sheet.sheet_view.rightToLeft = True
    for row in _safe_rows(rows):
        sheet.append(row)
    for column, width in (widths or {}).items():
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return download(out.getvalue(), XLSX, name)
