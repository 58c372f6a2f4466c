"""A table of text as a CSV (UTF-8 with a BOM, for Excel's Arabic) or an XLSX laid out right to left; every text
cell passes the formula guard. Until the console's one export module lands, the beneficiary pages use this."""

from __future__ import annotations

import csv
import io

from aiohttp import web
from openpyxl import Workbook

from handlers.admin.attendance import XLSX, download, spreadsheet_safe


def _safe(rows: list[list[object]]) -> list[list[object]]:
    return [[spreadsheet_safe(v) if isinstance(v, str) else v for v in row] for row in rows]


def csv_download(rows: list[list[object]], name: str) -> web.Response:
    out = io.StringIO()
    csv.writer(out).writerows(_safe(rows))
    response = download(out.getvalue().encode("utf-8-sig"), "text/csv", f"{name}.csv")
    response.charset = "utf-8"
    return response


def xlsx_download(rows: list[list[object]], name: str, title: str) -> web.Response:
    book = Workbook()
    page = book.active
    page.title = title[:31]
    page.sheet_view.rightToLeft = True
    for row in _safe(rows):
        page.append(row)
    out = io.BytesIO()
    book.save(out)
    return download(out.getvalue(), XLSX, f"{name}.xlsx")
