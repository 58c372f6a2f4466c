"""The attendance sheet (كشف الحضور, proof of service, policy §10): staff tick who came, check-ins by code
arrive from the bot, and the sheet is exported as CSV (UTF-8 with BOM, for Excel) or XLSX (right to left);
every tick and every export is audited."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from bot.appkeys import ENGINE, KEYRING
from conversations.dates import datetime_text
from handlers import bounds
from handlers.admin.audit import audit
from handlers.admin.forms import FORM
from handlers.admin.guard import requires
from handlers.admin.pages import (
    SIGNED,
    TEXTS,
    Html,
    csrf_input,
    el,
    label,
    problem,
    see_other,
    short_day,
    t,
    table,
)
from handlers.admin.programs import EDITORS, page_of, program_id
from handlers.admin.signups import city_name, person_name
from handlers.admin.spreadsheet import csv_download, xlsx_download
from store.attendance import presence
from store.models import Beneficiary, Program, Registration
from store.program_signups import signups
from store.ratings import rating_delay, schedule_rating

EXPORTERS = ("admin", "coordinator", "researcher")
HEADERS = ("الاسم", "الجوال", "المدينة", "الحالة", "وقت الحضور", "طريقة التسجيل")  # the sheet is in Arabic


def _box(row: Registration) -> Html:
    """Ticked when present; a check-in by code is not undone by staff."""
    attended = row.attended_at is not None
    return el(
        "input",
        type="checkbox",
        name=f"att_{row.id}",
        checked=attended,
        disabled=row.attendance_source == "checkin",
    )


def attendance_section(
    request: web.Request, program: Program, rows: list[tuple[Registration, Beneficiary]]
) -> Html:
    """The accepted sign-ups with their attendance, the tick form for editors, and the export links."""
    keyring, marking = request.app[KEYRING], request[SIGNED].staff.role in EDITORS
    unreadable, now = t(request, "undecryptable"), request.app[ENGINE].clock()
    cells = [
        (
            [
                _box(row) if marking else label(request, "present", presence(row.attended_at, program.starts_at, now)),
                el("bdi", person_name(keyring, person, unreadable)),
                el("span", person.phone or "—", dir="ltr"),
                short_day(request, row.attended_at, with_time=True),
                label(request, "source", row.attendance_source or "none"),
            ],
            None,
        )
        for row, person in rows
    ]
    grid = table(request, ("col_attended", "col_name", "col_phone", "col_attended_at", "col_source"), cells)
    base = page_of(program.id)
    body: Html = grid
    if marking and rows and program.status != "cancelled":
        save = el("button", t(request, "attendance_save"), type="submit")
        body = el("form", csrf_input(request), grid, save, method="post", action=f"{base}/attendance")
    exports = None
    if request[SIGNED].staff.role in EXPORTERS:
        exports = el(
            "p",
            el("a", t(request, "export_csv"), href=f"{base}/attendance.csv", class_="button"),
            " ",
            el("a", t(request, "export_xlsx"), href=f"{base}/attendance.xlsx", class_="button"),
        )
    return el("div", el("p", t(request, "attendance_hint"), class_="hint"), body, exports)


@requires(*EDITORS)
async def mark(request: web.Request) -> web.Response:
    """Ticked accepted people are present now (source staff); a staff tick taken off is undone."""
    engine, staff, pid = request.app[ENGINE], request[SIGNED].staff, program_id(request)
    fields = request[FORM].fields
    ticked = {rid for k in fields if k.startswith("att_") and (rid := bounds.record_id(k[4:]))}
    now = engine.clock()
    async with engine.sessions() as tx, tx.begin():
        program = await tx.get(Program, pid, with_for_update=True)
        if program is None:
            return problem(request, 404, "error_not_found", back="/admin/programs")
        if program.status == "cancelled":
            return problem(request, 409, "error_p_status", back=page_of(pid))
        marked = cleared = 0
        for row, _ in await signups(tx, pid, "accepted"):
            if row.id in ticked and row.attended_at is None:
                row.attended_at, row.attendance_source = now, "staff"
                marked += 1
                await schedule_rating(  # they came: they are asked to rate the program
                    tx, service_kind="program", service_ref=str(pid), conversation_key=row.conversation_key,
                    beneficiary_id=row.beneficiary_id, staff_id=staff.id, now=now,
                    delay=rating_delay(engine.profile), program_id=pid,
                )
            elif row.id not in ticked and row.attendance_source == "staff":
                row.attended_at, row.attendance_source = None, None
                cleared += 1
        audit(tx, staff.id, "attendance_marked", f"program:{pid}", now, marked=marked, cleared=cleared)
    return see_other(f"{page_of(pid)}#attendance")


async def _sheet(request: web.Request, kind: str) -> tuple[Program, list[list[str]]] | web.Response:
    """The sheet's rows in Arabic (title, date, blank, header, people); the export is audited."""
    engine, staff, pid = request.app[ENGINE], request[SIGNED].staff, program_id(request)
    keyring, now = request.app[KEYRING], engine.clock()
    async with engine.sessions() as tx, tx.begin():
        program = await tx.get(Program, pid)
        if program is None:
            return problem(request, 404, "error_not_found", back="/admin/programs")
        rows = [
            (r, p) for r, p in await signups(tx, pid) if r.status == "accepted" or r.attended_at is not None
        ]
        audit(tx, staff.id, "attendance_exported", f"program:{pid}", now, format=kind, rows=len(rows))
    unreadable = TEXTS("ar", "undecryptable")

    def when(moment: datetime | None) -> str:
        return datetime_text(engine.texts, "ar", engine.profile, moment) if moment else ""

    people = [
        [
            person_name(keyring, person, unreadable),
            person.phone or "",
            city_name(engine.profile, "ar", person.city),
            TEXTS("ar", f"present_{presence(row.attended_at, program.starts_at, now)}"),
            when(row.attended_at),
            TEXTS("ar", f"source_{row.attendance_source}") if row.attendance_source else "",
        ]
        for row, person in rows
    ]
    head = [
        [TEXTS("ar", "sheet_title"), program.title_ar],
        [TEXTS("ar", "sheet_date"), when(program.starts_at)],
    ]
    return program, [*head, [], list(HEADERS), *people]


@requires(*EXPORTERS)
async def export_csv(request: web.Request) -> web.Response:
    """The sheet as CSV."""
    sheet = await _sheet(request, "csv")
    if isinstance(sheet, web.Response):
        return sheet
    program, rows = sheet
    return csv_download(rows, f"attendance-{program.id}.csv")


@requires(*EXPORTERS)
async def export_xlsx(request: web.Request) -> web.Response:
    """The sheet as an Excel workbook, laid out right to left."""
    sheet = await _sheet(request, "xlsx")
    if isinstance(sheet, web.Response):
        return sheet
    program, rows = sheet
    widths = dict(zip("ABCDEF", (28, 16, 16, 12, 36, 16), strict=True))
    return xlsx_download(rows, f"attendance-{program.id}.xlsx", "كشف الحضور", widths)
