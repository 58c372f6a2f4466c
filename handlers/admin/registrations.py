"""A program's page: its facts, its sign-ups, and the decisions on them (accept, reject, mark delivered), one
by one or in bulk. Each decision is audited and told to the beneficiary by an event of their conversation;
a seat freed by a rejection goes to the longest-waiting person on the waiting list."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.appkeys import ENGINE, KEYRING
from conversations import languages
from handlers import bounds
from handlers.admin.attendance import attendance_section
from handlers.admin.audit import audit
from handlers.admin.delivery import delivery_section
from handlers.admin.forms import FORM
from handlers.admin.guard import ANYONE, requires
from handlers.admin.pages import (
    SIGNED,
    Html,
    cat,
    csrf_input,
    done_notice,
    el,
    field,
    label,
    lang_of,
    layout,
    problem,
    see_other,
    short_day,
    t,
    table,
    time_text,
    typed,
)
from handlers.admin.program_text import condition_lines, place_line
from handlers.admin.programs import EDITORS, page_of, program_id, status_forms, title_of
from handlers.admin.signup_answers import rule_question
from handlers.admin.signups import city_name, person_name
from handlers.admin.walk_ins import ENTERERS
from store import desk_signups, undelivered
from store import registration_decisions as decisions
from store.program_signups import HOLDS_A_SEAT
from store.models import Beneficiary, Program, Registration
from store.program_signups import signups
from store.ratings import rating_delay
from store.registration_decisions import DECISIONS

log = logging.getLogger(__name__)
MAX_REASON = 1000


def _facts(request: web.Request, program: Program, seats: int) -> Html:
    engine, lang = request.app[ENGINE], lang_of(request)
    conditions = condition_lines(engine.texts, lang, engine.profile, program.conditions)
    capacity = t(request, "seats", taken=seats, capacity=program.capacity) if program.capacity else "—"
    description = program.description_en if lang == "en" else program.description_ar
    arrangements = program.arrangements_en if lang == "en" else program.arrangements_ar
    items: list[tuple[str, object]] = [
        ("col_kind", label(request, "kind", program.kind)),
        ("col_status", label(request, "pstatus", program.status)),
        ("col_starts", time_text(request, program.starts_at)),
        ("pf_deadline", time_text(request, program.registration_deadline)),
        ("pf_mode", cat(label(request, "mode", program.mode), " · ", el("bdi", place_line(lang, program)))),
        ("col_seats", capacity),
        ("pf_conditions", el("ul", [el("li", line) for line in conditions]) if conditions else "—"),
        ("col_description", typed(description or "—")),
        ("col_arrangements", typed(arrangements or "—")),
        ("checkin_code", el("code", program.checkin_code, dir="ltr")),
    ]
    return el("dl", *(cat(el("dt", t(request, k)), el("dd", v)) for k, v in items), class_="facts")


def _answers(request: web.Request, program: Program, row: Registration) -> Html:
    """What the beneficiary answered, each as «label: value» in words (`المدينة: البكيرية · العمر: 34`), then
    their note."""
    parts = [
        f"{caption} {value}" if caption.endswith(("?", "؟")) else f"{caption}: {value}"
        for caption, value in answer_lines(request, program, row.answers or {})
    ]
    if row.note:
        parts.append(row.note)
    return typed(" · ".join(parts) or "—")


def answer_lines(request: web.Request, program: Program, answers: dict) -> list[tuple[str, str]]:
    """(caption, value) of each sign-up answer: age, gender, city, residency, then each condition question."""
    engine, lang = request.app[ENGINE], lang_of(request)
    beneficiary_texts = engine.texts.languages()[lang]
    lines = []
    for key, value in answers.items():
        if key == "age":
            lines.append((t(request, "ans_age"), languages.get(lang).show_digits(str(value))))
        elif key == "gender":
            lines.append((t(request, "pf_gender"), beneficiary_texts.get(f"prog_gender_{value}", str(value))))
        elif key == "city":
            lines.append((t(request, "col_city"), city_name(engine.profile, lang, str(value))))
        elif key == "residency":
            lines.append((t(request, "pf_residency"), beneficiary_texts.get(f"help_residency_{value}", str(value))))
        elif key.startswith("rule_"):
            lines.append((rule_question(request, key), t(request, "answer_yes" if value == "yes" else "answer_no")))
        elif key.startswith("question_") and key[9:].isdigit() and int(key[9:]) < len(program.conditions):
            asked = program.conditions[int(key[9:])]
            question = asked.get(lang) or asked.get("ar") or t(request, "ans_question")
            lines.append((question, t(request, "answer_yes" if value == "yes" else "answer_no")))
        else:
            lines.append((t(request, "ans_other"), str(value)))
    return lines


def _buttons(request: web.Request, row: Registration) -> list[Html]:
    return [
        el("button", t(request, f"do_{act}"), type="submit", name="act", value=f"{act}:{row.id}", class_=act)
        for act, rule in DECISIONS.items()
        if row.status in rule.sources
    ]


def _row(
    request: web.Request, program: Program, row: Registration, person: Beneficiary, deciding: bool
) -> list[object]:
    engine, lang = request.app[ENGINE], lang_of(request)
    name = person_name(request.app[KEYRING], person, t(request, "undecryptable"))
    cells: list[object] = [el("input", type="checkbox", name=f"reg_{row.id}")] if deciding else []
    cells += [
        el("bdi", name),
        el("span", person.phone or "—", dir="ltr"),
        city_name(engine.profile, lang, person.city),
        label(request, "reg", row.status),
        _answers(request, program, row),
        short_day(request, row.created_at, with_time=True),
    ]
    return cells + [el("div", *_buttons(request, row), class_="buttons")] if deciding else cells


def _signup_form(
    request: web.Request, program: Program, rows: list[tuple[Registration, Beneficiary]]
) -> Html:
    """The sign-ups; for staff who decide, checkboxes, a button per row and the bulk buttons."""
    deciding = request[SIGNED].staff.role in EDITORS and program.status != "cancelled"
    columns = ("col_name", "col_phone", "col_city", "col_status", "col_answers", "col_signed_up_at")
    if not deciding:
        cells = [(_row(request, program, r, p, False), None) for r, p in rows]
        return table(request, columns, cells, empty="empty_signups")
    grid = table(
        request, ("col_select", *columns, "col_actions"), [(_row(request, program, r, p, True), None) for r, p in rows],
        empty="empty_signups",
    )
    bulk = el(
        "div",
        field(t(request, "reg_reason"), el("textarea", name="reason", rows="2", maxlength=str(MAX_REASON))),
        el(
            "div",
            *(
                el("button", t(request, f"bulk_{a}"), type="submit", name="act", value=a, class_=a)
                for a in ("accept", "reject")
            ),
            class_="buttons",
        ),
        class_="action",
    )
    action = f"{page_of(program.id)}/registrations"
    return el("form", csrf_input(request), grid, bulk if rows else None, method="post", action=action)


def _section(request: web.Request, key: str, *body: object, anchor: str | None = None) -> Html:
    return el("section", el("h2", t(request, key)), *body, id=anchor)


@requires(*ANYONE)
async def program_page(request: web.Request) -> web.Response:
    """The program, its sign-ups and its attendance sheet."""
    engine, pid = request.app[ENGINE], program_id(request)
    async with engine.sessions() as tx:
        program = await tx.get(Program, pid)
        if program is None:
            return problem(request, 404, "error_not_found", back="/admin/programs")
        rows = await signups(tx, pid)
        messages = await undelivered.for_subject(tx, f"program:{pid}")
        people = await undelivered.people_of(tx, messages)
    keyring = request.app[KEYRING]
    names = {p.id: person_name(keyring, p, t(request, "undecryptable")) for _, p in rows}
    to = {row_id: names.get(person, "—") for row_id, person in people.items()}
    seats = sum(1 for row, _ in rows if row.status in HOLDS_A_SEAT)
    accepted = [(r, p) for r, p in rows if r.status == "accepted" or r.attended_at is not None]
    desk = None
    if program.status == "published" and program.kind in desk_signups.KINDS and request[SIGNED].staff.role in ENTERERS:
        desk = el("p", el("a", t(request, "desk_link"), href=f"{page_of(program.id)}/desk"))
    return layout(
        request,
        title_of(request, program),
        done_notice(request, ("desk_signup",), "done"),
        status_forms(request, program),
        _section(request, "program_data", _facts(request, program, seats)),
        _section(request, "signups", desk, _signup_form(request, program, rows)),
        delivery_section(request, messages, to),
        _section(request, "attendance", attendance_section(request, program, accepted), anchor="attendance"),
    )


def _chosen(request: web.Request) -> tuple[str, list[int]] | None:
    """The decision and the registration ids it applies to: one row's button, or the ticked rows."""
    act, _, one = request[FORM].get("act").partition(":")
    if act not in DECISIONS:
        return None
    if one:
        return (act, [bounds.record_id(one)]) if bounds.record_id(one) is not None else None
    ticked = [rid for k in request[FORM].fields if k.startswith("reg_") and (rid := bounds.record_id(k[4:]))]
    return (act, ticked) if ticked else None


@requires(*EDITORS)
async def decide(request: web.Request) -> web.Response:
    """Accept, reject (the optional reason is told) or mark delivered, for one row or the ticked ones."""
    engine, staff, pid = request.app[ENGINE], request[SIGNED].staff, program_id(request)
    chosen, reason = _chosen(request), request[FORM].get("reason")
    if chosen is None:
        return problem(request, 400, "error_r_none", back=page_of(pid))
    if len(reason) > MAX_REASON:
        return problem(request, 400, "error_too_long", back=page_of(pid))
    act, ids = chosen
    now = engine.clock()
    async with engine.sessions() as tx, tx.begin():
        program = await tx.get(Program, pid, with_for_update=True)
        if program is None:
            return problem(request, 404, "error_not_found", back="/admin/programs")
        delay = rating_delay(engine.profile)
        done = await decisions.decide(tx, program, act, ids, reason, staff.id, now, delay)
        if done is None:
            return problem(request, 409, "error_r_status", back=page_of(pid))
        for row in done.decided:
            audit(tx, staff.id, f"registration_{act}", f"registration:{row.id}", now, program_id=pid)
        for row in done.promoted:
            audit(tx, staff.id, "waitlist_promoted", f"registration:{row.id}", now, program_id=pid)
    log.info("staff %s: %s on %s registrations of program %s", staff.id, act, len(done.decided), pid)
    for key in done.told:
        engine.process_later(key)
    return see_other(page_of(pid))
