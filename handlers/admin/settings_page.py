"""/admin/settings (admins): the association's settings over its profile file: the annual review, the FAQ with a
"try it" box, working hours and week, the policy's periods, contact details and holidays. A change is checked
against the whole profile, stored (audited), and in force in every process within seconds."""

from __future__ import annotations

from collections import Counter
from datetime import time
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from bot.appkeys import ENGINE
from bot.live_settings import compose, refresh
from conversations.profile import WEEKDAYS, Profile
from conversations.catalog import Catalog
from conversations.faq import classify
from handlers.admin.forms import FORM, Form
from handlers.admin.guard import requires
from handlers.admin.pages import (
    SIGNED,
    Html,
    day_text,
    done_notice,
    el,
    field,
    lang_of,
    language_name,
    layout,
    post_form,
    problem,
    see_other,
    t,
    table,
)
from handlers.admin.program_form import check_box
from store import settings as stored
from store.models import Staff
from store.settings import Overlay

PAGE = "/admin/settings"
DONE = ("saved", "reviewed", "faq_saved", "faq_retired")
PERIODS = (
    "decision_days",
    "announce_open_working_days",
    "announce_registration_working_days",
    "rating_delay_minutes",
)
CONTACT = ("phone", "whatsapp", "email", "website")
MAX_PERIOD = 10_000
WEEK = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # as a Saudi week is read


async def save(request: web.Request, key: str, value: Any, *, faq: bool = False, question: str = "") -> bool:
    """Store one section (or, with `faq`, one FAQ entry: value None retires it) when the profile it makes is
    valid, then put it in force here at once (other processes within seconds); False when it is not valid."""
    engine, staff = request.app[ENGINE], request[SIGNED].staff
    async with engine.sessions() as tx, tx.begin():
        over = await stored.overlay(tx, for_change=True)
        sections, entries = dict(over.sections), dict(over.faq)
        (entries if faq else sections)[key] = value
        try:
            after = compose(engine.base_profile, Overlay(over.version, sections, entries))
            Catalog.load(after.texts)
        except (ValidationError, KeyError, ValueError):
            return False
        if faq:
            await stored.save_faq(tx, key, value, staff.id, engine.clock(), question)
        else:
            changed = _changed(key, _stored(engine.base_profile, over), after)
            await stored.save_section(tx, key, value, staff.id, engine.clock(), changed)
    await refresh(engine)
    return True


def _stored(base: Profile, over: Overlay) -> Profile:
    """The settings as stored before this change (the file's, should those no longer fit it)."""
    try:
        return compose(base, over)
    except (ValidationError, ValueError):
        return base


def _changed(key: str, before: Profile, after: Profile) -> list[str]:
    """What a section's change changed, for the audit: field names, text names, or the holidays added or removed."""
    old, new = before.model_dump(mode="json")[key], after.model_dump(mode="json")[key]
    if key == "holidays":
        was, now = Counter(h["name"]["ar"] for h in old), Counter(h["name"]["ar"] for h in new)
        return sorted(((was - now) + (now - was)).elements())
    if key == "texts":
        return sorted(
            {
                k
                for lang in {*old, *new}
                for k in {*old.get(lang, {}), *new.get(lang, {})}
                if old.get(lang, {}).get(k) != new.get(lang, {}).get(k)
            }
        )
    return [name for name in new if new[name] != old.get(name)]


def _review(request: web.Request, last: stored.Review, reviewer: Staff | None, due: bool) -> Html:
    if last.at is None:
        said = t(request, "set_review_never")
    else:
        who = (reviewer.display_name or reviewer.username) if reviewer else "—"
        said = t(request, "set_review_last", when=day_text(request, last.at), who=who)
    notice = el("p", t(request, "set_review_due"), class_="notice late") if due else None
    button = post_form(request, f"{PAGE}/review", button=t(request, "set_review_mark"))
    return el(
        "section",
        el("h2", t(request, "set_review")),
        el("p", said),
        notice,
        el("p", t(request, "set_review_hint"), class_="hint"),
        button,
        id="review",
    )


def _try_it(request: web.Request) -> Html:
    """A question typed here is matched as the bot would (the real matcher), with how sure it is."""
    engine = request.app[ENGINE]
    question = request.query.get("try", "")[:500].strip()
    box = el(
        "form",
        field(
            t(request, "set_try_question"),
            el("input", name="try", value=question, maxlength="500", dir="auto", required=True),
        ),
        el("button", t(request, "set_try_button"), type="submit"),
        method="get",
        action=f"{PAGE}#try",
    )
    found: list[object] = []
    if question:
        ranked = engine.faq.search(question)
        verdict, matches = classify(ranked)
        found.append(
            el(
                "p",
                t(request, f"set_try_{verdict}"),
                class_="notice done" if verdict == "answer" else "notice",
                role="status",
            )
        )
        if verdict == "none" and ranked:  # the nearest entry all the same, to show how far it is
            matches = ranked[:1]
            found.append(el("p", t(request, "set_try_nearest"), class_="hint"))
        for match in matches:
            text = match.entry.text_in(_lang(request, engine.profile)) or match.entry.ar
            found.append(
                el(
                    "div",
                    el(
                        "p",
                        el("strong", text.questions[0]),
                        " — ",
                        t(request, "set_try_sure", percent=round(match.score)),
                    ),
                    el("p", text.answer, class_="typed", dir="auto"),
                    class_="card",
                )
            )
    return el(
        "section",
        el("h2", t(request, "set_try")),
        el("p", t(request, "set_try_hint"), class_="hint"),
        box,
        *found,
        id="try",
    )


def _lang(request: web.Request, profile: Profile) -> str:
    """The staff's language when the profile offers it, else the profile's default."""
    lang = lang_of(request)
    return lang if lang in profile.languages else profile.default_language


def _faq(request: web.Request, profile: Profile) -> Html:
    lang = _lang(request, profile)
    rows = [
        (
            [
                el("a", (e.text_in(lang) or e.ar).questions[0], href=f"{PAGE}/faq/{e.id}", dir="auto"),
                "، ".join(language_name(request, code) for code in profile.languages if e.text_in(code)),
                post_form(request, f"{PAGE}/faq/{e.id}/retire", button=t(request, "set_faq_retire")),
            ],
            None,
        )
        for e in profile.faq
    ]
    add = el("a", t(request, "set_faq_add"), href=f"{PAGE}/faq/new", class_="button")
    return el(
        "section",
        el("h2", t(request, "set_faq")),
        table(request, ("set_col_question", "set_col_languages", "col_actions"), rows),
        add,
        id="faq",
    )


def _hours(request: web.Request, profile: Profile) -> Html:
    hours = profile.working_hours
    raw = {f"day_{d}": "on" for d in hours.days}
    days = el(
        "fieldset",
        el("legend", t(request, "set_days")),
        el("div", *(check_box(raw, f"day_{d}", t(request, f"set_day_{d}")) for d in WEEK), class_="checks"),
    )
    form = post_form(
        request,
        f"{PAGE}/hours",
        days,
        field(
            t(request, "set_opens"),
            el("input", type="time", name="opens", value=hours.opens.strftime("%H:%M")),
        ),
        field(
            t(request, "set_closes"),
            el("input", type="time", name="closes", value=hours.closes.strftime("%H:%M")),
        ),
        button=t(request, "set_save"),
    )
    return el("section", el("h2", t(request, "set_hours")), form, id="hours")


def _periods(request: web.Request, profile: Profile) -> Html:
    values = profile.deadlines.model_dump()
    inputs = [
        field(
            t(request, f"set_{name}"),
            el(
                "input",
                type="number",
                name=name,
                min="0",
                max=str(MAX_PERIOD),
                value=str(values[name]),
                inputmode="numeric",
            ),
        )
        for name in PERIODS
    ]
    form = post_form(request, f"{PAGE}/periods", *inputs, button=t(request, "set_save"))
    return el("section", el("h2", t(request, "set_periods")), form, id="periods")


def _contact(request: web.Request, profile: Profile) -> Html:
    contact = profile.contact
    inputs = [
        field(
            t(request, f"set_{name}"),
            el("input", name=name, value=getattr(contact, name), maxlength="200", dir="ltr"),
        )
        for name in CONTACT
    ]
    for lang in ("ar", "en"):
        value = getattr(contact.address, lang) if contact.address else ""
        inputs.append(
            field(
                t(request, f"set_address_{lang}"),
                el("input", name=f"address_{lang}", value=value, maxlength="300", dir="auto"),
            )
        )
    form = post_form(request, f"{PAGE}/contact", *inputs, button=t(request, "set_save"))
    return el("section", el("h2", t(request, "set_contact")), form, id="contact")


def _holidays(request: web.Request, profile: Profile) -> Html:
    lang = "ar" if _lang(request, profile) == "ar" else "en"
    rows = [
        (
            [
                h.name.get(lang),
                t(request, f"set_calendar_{h.calendar}", day=h.day, month=h.month),
                str(h.days),
                post_form(request, f"{PAGE}/holidays/{n}/remove", button=t(request, "set_holiday_remove")),
            ],
            None,
        )
        for n, h in enumerate(profile.holidays)
    ]
    calendars = el(
        "select",
        *(el("option", t(request, f"set_calendar_name_{c}"), value=c) for c in ("hijri", "gregorian")),
        name="calendar",
    )
    number = {"type": "number", "inputmode": "numeric", "required": True}
    form = post_form(
        request,
        f"{PAGE}/holidays",
        field(t(request, "set_holiday_name_ar"), el("input", name="name_ar", maxlength="120", required=True)),
        field(t(request, "set_holiday_name_en"), el("input", name="name_en", maxlength="120", required=True)),
        field(t(request, "set_calendar"), calendars),
        field(t(request, "set_month"), el("input", name="month", min="1", max="12", **number)),
        field(t(request, "set_day"), el("input", name="day", min="1", max="31", **number)),
        field(
            t(request, "set_holiday_length"), el("input", name="days", min="1", max="30", value="1", **number)
        ),
        button=t(request, "set_holiday_add"),
    )
    columns = ("set_col_holiday", "set_col_date", "set_col_length", "col_actions")
    return el(
        "section",
        el("h2", t(request, "set_holidays")),
        table(request, columns, rows),
        el("h3", t(request, "set_holiday_add")),
        form,
        id="holidays",
    )


@requires("admin")
async def settings_page(request: web.Request) -> web.Response:
    engine = request.app[ENGINE]
    profile = engine.profile
    async with engine.sessions() as tx:
        last = await stored.review(tx)
        reviewer = await tx.get(Staff, last.by) if last.by else None
    due = stored.review_due(last, engine.clock())
    texts = el("p", el("a", t(request, "set_texts_link"), href=f"{PAGE}/texts"))
    body = [
        _review(request, last, reviewer, due),
        _try_it(request),
        _faq(request, profile),
        _hours(request, profile),
        _periods(request, profile),
        _contact(request, profile),
        _holidays(request, profile),
        texts,
    ]
    intro = el("p", t(request, "set_intro"), class_="hint")
    return layout(request, t(request, "set_title"), done_notice(request, DONE, "set_done"), intro, *body)


def _done(what: str) -> web.Response:
    return see_other(f"{PAGE}?done={what}")


async def _saved(request: web.Request, key: str, value: Any, error: str) -> web.Response:
    """Back to the settings saying it is saved, or the page saying why not (`error`) when the profile it would
    make is not valid."""
    return _done("saved") if await save(request, key, value) else problem(request, 400, error, back=PAGE)


@requires("admin")
async def mark_reviewed(request: web.Request) -> web.Response:
    engine = request.app[ENGINE]
    async with engine.sessions() as tx, tx.begin():
        await stored.mark_reviewed(tx, request[SIGNED].staff.id, engine.clock())
    return _done("reviewed")


def _time(raw: str) -> time | None:
    try:
        return time.fromisoformat(raw) if len(raw) == 5 else None
    except ValueError:
        return None


@requires("admin")
async def save_hours(request: web.Request) -> web.Response:
    form = request[FORM]
    days = [d for d in WEEKDAYS if form.get(f"day_{d}")]
    opens, closes = _time(form.get("opens")), _time(form.get("closes"))
    if not days:
        return problem(request, 400, "set_error_days", back=PAGE)
    if opens is None or closes is None or opens >= closes:
        return problem(request, 400, "set_error_hours", back=PAGE)
    value = {"days": days, "opens": opens.isoformat(), "closes": closes.isoformat()}
    return await _saved(request, "working_hours", value, "set_error_hours")


def _whole(raw: str, low: int, high: int) -> int | None:
    """A whole number typed in Western or Arabic-Indic digits, within bounds."""
    digits = raw.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789"))
    if not (digits.isascii() and digits.isdigit()) or len(digits) > len(str(high)):
        return None
    return int(digits) if low <= int(digits) <= high else None


@requires("admin")
async def save_periods(request: web.Request) -> web.Response:
    form, value = request[FORM], {}
    for name in PERIODS:
        number = _whole(form.get(name), 1 if name == "decision_days" else 0, MAX_PERIOD)
        if number is None:
            return problem(request, 400, "set_error_period", back=PAGE, what=t(request, f"set_{name}"))
        value[name] = number
    return await _saved(request, "deadlines", value, "set_error_form")


@requires("admin")
async def save_contact(request: web.Request) -> web.Response:
    form: Form = request[FORM]
    value: dict[str, Any] = {name: form.get(name)[:200] for name in CONTACT}
    address = {lang: form.get(f"address_{lang}")[:300] for lang in ("ar", "en")}
    if bool(address["ar"]) != bool(address["en"]):
        return problem(request, 400, "set_error_address", back=PAGE)
    value["address"] = address if address["ar"] else None
    if value["email"] and ("@" not in value["email"] or " " in value["email"]):
        return problem(request, 400, "set_error_email", back=PAGE)
    return await _saved(request, "contact", value, "set_error_form")


def _holiday_list(profile: Profile) -> list[dict]:
    return [h.model_dump(mode="json") for h in profile.holidays]


@requires("admin")
async def add_holiday(request: web.Request) -> web.Response:
    form = request[FORM]
    names = {lang: form.get(f"name_{lang}")[:120] for lang in ("ar", "en")}
    month, day, days = (
        _whole(form.get("month"), 1, 12),
        _whole(form.get("day"), 1, 31),
        _whole(form.get("days"), 1, 30),
    )
    calendar = form.get("calendar")
    if not all(names.values()) or None in (month, day, days) or calendar not in ("hijri", "gregorian"):
        return problem(request, 400, "set_error_holiday", back=PAGE)
    if calendar == "hijri" and day > 30:
        return problem(request, 400, "set_error_holiday", back=PAGE)
    holiday = {"name": names, "month": month, "day": day, "calendar": calendar, "days": days}
    value = [*_holiday_list(request.app[ENGINE].profile), holiday]
    return await _saved(request, "holidays", value, "set_error_holiday")


@requires("admin")
async def remove_holiday(request: web.Request) -> web.Response:
    value = _holiday_list(request.app[ENGINE].profile)
    index = int(request.match_info["index"])
    if index >= len(value):
        return problem(request, 404, "error_not_found", back=PAGE)
    del value[index]
    await save(request, "holidays", value)
    return _done("saved")
