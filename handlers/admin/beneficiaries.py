"""The list of beneficiaries: search (name, mobile, ID or reference), filters, order, pages, and the export of
the whole match as XLSX or CSV (audited). The queries live in store/beneficiaries.py."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import ENGINE, KEYRING
from conversations.dates import datetime_text
from conversations.national_id import mask
from handlers.admin.attendance import EXPORTERS
from handlers.admin.audit import audit
from handlers.admin.guard import ANYONE, requires
from handlers.admin.pages import (
    SIGNED,
    TEXTS,
    Html,
    cat,
    el,
    field,
    label,
    lang_of,
    layout,
    short_day,
    t,
    table,
)
from handlers.admin.requests import names
from handlers.admin.spreadsheet import csv_download, xlsx_download
from handlers.admin.signups import city_name, person_name
from store.beneficiaries import NAME_SCAN, Filters, Listed, Page, every_match, search
from store.models import Beneficiary

PATH = "/admin/beneficiaries"
PAGE_SIZE = 50
MAX_QUERY = 100
FULL_ID_ROLES = ("admin", "researcher")
IMPORTERS = ("admin", "researcher")  # who may import a sheet of beneficiaries
ORDERS = {  # the list's order choices: (column, descending)
    "newest": ("created", True),
    "oldest": ("created", False),
    "city": ("city", False),
    "category": ("category", False),
}
COLUMNS = (
    "b_record", "f_full_name", "f_phone", "col_city", "col_category", "b_channels", "b_open_requests", "b_created",
)  # fmt: skip
SHEET_HEADERS = (
    "b_record", "f_full_name", "f_national_id", "f_phone", "col_city", "col_category", "b_channels",
    "b_open_requests", "b_created",
)  # fmt: skip


def person_link(person_id: int) -> str:
    return f"{PATH}/{person_id}"


def national_id_shown(request: web.Request, person: Beneficiary, lang: str | None = None) -> str:
    """The national ID, in full only for the roles that decide; a dash when there is none."""
    if not person.national_id_enc:
        return "—"
    try:
        digits = request.app[KEYRING].decrypt(person.national_id_enc)
    except ValueError:
        return TEXTS(lang or lang_of(request), "undecryptable")
    return digits if request[SIGNED].staff.role in FULL_ID_ROLES else mask(digits)


def joined(request: web.Request, lang: str, items: list[str]) -> str:
    return request.app[ENGINE].texts(lang, "list_separator").join(items)


def _filters(request: web.Request) -> Filters:
    query = request.query
    return Filters(
        text=query.get("q", "")[:MAX_QUERY],
        city=query.get("city", "")[:40],
        category=query.get("category", "")[:40],
        channel=query.get("channel", "")[:20],
        open_request=query.get("open") == "1",
        opted_out=query.get("opted_out") == "1",
    )


def _order(request: web.Request) -> tuple[str, str, bool]:
    chosen = request.query.get("order", "newest")
    chosen = chosen if chosen in ORDERS else "newest"
    return chosen, *ORDERS[chosen]


def _page_number(request: web.Request) -> int:
    value = request.query.get("page", "1")
    return int(value) if value.isascii() and value.isdecimal() and len(value) <= 6 else 1


def _select(request: web.Request, name: str, options: dict[str, str], chosen: str, everything: str) -> Html:
    items = [el("option", everything, value="")] if everything else []
    items += [el("option", text, value=key, selected=key == chosen) for key, text in options.items()]
    return field(t(request, f"b_filter_{name}"), el("select", items, name=name))


def _tick(request: web.Request, name: str, on: bool) -> Html:
    box = el("input", type="checkbox", name=name, value="1", checked=on)
    return el("label", box, t(request, f"b_filter_{name}"), class_="check")


def _filter_form(request: web.Request, filters: Filters, order: str) -> Html:
    labels = names(request)
    channels = {c: label(request, "channel", c) for c in request.app[ENGINE].profile.channels}
    search_box = el(
        "input", type="search", name="q", value=filters.text, maxlength=str(MAX_QUERY), dir="auto"
    )
    return el(
        "form",
        field(t(request, "b_search"), search_box),
        _select(request, "city", labels["city"], filters.city, t(request, "all")),
        _select(request, "category", labels["category"], filters.category, t(request, "all")),
        _select(request, "channel", channels, filters.channel, t(request, "all")),
        _select(request, "order", {k: t(request, f"b_order_{k}") for k in ORDERS}, order, ""),
        _tick(request, "open", filters.open_request),
        _tick(request, "opted_out", filters.opted_out),
        el("button", t(request, "filter"), type="submit"),
        method="get", action=PATH, class_="filters",
    )  # fmt: skip


def _row(request: web.Request, listed: Listed) -> list[object]:
    engine, person, lang = request.app[ENGINE], listed.person, lang_of(request)
    categories = names(request)["category"]
    return [
        el("a", f"#{person.id}", href=person_link(person.id), dir="ltr"),
        el("bdi", person_name(request.app[KEYRING], person, t(request, "undecryptable"))),
        el("span", person.phone or "—", dir="ltr"),
        city_name(engine.profile, lang, person.city),
        categories.get(person.category, person.category) if person.category else "—",
        joined(request, lang, [label(request, "channel", c) for c in listed.channels]) or "—",
        listed.open_requests,
        short_day(request, person.created_at, with_time=True),
    ]


def _pager(request: web.Request, page: Page) -> Html:
    """Where this page is in the list, links to the pages before and after, and the exports."""
    url = request.rel_url
    links: list[object] = [t(request, "b_page_of", page=page.page, pages=page.pages, total=page.total)]
    if page.page > 1:
        links.append(
            el("a", t(request, "b_previous"), href=str(url.update_query(page=page.page - 1)), rel="prev")
        )
    if page.page < page.pages:
        links.append(
            el("a", t(request, "b_next"), href=str(url.update_query(page=page.page + 1)), rel="next")
        )
    return el("p", *(el("span", link) for link in links), class_="toolbar pager")


def _exports(request: web.Request) -> Html | None:
    if request[SIGNED].staff.role not in EXPORTERS:
        return None
    query = request.rel_url.query_string
    suffix = f"?{query}" if query else ""
    return el(
        "p",
        el("a", t(request, "b_export_xlsx"), href=f"{PATH}.xlsx{suffix}", class_="button"),
        el("a", t(request, "b_export_csv"), href=f"{PATH}.csv{suffix}", class_="button"),
        el("a", t(request, "b_import_link"), href=f"{PATH}/import", class_="button")
        if request[SIGNED].staff.role in IMPORTERS else None,
        class_="toolbar",
    )  # fmt: skip


def _found_by(request: web.Request, page: Page) -> Html | None:
    notes = []
    if page.matched_by:
        found = joined(request, lang_of(request), [label(request, "b_matched", k) for k in page.matched_by])
        notes.append(el("p", t(request, "b_matched_by", how=found), class_="hint"))
    if page.name_scan_capped:
        notes.append(el("p", t(request, "b_name_scan_capped", limit=NAME_SCAN), class_="notice"))
    return cat(*notes) if notes else None


@requires(*ANYONE)
async def beneficiary_list(request: web.Request) -> web.Response:
    """A page of the current records that match; the search itself is not audited, opening a record is."""
    engine = request.app[ENGINE]
    filters = _filters(request)
    order, sort, descending = _order(request)
    async with engine.sessions() as tx:
        page = await search(
            tx, request.app[KEYRING], filters, sort=sort, descending=descending,
            page=_page_number(request), size=PAGE_SIZE,
        )  # fmt: skip
    cells = [(_row(request, listed), None) for listed in page.rows]
    return layout(
        request,
        t(request, "b_title"),
        _filter_form(request, filters, order),
        _exports(request),
        _found_by(request, page),
        table(request, COLUMNS, cells, empty="empty_beneficiaries"),
        _pager(request, page),
    )


async def _sheet(request: web.Request, kind: str) -> list[list[object]]:
    """Every match (the list's filters and order) in Arabic, as the sheet's rows; the export is audited."""
    engine, staff, keyring = request.app[ENGINE], request[SIGNED].staff, request.app[KEYRING]
    filters = _filters(request)
    _, sort, descending = _order(request)
    async with engine.sessions() as tx, tx.begin():
        page = await every_match(tx, keyring, filters, sort, descending)
        audit(
            tx,
            staff.id,
            "beneficiaries_exported",
            "beneficiaries",
            engine.clock(),
            format=kind,
            rows=page.total,
        )
    categories = {c.key: c.name.ar for c in engine.profile.categories}
    rows: list[list[object]] = [[TEXTS("ar", key) for key in SHEET_HEADERS]]
    for listed in page.rows:
        person = listed.person
        rows.append([
            person.id,
            person_name(keyring, person, TEXTS("ar", "undecryptable")),
            national_id_shown(request, person, "ar"),
            person.phone or "",
            city_name(engine.profile, "ar", person.city),
            categories.get(person.category or "", person.category or ""),
            joined(request, "ar", [TEXTS("ar", f"channel_{c}") for c in listed.channels]),
            listed.open_requests,
            datetime_text(engine.texts, "ar", engine.profile, person.created_at),
        ])  # fmt: skip
    return rows


@requires(*EXPORTERS)
async def export_csv(request: web.Request) -> web.Response:
    return csv_download(await _sheet(request, "csv"), "beneficiaries.csv")


@requires(*EXPORTERS)
async def export_xlsx(request: web.Request) -> web.Response:
    return xlsx_download(await _sheet(request, "xlsx"), "beneficiaries.xlsx", TEXTS("ar", "b_title"))
