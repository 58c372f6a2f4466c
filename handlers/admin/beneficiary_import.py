"""Importing beneficiaries from a spreadsheet: upload (XLSX or CSV), a preview of every row with its problem in
words before anything is written, the import of the good rows on a confirm, and the refused rows as a sheet with
their reasons. Reading and checking live in store/importing.py, staging in store/import_batches.py."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import ENGINE, KEYRING
from conversations.national_id import mask
from handlers.admin.audit import audit
from handlers.admin.beneficiaries import IMPORTERS, PATH
from handlers.admin.forms import FORM
from handlers.admin.guard import requires
from handlers.admin.pages import (
    SIGNED,
    TEXTS,
    Html,
    el,
    field,
    lang_of,
    layout,
    post_form,
    problem,
    see_other,
    t,
    table,
)
from handlers.admin.spreadsheet import csv_download, xlsx_download
from store.import_batches import ImportRefused, refused_rows, run_import, stage
from store.importing import COLUMNS, MAX_ROWS, Checked, Problem, SheetError, check_rows, read_sheet
from store.models import BeneficiaryImport

IMPORT = f"{PATH}/import"
SHOWN = ("name", "national_id", "mobile", "city", "category", "consent")


def _batch_path(batch_id: int) -> str:
    return f"{IMPORT}/{batch_id}"


def problem_text(lang: str, code: str, row: int | None, record: int | None) -> str:
    """A row's problem in words (a duplicate names the row or the record it repeats)."""
    return TEXTS(lang, f"imp_problem_{code}", row=row or "", record=record or "")


def _problems(request: web.Request, problems: list[Problem]) -> Html:
    if not problems:
        return el("strong", t(request, "imp_ready"))
    lang = lang_of(request)
    return el(
        "ul", *(el("li", problem_text(lang, p.code, p.row, p.record)) for p in problems), class_="problems"
    )


def _id_cell(row: Checked) -> str:
    typed = row.values.get("national_id", "")
    return mask(row.national_id) if row.national_id else typed


def _upload_form(request: web.Request) -> Html:
    columns = TEXTS(lang_of(request), "imp_columns")
    picker = el("input", type="file", name="sheet", accept=".xlsx,.csv", required=True)
    return el(
        "section",
        el("p", t(request, "imp_intro", limit=MAX_ROWS)),
        el("p", columns, class_="hint"),
        post_form(request, IMPORT, field(t(request, "imp_file"), picker), button=t(request, "imp_preview"),
                  multipart=True),
    )  # fmt: skip


@requires(*IMPORTERS)
async def import_page(request: web.Request) -> web.Response:
    return layout(request, t(request, "imp_title"), _upload_form(request))


def _preview(request: web.Request, batch_id: int, checked: list[Checked]) -> web.Response:
    good = sum(1 for r in checked if not r.problems)
    cells = [
        (
            [
                r.row,
                el("bdi", r.values.get("name", "")),
                el("span", _id_cell(r), dir="ltr"),
                el("span", r.values.get("mobile", ""), dir="ltr"),
                r.values.get("city", ""),
                r.values.get("category", ""),
                r.values.get("consent", ""),
                _problems(request, r.problems),
            ],
            "late" if r.problems else None,
        )
        for r in checked
    ]
    columns = (
        "imp_row", "f_full_name", "f_national_id", "f_phone", "col_city", "col_category", "imp_consent",
        "imp_problem",
    )  # fmt: skip
    confirm = (
        post_form(request, _batch_path(batch_id), button=t(request, "imp_confirm", count=good))
        if good else el("p", t(request, "imp_nothing_good"), class_="notice")
    )  # fmt: skip
    summary = t(request, "imp_summary", total=len(checked), good=good, refused=len(checked) - good)
    return layout(
        request,
        t(request, "imp_preview_title"),
        el("p", summary, class_="status"),
        el("p", t(request, "imp_nothing_written"), class_="hint"),
        confirm,
        table(request, columns, cells),
    )


@requires(*IMPORTERS, upload=True)
async def preview(request: web.Request) -> web.Response:
    """Read and check the uploaded sheet; keep it (encrypted) for the import; write no beneficiary."""
    engine, staff, keyring = request.app[ENGINE], request[SIGNED].staff, request.app[KEYRING]
    upload = request[FORM].files.get("sheet")
    if upload is None:
        return problem(request, 400, "imp_no_file", back=IMPORT)
    try:
        rows = read_sheet(upload.filename, upload.data)
    except SheetError as error:
        return _unreadable(request, error)
    async with engine.sessions() as tx, tx.begin():
        checked = await check_rows(tx, keyring, engine.profile, rows)
        batch = await stage(tx, keyring, staff.id, upload.filename, upload.data, engine.clock())
        refused = sum(1 for r in checked if r.problems)
        audit(tx, staff.id, "beneficiary_import_previewed", f"import:{batch.id}", engine.clock(),
              rows=len(checked), refused=refused)  # fmt: skip
    return _preview(request, batch.id, checked)


def _unreadable(request: web.Request, error: SheetError) -> web.Response:
    """Why the file is not a sheet of beneficiaries, in words, with the way back to the upload."""
    lang = lang_of(request)
    missing = _joined(request, lang, [TEXTS(lang, f"imp_col_{key}") for key in error.missing])
    text = t(request, f"imp_sheet_{error.reason}", columns=missing, limit=MAX_ROWS)
    body = (el("p", text, class_="notice"), el("a", t(request, "back"), href=IMPORT))
    return layout(request, t(request, "title_400"), *body, status=400)


def _joined(request: web.Request, lang: str, items: list[str]) -> str:
    return request.app[ENGINE].texts(lang, "list_separator").join(items)


def _batch_id(request: web.Request) -> int:
    return int(request.match_info["batch_id"])


@requires(*IMPORTERS)
async def confirm(request: web.Request) -> web.Response:
    """Import the previewed sheet's good rows in one transaction, audited; then its result page."""
    engine, staff, keyring = request.app[ENGINE], request[SIGNED].staff, request.app[KEYRING]
    batch_id = _batch_id(request)
    try:
        async with engine.sessions() as tx, tx.begin():
            outcome = await run_import(tx, keyring, engine.profile, batch_id, staff.id, engine.clock())
            audit(tx, staff.id, "beneficiary_import", f"import:{batch_id}", engine.clock(),
                  imported=outcome.imported, refused=len(outcome.refused))  # fmt: skip
    except ImportRefused as refused:
        status = 404 if refused.reason == "missing" else 409
        return problem(request, status, f"imp_refused_{refused.reason}", back=_batch_path(batch_id))
    return see_other(_batch_path(batch_id))


async def _done_batch(request: web.Request) -> BeneficiaryImport | web.Response:
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    async with engine.sessions() as tx:
        batch = await tx.get(BeneficiaryImport, _batch_id(request))
    if batch is None or batch.staff_id != staff.id or batch.status != "imported":
        return problem(request, 404, "error_not_found", back=IMPORT)
    return batch


def _reasons(request: web.Request, lang: str, row: dict) -> str:
    return _joined(
        request, lang, [problem_text(lang, code, at, record) for code, at, record in row["problems"]]
    )


@requires(*IMPORTERS)
async def result(request: web.Request) -> web.Response:
    """How many were imported, and the refused rows with their reasons (also as a sheet)."""
    batch = await _done_batch(request)
    if isinstance(batch, web.Response):
        return batch
    left, lang = refused_rows(request.app[KEYRING], batch), lang_of(request)
    cells = [
        (
            [
                r["row"],
                el("bdi", r["values"].get("name", "")),
                el("span", r["values"].get("mobile", ""), dir="ltr"),
                _reasons(request, lang, r),
            ],
            "late",
        )
        for r in left
    ]
    base = _batch_path(batch.id)
    sheets = el(
        "p",
        el("a", t(request, "imp_refused_xlsx"), href=f"{base}/refused.xlsx", class_="button"),
        el("a", t(request, "imp_refused_csv"), href=f"{base}/refused.csv", class_="button"),
        class_="toolbar",
    ) if left else None  # fmt: skip
    return layout(
        request,
        t(request, "imp_done_title"),
        el(
            "p",
            t(
                request,
                "imp_done",
                imported=t(request, "imp_done_imported", count=batch.imported),
                refused=t(request, "imp_done_refused", count=len(left)),
            ),
            class_="status",
        ),
        el("p", el("a", t(request, "imp_to_list"), href=PATH)),
        sheets,
        table(request, ("imp_row", "f_full_name", "f_phone", "imp_problem"), cells),
    )


async def _refused_sheet(request: web.Request, kind: str) -> list[list[object]] | web.Response:
    batch = await _done_batch(request)
    if isinstance(batch, web.Response):
        return batch
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    async with engine.sessions() as tx, tx.begin():
        audit(tx, staff.id, "import_refused_exported", f"import:{batch.id}", engine.clock(), format=kind)
    rows: list[list[object]] = [[TEXTS("ar", "imp_row"), *(TEXTS("ar", f"imp_col_{c}") for c in COLUMNS),
                                 TEXTS("ar", "imp_problem")]]  # fmt: skip
    for row in refused_rows(request.app[KEYRING], batch):
        rows.append([row["row"], *(row["values"].get(c, "") for c in COLUMNS), _reasons(request, "ar", row)])
    return rows


@requires(*IMPORTERS)
async def refused_csv(request: web.Request) -> web.Response:
    rows = await _refused_sheet(request, "csv")
    return rows if isinstance(rows, web.Response) else csv_download(rows, f"refused-{_batch_id(request)}.csv")


@requires(*IMPORTERS)
async def refused_xlsx(request: web.Request) -> web.Response:
    rows = await _refused_sheet(request, "xlsx")
    if isinstance(rows, web.Response):
        return rows
    return xlsx_download(rows, f"refused-{_batch_id(request)}.xlsx", TEXTS("ar", "imp_refused_sheet"))
