"""One beneficiary's page: who they are (the national ID masked by role), their channels with the last message on
each, possible duplicates, and everything about them, newest first (store/person_history.py). Audited."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import ENGINE, KEYRING
from handlers.admin.audit import audit
from handlers.admin.beneficiaries import PATH, national_id_shown
from handlers.admin.guard import ANYONE, requires
from handlers.admin.merge import duplicate_notice
from handlers.admin.pages import (
    SIGNED,
    cat,
    el,
    Html,
    label,
    lang_of,
    language_name,
    layout,
    problem,
    short_day,
    t,
    table,
    time_text,
    typed,
)
from handlers.admin.requests import names
from handlers.admin.signups import city_name, person_name
from store import aid, staff_accounts
from store.duplicates import possible_duplicates
from store.person_history import MESSAGES, Channel, Entry, History, history

NOTES_HIDDEN_FROM = ("viewer",)


def _notes(request: web.Request, found: History) -> str:
    """The association's notes (they may hold a family's circumstances): not for the read-only role."""
    token = found.person.notes_enc
    if not token:
        return "—"
    if request[SIGNED].staff.role in NOTES_HIDDEN_FROM:
        return t(request, "b_notes_hidden")
    try:
        return request.app[KEYRING].decrypt(token)
    except ValueError:
        return t(request, "undecryptable")


def _aid_delivered(request: web.Request, found: History) -> str:
    """How many of their requests were delivered, and the money given (cash and vouchers), in words."""
    count, money = found.aid_delivered
    if count == 0:
        return t(request, "b_aid_none")
    given = t(request, "b_aid_count", count=count)
    return t(request, "b_aid_with_money", given=given, amount=aid.riyals_text(money)) if money else given


def _facts(request: web.Request, found: History) -> Html:
    engine, person, lang = request.app[ENGINE], found.person, lang_of(request)
    category = (
        names(request)["category"].get(person.category or "", person.category) if person.category else "—"
    )
    items: list[tuple[str, object]] = [
        ("b_record", el("span", f"#{person.id}", dir="ltr")),
        ("f_full_name", el("bdi", person_name(request.app[KEYRING], person, t(request, "undecryptable")))),
        ("b_channel_name", el("bdi", person.display_name or "—")),
        ("f_national_id", el("span", national_id_shown(request, person), dir="ltr")),
        ("f_phone", el("span", person.phone or "—", dir="ltr")),
        ("col_city", city_name(engine.profile, lang, person.city)),
        ("col_category", category),
        ("b_language", language_name(request, person.language)),
        ("b_aid_delivered", _aid_delivered(request, found)),
        ("b_notes", typed(_notes(request, found))),
        ("b_created", time_text(request, person.created_at)),
    ]
    if person.merged_into_id is not None:
        merged = el(
            "a",
            t(request, "b_merged_into", record=person.merged_into_id),
            href=f"{PATH}/{person.merged_into_id}",
        )
        items.insert(1, ("col_status", merged))
    if person.erased_at is not None:
        items.insert(1, ("col_status", t(request, "merge_state_erased")))
    return el(
        "dl", *(cat(el("dt", t(request, key)), el("dd", value)) for key, value in items), class_="facts"
    )


def _channel_state(request: web.Request, channel: Channel) -> str:
    identity = channel.identity
    if identity.unreachable:
        return t(request, "b_unreachable")
    return t(request, "b_opted_out") if identity.opted_out else t(request, "b_receives_announcements")


def _channels(request: web.Request, found: History) -> Html:
    cells = [
        (
            [
                label(request, "channel", c.identity.channel),
                _channel_state(request, c),
                typed(c.last_text, "span") if c.last_text else "—",
                short_day(request, c.last_at, with_time=True),
            ],
            None,
        )
        for c in found.channels
    ]
    return table(request, ("f_channel", "col_status", "b_last_message", "col_at"), cells)


def _program_title(request: web.Request, entry: Entry) -> str:
    english = entry.detail.get("en") if lang_of(request) == "en" else ""
    return english or entry.detail.get("ar", "")


def _what(request: web.Request, entry: Entry, who: dict[int, str]) -> list[object]:
    """(what happened, its detail) in words, with a link to where it is handled."""
    kind, ref = entry.kind, entry.reference
    if kind == "request":
        link = el("a", ref, href=f"/admin/requests/{ref}", dir="ltr")
        category = names(request)["category"].get(entry.detail.get("category", ""), "")
        return [
            cat(t(request, "b_h_request"), " ", link),
            f"{category} · {label(request, 'status', entry.status)}",
        ]
    if kind == "request_event":
        link = el("a", ref, href=f"/admin/requests/{ref}", dir="ltr")
        parts = [label(request, "status", entry.status)] if entry.status else []
        if entry.detail.get("evidence"):
            parts.append(label(request, "evidence", entry.detail["evidence"]))
        if entry.detail.get("aid_kind"):
            parts.append(label(request, "aid", entry.detail["aid_kind"]))
        if entry.detail.get("aid_halalas"):
            parts.append(t(request, "aid_riyals", amount=aid.riyals_text(entry.detail["aid_halalas"])))
        parts += [entry.text] if entry.text else []
        return [
            cat(label(request, "event", entry.detail.get("event", "")), " · ", link),
            typed(" · ".join(parts), "span"),
        ]
    if kind in ("registration", "attendance"):
        link = el("a", _program_title(request, entry), href=f"/admin/programs/{ref}")
        state = label(request, "reg", entry.status) if kind == "registration" else t(request, "b_attended")
        return [cat(t(request, f"b_h_{kind}"), " · ", link), state]
    if kind == "complaint":
        link = el("a", ref, href=f"/admin/complaints/{ref}", dir="ltr")
        what = cat(label(request, "ckind", entry.detail.get("complaint_kind", "")), " ", link)
        return [what, cat(label(request, "cstatus", entry.status), typed(entry.text))]
    if kind == "rating":
        score = t(request, "b_score", score=entry.detail.get("score"))
        service = label(request, "b_service", entry.detail.get("service", ""))
        return [
            cat(t(request, "b_h_rating"), " · ", service),
            cat(score, typed(entry.text) if entry.text else None),
        ]
    if kind == "handoff":
        link = el("a", ref, href=f"/admin/inbox/{ref}", dir="ltr")
        state = label(request, "handoff", entry.status)
        return [
            cat(t(request, "b_h_handoff"), " ", link),
            cat(state, typed(entry.text) if entry.text else None),
        ]
    if kind == "document":
        return [cat(t(request, "b_h_document"), " · ", label(request, "doc", entry.detail.get("doc", ""))),
                entry.detail.get("name") or "—"]  # fmt: skip
    sender = (
        who.get(entry.detail.get("staff_id"), t(request, "from_staff"))
        if entry.detail.get("staff_id")
        else t(request, "from_bot")
    )
    heading = t(request, "b_h_message", channel=label(request, "channel", ref), sender=sender)
    return [
        heading,
        cat(
            el("strong", t(request, "b_delivery", state=label(request, "delivery", entry.status))),
            typed(entry.text),
        ),
    ]


def _timeline(request: web.Request, found: History, who: dict[int, str]) -> Html:
    cells = [([short_day(request, e.at, with_time=True), *_what(request, e, who)], None) for e in reversed(found.entries)]
    capped = (
        el("p", t(request, "b_messages_capped", limit=MESSAGES), class_="hint")
        if found.messages_capped
        else None
    )
    return cat(el("p", t(request, "b_history_intro"), class_="hint"), capped,
               table(request, ("col_at", "col_event", "col_detail"), cells))  # fmt: skip


def _section(request: web.Request, key: str, *body: object) -> Html:
    return el("section", el("h2", t(request, key)), *body)


@requires(*ANYONE)
async def person_page(request: web.Request) -> web.Response:
    """Everything about one person; the view is audited like a request's."""
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    pid = int(request.match_info["person_id"])
    async with engine.sessions() as tx, tx.begin():
        found = await history(tx, request.app[KEYRING], pid)
        if found is None:
            return problem(request, 404, "error_not_found", back=PATH)
        duplicates = await possible_duplicates(tx, request.app[KEYRING], pid)
        staff_ids = {e.detail.get("staff_id") for e in found.entries if e.kind == "message"}
        who = await staff_accounts.names(tx, staff_ids)
        audit(tx, staff.id, "view", f"beneficiary:{pid}", engine.clock())
    return layout(
        request,
        t(request, "b_person_title", record=pid),
        duplicate_notice(request, pid, duplicates),
        _section(request, "b_who", _facts(request, found)),
        _section(request, "b_channels", _channels(request, found)),
        _section(request, "b_history", _timeline(request, found, who)),
    )
