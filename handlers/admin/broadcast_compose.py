"""Composing an announcement: from a program (its text prefilled in both languages) or free, an audience with
its size shown before sending, a preview per language, and the policy's lead time (§6) checked on send:
an announcement of a program goes out at least N working days before it, unless an admin overrides in writing.
Sending only writes the Broadcast row; the bot's scheduler fans it out (bot/broadcast.py)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.appkeys import ENGINE
from conversations.dates import date_text
from handlers import bounds
from handlers.admin.audit import audit
from handlers.admin.broadcast_confirm import confirm_send
from handlers.admin.broadcast_draft import (
    MAX_REASON,
    MAX_TEXT,
    WRITTEN_IN,
    Draft,
    complies,
    latest_compliant,
    lead_days,
    read_draft,
)
from handlers.admin.confirm import confirmed
from handlers.admin.forms import FORM, Form
from handlers.admin.guard import requires
from handlers.admin.pages import (
    SIGNED,
    Html,
    csrf_input,
    el,
    label,
    lang_of,
    language_name,
    layout,
    problem,
    see_other,
    t,
)
from handlers.admin.pages import field as labelled
from handlers.admin.program_form import check_box
from handlers.admin.program_text import announcement
from handlers.admin.programs import EDITORS
from store import broadcast_scheduling as scheduling
from store.audience import sendable
from store.models import Program


def _options(programs: list[Program], chosen: str, request: web.Request, empty: str) -> list[Html]:
    lang = lang_of(request)
    options = [el("option", empty, value="")]
    return options + [
        el(
            "option",
            f"#{p.id} {(p.title_en if lang == 'en' else '') or p.title_ar}",
            value=str(p.id),
            selected=str(p.id) == chosen,
        )
        for p in programs
    ]


def _audience_fields(request: web.Request, raw: dict[str, str], programs: list[Program], size: int) -> Html:
    profile, lang = request.app[ENGINE].profile, lang_of(request)
    groups = [
        ("aud_cities", [check_box(raw, f"aud_city_{c.key}", c.name.get(lang)) for c in profile.service_area]),
        (
            "aud_languages",
            [check_box(raw, f"aud_lang_{g}", language_name(request, g)) for g in profile.languages],
        ),
        (
            "aud_channels",
            [
                check_box(raw, f"aud_channel_{c}", label(request, "channel", c))
                for c in sendable(profile.channels)
            ],
        ),
    ]
    past = el(
        "select", _options(programs, raw.get("aud_past", ""), request, t(request, "nobody")), name="aud_past"
    )
    return el(
        "fieldset",
        el("legend", t(request, "audience")),
        el("p", t(request, "audience_hint"), class_="hint"),
        *(el("div", el("span", t(request, key)), *boxes, class_="checks") for key, boxes in groups),
        labelled(t(request, "aud_past_label"), past),
        check_box(raw, "aud_volunteers", t(request, "aud_volunteers_label")),
        el("p", el("strong", t(request, "audience_size", count=size)), class_="size", role="status"),
    )


def _when_fields(request: web.Request, raw: dict[str, str]) -> Html:
    later = raw.get("when") == "later"
    radios = [
        el(
            "label",
            el("input", type="radio", name="when", value=v, checked=(v == "later") == later),
            el("span", t(request, f"when_{v}")),
            class_="check",
        )
        for v in ("now", "later")
    ]
    at = labelled(
        t(request, "send_at"),
        el("input", type="datetime-local", name="send_at", value=raw.get("send_at", "")),
    )
    return el("fieldset", el("legend", t(request, "when")), *radios, at)


def _preview(request: web.Request, raw: dict[str, str]) -> Html:
    items = [
        el(
            "div",
            el("h3", language_name(request, lang)),
            el(
                "p",
                raw.get(f"text_{lang}", ""),
                class_="typed bubble",
                lang=lang,
                dir="rtl" if lang == "ar" else "ltr",
            ),
        )
        for lang in WRITTEN_IN
    ]
    return el("section", el("h2", t(request, "preview")), *items, class_="preview")


def _compose_form(request: web.Request, raw: dict[str, str], programs: list[Program], size: int) -> Html:
    texts = [
        labelled(
            t(request, f"text_{lang}"),
            el(
                "textarea",
                raw.get(f"text_{lang}", ""),
                name=f"text_{lang}",
                rows="10",
                maxlength=str(MAX_TEXT),
                dir="rtl" if lang == "ar" else "ltr",
            ),
        )
        for lang in WRITTEN_IN
    ]
    override = None
    if request[SIGNED].staff.role == "admin":
        area = el(
            "textarea",
            raw.get("override_reason", ""),
            name="override_reason",
            rows="2",
            maxlength=str(MAX_REASON),
        )
        override = labelled(t(request, "override_reason"), area)
    buttons = el(
        "div",
        el(
            "button",
            t(request, "preview_button"),
            type="submit",
            name="step",
            value="preview",
            class_="secondary",
        ),
        el("button", t(request, "send_button"), type="submit", name="step", value="send"),
        class_="buttons",
    )
    return el(
        "form",
        csrf_input(request),
        el("input", type="hidden", name="program_id", value=raw.get("program_id", "")),
        *texts,
        _audience_fields(request, raw, programs, size),
        _when_fields(request, raw),
        override,
        buttons,
        method="post",
        action="/admin/broadcasts/new",
    )


def _prefill_form(request: web.Request, programs: list[Program], chosen: str) -> Html:
    select_ = el("select", _options(programs, chosen, request, t(request, "free_text")), name="program")
    return el(
        "form",
        labelled(t(request, "from_program"), select_),
        el("button", t(request, "prefill"), type="submit"),
        method="get",
        action="/admin/broadcasts/new",
        class_="filters",
    )


async def _compose(
    request: web.Request, tx: AsyncSession, raw: dict[str, str], notices: list[str], status: int = 200
) -> web.Response:
    """The compose page for `raw`, with the audience's size, the preview and any refusal."""
    programs = await scheduling.programs_to_announce(tx)
    draft = read_draft(Form(raw), request.app[ENGINE].profile, request.app[ENGINE].clock())
    size = await scheduling.audience_size(tx, draft.audience)
    notice = el("ul", [el("li", n) for n in notices], class_="notice", role="alert") if notices else None
    return layout(
        request,
        t(request, "broadcast_new"),
        _prefill_form(request, programs, raw.get("program_id", "")),
        notice,
        _compose_form(request, raw, programs, size),
        _preview(request, raw),
        status=status,
    )


@requires(*EDITORS)
async def compose_page(request: web.Request) -> web.Response:
    """An empty announcement, or one prefilled from `?program=`."""
    engine, raw = request.app[ENGINE], {"when": "now"}
    asked = request.query.get("program", "")
    chosen = bounds.record_id(asked)
    if asked and chosen is None:
        return problem(request, 400, "error_bad_parameter", back="/admin/broadcasts/new")
    async with engine.sessions() as tx:
        program = await tx.get(Program, chosen) if chosen is not None else None
        if program is not None:
            raw["program_id"] = str(program.id)
            raw |= {f"text_{g}": announcement(engine.texts, g, engine.profile, program) for g in ("ar", "en")}
        return await _compose(request, tx, raw, [])


def _lead_time(request: web.Request, program: Program | None, draft: Draft) -> tuple[int, list[str]] | None:
    """A refusal (status, messages) when the lead time is not kept and no admin overrides it; the reason is
    dropped when no override is needed."""
    engine, role = request.app[ENGINE], request[SIGNED].staff.role
    days = lead_days(engine.profile, program)
    if days is None or complies(engine.profile, draft.send_at, program.starts_at, days):
        draft.override_reason = ""
        return None
    latest = date_text(
        engine.texts, lang_of(request), latest_compliant(engine.profile, program.starts_at, days)
    )
    rule = t(request, "lead_time_rule", kind=label(request, "kind", program.kind), days=days, latest=latest)
    if role != "admin":
        return (403, [rule, t(request, "error_override_admin")]) if draft.override_reason else (409, [rule])
    return None if draft.override_reason else (409, [rule, t(request, "override_hint")])


@requires(*EDITORS)
async def compose_post(request: web.Request) -> web.Response:
    """Preview (the page again, with the audience's size), or send: a scheduled Broadcast row, audited."""
    engine, staff, form = request.app[ENGINE], request[SIGNED].staff, request[FORM]
    now = engine.clock()
    draft = read_draft(form, engine.profile, now)
    async with engine.sessions() as tx, tx.begin():
        program = await tx.get(Program, draft.program_id) if draft.program_id else None
        past = draft.audience.get("past_participants_of")
        if (draft.program_id and program is None) or (past and await tx.get(Program, past) is None):
            draft.errors.append("error_b_program")
        if draft.errors or form.get("step") != "send":
            notices = [t(request, key) for key in dict.fromkeys(draft.errors)]
            return await _compose(request, tx, form.fields, notices, 400 if draft.errors else 200)
        refusal = _lead_time(request, program, draft)
        if refusal is not None:
            return await _compose(request, tx, form.fields, refusal[1], refusal[0])
        if not confirmed(request):
            return await confirm_send(request, tx, draft)
        broadcast = await scheduling.schedule(
            tx, program_id=draft.program_id, texts=draft.texts, audience=draft.audience,
            send_at=draft.send_at, override_reason=draft.override_reason or None, staff_id=staff.id, now=now,
        )  # fmt: skip
        subject = f"broadcast:{broadcast.id}"
        audit(
            tx,
            staff.id,
            "broadcast_created",
            subject,
            now,
            program_id=draft.program_id,
            audience=draft.audience,
            send_at=draft.send_at.isoformat(),
        )
        if draft.override_reason:
            audit(tx, staff.id, "lead_time_override", subject, now, reason=draft.override_reason)
    return see_other(f"/admin/broadcasts/{broadcast.id}?done=created")
