"""The one formula guard of every export: whatever a beneficiary typed, no cell a spreadsheet opens starts a
formula, and what they typed is still there to read (property-based), in the attendance sheet and the report."""

from __future__ import annotations

import csv
import io
import os

import openpyxl
from hypothesis import given, settings, strategies as st

from handlers.admin.spreadsheet import TRIGGERS, csv_download, safe_cell, xlsx_download

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
SKIPPED = " \t\r\n\u3000\u00a0\u200f\u200e\u2028\ufeff"  # what a spreadsheet may skip before a formula
PAYLOADS = ['=HYPERLINK("http://x","y")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "＝1+1", "＋cmd", "－1", "＠x"]


def runs_as_formula(cell: object) -> bool:
    """What a spreadsheet would treat as a formula: a trigger after anything it skips, unless a plain number."""
    if not isinstance(cell, str) or cell.startswith("'"):
        return False
    stripped = cell.lstrip(SKIPPED)
    if cell[:1] in ("\t", "\r", "\n"):
        return True
    plain = stripped == cell and stripped[:1] in "+-" and stripped[1:].replace(" ", "").isascii() and \
        stripped[1:].replace(" ", "").isdecimal()
    return stripped[:1] != "" and stripped[0] in TRIGGERS and not plain


typed = st.one_of(
    st.text(),
    st.tuples(st.text(SKIPPED, max_size=3), st.sampled_from(PAYLOADS), st.text(max_size=10)).map("".join),
    st.tuples(st.sampled_from(TRIGGERS), st.text()).map("".join),
)


@settings(max_examples=EXAMPLES, deadline=None)
@given(typed)
def test_no_cell_starts_a_formula_and_the_text_is_kept(value):
    cell = safe_cell(value)
    assert not runs_as_formula(cell)
    assert cell in (value, "'" + value)


def test_phone_numbers_and_numbers_are_shown_as_they_are():
    assert [safe_cell(v) for v in ("+966500000001", "-5", "0501 234 567", 4.5, None, "")] == [
        "+966500000001", "-5", "0501 234 567", 4.5, None, ""
    ]
    assert [safe_cell(v) for v in (" =1+1", "\n=1", "\t", "＝1+1", "\u200f-1+2")] == [
        "' =1+1", "'\n=1", "'\t", "'＝1+1", "'\u200f-1+2"
    ]


def test_both_file_kinds_pass_every_cell_through_the_guard():
    rows = [["الاسم", " =cmd()"], ["＠SUM(A1)", 3]]
    body = csv_download(rows, "x.csv").body.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(body))) == [["الاسم", "' =cmd()"], ["'＠SUM(A1)", "3"]]
    book = openpyxl.load_workbook(io.BytesIO(xlsx_download(rows, "x.xlsx", "s", {"A": 10}).body))
    assert list(book.active.iter_rows(values_only=True)) == [("الاسم", "' =cmd()"), ("'＠SUM(A1)", 3)]
