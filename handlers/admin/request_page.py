"""A request's own page: its data (the national ID in full only for the roles that decide), flags, documents,
notes, history and the actions open to the viewer; every view is audited."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.appkeys import ENGINE, KEYRING
from conversations.national_id import mask
from handlers.admin.actions import action_forms
from handlers.admin.attachments import attachment_list
from handlers.admin.audit import audit
from handlers.admin.delivery import delivery_section
from handlers.admin.files import shown_name
from handlers.admin.guard import ANYONE, requires
from handlers.admin.merge import request_duplicates
from handlers.admin.pages import (
    SIGNED,
    cat,
    day_text,
    done_notice,
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
from handlers.admin.requests import late_badge, names, overdue
from store import aid, sealed, staff_accounts, undelivered, walk_ins
from store import request_decisions as decisions
from store.models import Attachment, DeskIntake, HelpRequest, RequestEvent

FULL_ID_ROLES = ("admin", "researcher")
# Event detail fields shown in their own words; any other field is shown as key: value.
SHOWN_FIRST = ("status", "text", "text_sealed", "question", "evidence", "flags")


def _identity(request: web.Request, row: HelpRequest) -> tuple[str, str]:
    """The decrypted full name, and the national ID (masked for roles that do not decide)."""
    keyring = request.app[KEYRING]
    try:
        full_name, national_id = keyring.decrypt(row.full_name_enc), keyring.decrypt(row.national_id_enc)
    except ValueError:
        return t(request, "undecryptable"), t(request, "undecryptable")
    return full_name, national_id if request[SIGNED].staff.role in FULL_ID_ROLES else mask(national_id)


def _description(request: web.Request, row: HelpRequest) -> str:
    """The need as the beneficiary wrote it, decrypted (health details among it are sealed at rest)."""
    try:
        return sealed.description(request.app[KEYRING], row)
    except ValueError:
        return t(request, "undecryptable")


def _answer_text(request: web.Request, detail: dict) -> str:
    try:
        return sealed.answer_text(request.app[KEYRING], detail)
    except ValueError:
        return t(request, "undecryptable")


def _answer(request: web.Request, prefix: str, value: str) -> str:
    """A form answer's label from the beneficiaries' catalog (e.g. help_residency_citizen), else the value."""
    return request.app[ENGINE].texts.languages()[lang_of(request)].get(f"{prefix}_{value}", value)


def _conditions(request: web.Request, row: HelpRequest) -> str:
    engine, lang = request.app[ENGINE], lang_of(request)
    category = next((c for c in engine.profile.categories if c.key == row.category), None)
    texts = {c.key: c.text.get(lang) for c in category.conditions} if category else {}
    return engine.texts(lang, "list_separator").join(texts.get(k, k) for k in row.conditions)


def _beneficiary_type(request: web.Request, row: HelpRequest) -> list[tuple[str, object]]:
    """The type of beneficiary (seed 004), where the profile has types."""
    kind = next((k for k in request.app[ENGINE].profile.beneficiary_types if k.key == row.beneficiary_type), None)
    if kind is None:
        return []
    unconfirmed = el("span", t(request, "type_to_confirm"), class_="notice") if kind.to_confirm else None
    return [("f_beneficiary_type", cat(kind.name.get(lang_of(request)), " ", unconfirmed))]


def _policy_wording(request: web.Request, row: HelpRequest) -> list[tuple[str, object]]:
    """Beside what the beneficiary chose: the category's rule in the policy's own words, and whether the
    category is one the policy does not name (the association's to confirm)."""
    category = next((c for c in request.app[ENGINE].profile.categories if c.key == row.category), None)
    if category is None:
        return []
    items: list[tuple[str, object]] = []
    seeds = [c.seed for c in category.conditions if c.seed]
    if category.seed_rule or seeds:
        lines = [el("p", category.seed_rule)] if category.seed_rule else []
        lines.append(el("ul", *(el("li", seed) for seed in seeds)))
        items.append(("f_policy_wording", el("blockquote", *lines, lang="ar", dir="rtl", class_="policy")))
    if category.to_confirm:
        items.append(("f_category_status", el("span", t(request, "category_to_confirm"), class_="notice")))
    return items


def _evidence(request: web.Request, row: HelpRequest) -> Html:
    evidence = row.evidence or {}
    link = None
    if evidence.get("attachment_id"):
        link = el(
            "a",
            t(request, "download"),
            href=f"/admin/requests/{row.reference}/files/{evidence['attachment_id']}",
        )
    kind = label(request, "evidence", evidence.get("kind", ""))
    return cat(kind, " · ", el("span", evidence.get("reference", ""), dir="ltr"), " ", link)


def _when_who(request: web.Request, moment: object, staff_id: int | None, who: dict[int, str]) -> str:
    return f"{time_text(request, moment)} · {who.get(staff_id, '—')}"


def _intake(request: web.Request, intake: DeskIntake | None, who: dict[int, str]) -> list[tuple[str, object]]:
    """For a request entered at the desk: who entered it, the representative who brought it, the declaration."""
    if intake is None:
        return []
    items: list[tuple[str, object]] = [("f_entered_by", who.get(intake.entered_by, "—"))]
    if intake.representative_name:
        items.append(("f_representative", cat(el("bdi", intake.representative_name), " · ",
                                              el("bdi", intake.representative_office or ""))))
    if intake.declaration:
        declaration = label(request, "declaration", intake.declaration)
        link = None
        if intake.declaration_attachment_id:
            href = f"/admin/requests/{request.match_info['reference']}/files/{intake.declaration_attachment_id}"
            link = el("a", t(request, "download"), href=href)
        items.append(("f_declaration", cat(declaration, " ", link)))
    return items


def _facts(request: web.Request, row: HelpRequest, who: dict[int, str], intake: DeskIntake | None = None) -> Html:
    full_name, national_id = _identity(request, row)
    labels, late = names(request), overdue(row, request.app[ENGINE].clock())
    items: list[tuple[str, object]] = [
        ("f_full_name", el("bdi", full_name)),
        ("b_record", el("a", t(request, "b_open_person"), href=f"/admin/beneficiaries/{row.beneficiary_id}")),
        ("f_national_id", el("span", national_id, dir="ltr")),
        ("f_phone", el("span", row.phone or "—", dir="ltr")),
        ("b_language", language_name(request, row.language)),
        ("col_category", labels["category"].get(row.category, row.category)),
        ("col_city", labels["city"].get(row.city, row.city)),
        *_beneficiary_type(request, row),
        ("f_residency", _answer(request, "help_residency", row.residency)),
        ("f_household_size", row.household_size or "—"),  # 0: a type whose form does not ask it
        ("f_income_bracket", _answer(request, "help_income", row.income_bracket) if row.income_bracket else "—"),
        ("f_conditions", _conditions(request, row) or "—"),
        *_policy_wording(request, row),
        ("f_description", typed(_description(request, row) or "—")),
        ("f_channel", label(request, "channel", row.channel)),
        *_intake(request, intake, who),
        ("col_submitted", time_text(request, row.submitted_at)),
        ("col_due", cat(day_text(request, row.due_at), " ", late_badge(request) if late else None)),
    ]
    if row.info_question:
        items.append(("f_info_question", typed(row.info_question)))
    if row.decided_at:
        items.append(("f_decided", _when_who(request, row.decided_at, row.decided_by, who)))
    if row.decision_reason:
        items.append(("f_decision_reason", typed(row.decision_reason)))
    if row.delivered_at:
        items.append(("f_delivered", _when_who(request, row.delivered_at, row.delivered_by, who)))
        items.append(("f_evidence", _evidence(request, row)))
    if row.aid_kind:
        amount = t(request, "aid_riyals", amount=aid.riyals_text(row.aid_halalas)) if row.aid_halalas else None
        items.append(("f_aid", " · ".join(filter(None, (label(request, "aid", row.aid_kind), amount)))))
    return el(
        "dl", *(cat(el("dt", t(request, key)), el("dd", value)) for key, value in items), class_="facts"
    )


def _flags(request: web.Request, row: HelpRequest) -> Html:
    if not row.flags:
        return el("p", t(request, "no_flags"))
    return el("ul", [el("li", label(request, "flag", flag)) for flag in row.flags])


def _documents(request: web.Request, row: HelpRequest, docs: list[Attachment]) -> Html:
    """What the beneficiary sent (previewed, to open), then the files staff attached (to download)."""
    uploads = [
        el("li", el("a", t(request, "download"), href=f"/admin/requests/{row.reference}/files/{d.id}"), " ",
           label(request, "doc", d.kind), " ", shown_name(d) or d.content_type)
        for d in docs
        if d.kind == "upload"
    ]  # fmt: skip
    sent = attachment_list(request, [d for d in docs if d.kind != "upload"])
    return cat(sent, el("ul", *uploads, class_="files") if uploads else None)


def _detail(request: web.Request, event: RequestEvent) -> Html:
    """An event's detail as text: the fields with their own wording first, the rest as key: value."""
    detail = event.detail or {}
    parts = [label(request, "status", detail["status"])] if detail.get("status") else []
    parts += [said for said in (_answer_text(request, detail), str(detail.get("question") or "")) if said]
    if detail.get("evidence"):
        parts.append(label(request, "evidence", detail["evidence"].get("kind", "")))
    parts += [label(request, "flag", flag) for flag in detail.get("flags") or []]
    parts += [f"{k}: {v}" for k, v in detail.items() if k not in SHOWN_FIRST and v not in (None, "", [], {})]
    return typed(" · ".join(parts)) if parts else Html("")


def _actor(request: web.Request, actor: str, who: dict[int, str]) -> str:
    kind, _, number = actor.partition(":")
    if kind == "staff" and number.isdecimal():
        return who.get(int(number), actor)
    return label(request, "actor", kind)


def _events(request: web.Request, events: list[RequestEvent], who: dict[int, str], empty: str) -> Html:
    cells = [
        (
            [
                short_day(request, e.at, with_time=True),
                _actor(request, e.actor, who),
                label(request, "event", e.kind),
                _detail(request, e),
            ],
            None,
        )
        for e in events
    ]
    return table(request, ("col_at", "col_actor", "col_event", "col_detail"), cells, empty=empty)


async def _load(
    tx: AsyncSession, row: HelpRequest
) -> tuple[list[RequestEvent], list[Attachment], dict[int, str]]:
    """The request's history (oldest first), its documents, and the names of the staff who appear in them."""
    events = await decisions.history(tx, row)
    actors = {int(e.actor[6:]) for e in events if e.actor.startswith("staff:") and e.actor[6:].isdecimal()}
    who = await staff_accounts.names(tx, {row.decided_by, row.delivered_by, *actors})
    return events, await decisions.documents(tx, row), who


def _section(request: web.Request, title_key: str, *body: object) -> Html:
    return el("section", el("h2", t(request, title_key)), *body)


@requires(*ANYONE)
async def request_page(request: web.Request) -> web.Response:
    """Everything about one request, and the actions this staff member may take on it now."""
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    reference = request.match_info["reference"]
    async with engine.sessions() as tx, tx.begin():
        row = await decisions.find(tx, reference)
        if row is None:
            return problem(request, 404, "error_not_found", back="/admin/requests")
        events, docs, who = await _load(tx, row)
        duplicates = await request_duplicates(request, tx, row.beneficiary_id)
        messages = await undelivered.for_subject(tx, f"request:{reference}")
        intake = await walk_ins.intake_of(tx, "help_request", row.id)
        if intake is not None:
            who |= await staff_accounts.names(tx, {intake.entered_by})
        audit(tx, staff.id, "view", f"request:{reference}", engine.clock())
    status = el(
        "p",
        t(request, "col_status"),
        ": ",
        el("strong", label(request, "status", row.status)),
        class_="status",
    )
    notes = [e for e in events if e.kind == "note"]
    return layout(
        request,
        t(request, "request_title", reference=reference),
        done_notice(request, ("walk_in", "accepted", "rejected"), "request_done"),
        status,
        delivery_section(request, messages),
        duplicates,
        _section(request, "data", _facts(request, row, who, intake)),
        _section(request, "flags", el("p", t(request, "flags_intro"), class_="hint"), _flags(request, row)),
        _section(request, "documents", _documents(request, row, docs)),
        _section(request, "actions", action_forms(request, row) or el("p", t(request, "no_actions"))),
        _section(request, "notes", _events(request, notes, who, "empty_notes")),
        _section(request, "history", _events(request, [e for e in events if e.kind != "note"], who, "empty_history")),
    )
