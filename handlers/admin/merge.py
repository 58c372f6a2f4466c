"""Joining two beneficiary records is a staff action: the compare page shows both side by side (the national ID
masked by role), and a confirm form (admin or researcher) merges them in one transaction (store/merge.py).
Every view and every merge is audited."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.appkeys import ENGINE, KEYRING
from conversations.national_id import mask
from handlers.admin.audit import audit
from handlers.admin.forms import FORM
from handlers.admin.guard import ANYONE, requires
from handlers.admin.pages import (
    SIGNED,
    Html,
    el,
    label,
    lang_of,
    layout,
    post_form,
    problem,
    see_other,
    short_day,
    t,
    table,
    time_text,
)
from handlers.admin.requests import names
from store.duplicates import Duplicate, possible_duplicates
from store.merge import MergeRefused, Summary, merge, summary

MERGERS = ("admin", "researcher")
FULL_ID_ROLES = ("admin", "researcher")
PATH = "/admin/beneficiaries/merge"
MAX_DIGITS = 18


def compare_link(keep: int, drop: int) -> str:
    return f"{PATH}?keep={keep}&drop={drop}"


def _record_id(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isascii() and value.isdecimal() and len(value) <= MAX_DIGITS else None


def _joined(request: web.Request, items: list[str]) -> str:
    return request.app[ENGINE].texts(lang_of(request), "list_separator").join(items)


def duplicate_notice(request: web.Request, beneficiary_id: int, found: list[Duplicate]) -> Html | None:
    """The request page's flag: each possible duplicate, why, and the link to compare it with this record."""
    if not found:
        return None
    items = []
    for dup in found:
        reasons = _joined(request, [label(request, "duplicate_reason", r) for r in dup.reasons])
        link = el("a", t(request, "duplicate_compare"), href=compare_link(beneficiary_id, dup.beneficiary_id))
        items.append(el("li", t(request, "duplicate_because", reasons=reasons), " ", link))
    return el("div", el("strong", t(request, "duplicate_title")), el("ul", *items), class_="notice")


async def request_duplicates(request: web.Request, tx: AsyncSession, beneficiary_id: int) -> Html | None:
    """The flag for a request's person, read in the page's transaction."""
    found = await possible_duplicates(tx, request.app[KEYRING], beneficiary_id)
    return duplicate_notice(request, beneficiary_id, found)


def _identity(request: web.Request, record: Summary) -> tuple[str, str]:
    """The decrypted name and national ID (masked for roles that do not decide)."""
    keyring, person = request.app[KEYRING], record.person
    try:
        name = keyring.decrypt(person.full_name_enc) if person.full_name_enc else "—"
        national_id = keyring.decrypt(person.national_id_enc) if person.national_id_enc else "—"
    except ValueError:
        return t(request, "undecryptable"), t(request, "undecryptable")
    if national_id != "—" and request[SIGNED].staff.role not in FULL_ID_ROLES:
        national_id = mask(national_id)
    return name, national_id


def _numbers(request: web.Request, numbers: list[str]) -> Html | str:
    return el("span", _joined(request, numbers), dir="ltr") if numbers else "—"


def _state(request: web.Request, record: Summary) -> str:
    person = record.person
    if person.merged_into_id is not None:
        return t(request, "merge_state_merged", record=person.merged_into_id, at=time_text(request, person.merged_at))
    if person.erased_at is not None:
        return t(request, "merge_state_erased")
    return t(request, "merge_state_current")


def _column(request: web.Request, record: Summary) -> list[object]:
    name, national_id = _identity(request, record)
    cities = names(request)["city"]
    city = record.person.city
    channels = _joined(request, [label(request, "channel", c) for c in record.channels])
    return [
        el("a", f"#{record.person.id}", href=f"/admin/beneficiaries/{record.person.id}", dir="ltr"),
        _state(request, record),
        el("bdi", name),
        el("span", national_id, dir="ltr"),
        _numbers(request, record.verified_numbers),
        _numbers(request, record.given_numbers),
        cities.get(city, city) if city else "—",
        channels or "—",
        record.requests,
        record.complaints,
        record.ratings,
        record.registrations,
        record.messages,
        short_day(request, record.person.created_at, with_time=True),
    ]


ROWS = (
    "merge_record", "merge_state", "f_full_name", "f_national_id", "merge_verified_mobile", "merge_given_mobile",
    "col_city", "merge_channels", "merge_requests", "merge_complaints", "merge_ratings", "merge_registrations",
    "merge_messages", "merge_created",
)  # fmt: skip


def _side_by_side(request: web.Request, keep: Summary, drop: Summary) -> Html:
    pairs = zip(ROWS, _column(request, keep), _column(request, drop), strict=True)
    cells = [([t(request, key), a, b], None) for key, a, b in pairs]
    return table(request, ("merge_field", "merge_keep", "merge_drop"), cells)


def _confirm(request: web.Request, keep: Summary, drop: Summary) -> Html | None:
    if request[SIGNED].staff.role not in MERGERS or keep.person.merged_into_id or drop.person.merged_into_id:
        return None
    return el(
        "section",
        el("h2", t(request, "merge_confirm_title")),
        el("p", t(request, "merge_confirm_intro", keep=keep.person.id, drop=drop.person.id), class_="hint"),
        post_form(
            request,
            PATH,
            el("input", type="hidden", name="keep", value=keep.person.id),
            el("input", type="hidden", name="drop", value=drop.person.id),
            button=t(request, "merge_confirm"),
        ),
    )


@requires(*ANYONE)
async def compare_page(request: web.Request) -> web.Response:
    """Both records side by side, a link to swap which one is kept, and the confirm form for those who merge."""
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    keep_id, drop_id = _record_id(request.query.get("keep", "")), _record_id(request.query.get("drop", ""))
    if keep_id is None or drop_id is None or keep_id == drop_id:
        return problem(request, 400, "merge_bad_records", back="/admin/requests")
    async with engine.sessions() as tx, tx.begin():
        keep, drop = await summary(tx, keep_id), await summary(tx, drop_id)
        if keep is None or drop is None:
            return problem(request, 404, "error_not_found", back="/admin/requests")
        for record in (keep_id, drop_id):
            audit(tx, staff.id, "view", f"beneficiary:{record}", engine.clock())
    done = drop.person.merged_into_id == keep_id
    return layout(
        request,
        t(request, "merge_title"),
        el("p", t(request, "merge_done", keep=keep_id, drop=drop_id), class_="notice") if done else None,
        el("p", t(request, "merge_intro"), class_="hint"),
        _side_by_side(request, keep, drop),
        None if done else el("p", el("a", t(request, "merge_swap"), href=compare_link(drop_id, keep_id))),
        _confirm(request, keep, drop),
    )


@requires(*MERGERS)
async def confirm(request: web.Request) -> web.Response:
    """Merge the dropped record into the kept one, and audit who did it, in one transaction."""
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    form = request[FORM]
    keep_id, drop_id = _record_id(form.get("keep")), _record_id(form.get("drop"))
    if keep_id is None or drop_id is None:
        return problem(request, 400, "merge_bad_records", back="/admin/requests")
    back = compare_link(keep_id, drop_id)
    try:
        async with engine.sessions() as tx, tx.begin():
            result = await merge(tx, keep_id, drop_id, engine.clock())
            audit(
                tx, staff.id, "beneficiary_merge", f"beneficiary:{keep_id}", engine.clock(),
                merged=drop_id, moved=result.moved, stayed=result.stayed,
            )  # fmt: skip
    except MergeRefused as refused:
        status = 404 if refused.reason == "missing" else 409
        return problem(request, status, f"merge_refused_{refused.reason}", back=back)
    return see_other(back)
