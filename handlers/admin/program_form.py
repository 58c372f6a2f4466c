"""The program form: what staff typed, read back and checked (each mistake a catalog key), and the form drawn
from raw values, so that a refused form comes back as it was typed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web

from bot.appkeys import ENGINE
from conversations.profile import Profile
from conversations.calendar import local
from conversations.dates import hijri_text
from handlers import bounds
from handlers.admin.forms import Form
from handlers.admin.pages import Html, cat, el, label, lang_of, post_form, t
from handlers.admin.pages import field as labelled
from store.models import Program

KINDS = ("open", "registration", "volunteer", "service")
MODES = ("in_person", "remote")
GENDERS = ("", "f", "m")
RESIDENCIES = ("citizen", "resident", "other")
EXPECTS = ("yes", "no")
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
MAX_QUESTIONS = 50  # a sane bound on one form; the form shows as many rows as are filled, and one blank
QUESTION_FIELD = re.compile(r"^q(\d{1,3})_(?:ar|en)$")
MAX_QUESTION = 300
MAX_AGE = 120
LIMITS = {
    "title_ar": 200,
    "title_en": 200,
    "description_ar": 4000,
    "description_en": 4000,
    "place_ar": 300,
    "place_en": 300,
    "link": 500,
    "arrangements_ar": 4000,
    "arrangements_en": 4000,
}


@dataclass
class Checked:
    """The Program columns read from the form, and what is wrong with it (catalog keys)."""

    values: dict[str, object] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def refuse(self, key: str) -> None:
        if key not in self.errors:
            self.errors.append(key)


def _moment(raw: str, tz: str) -> datetime | None:
    """A `datetime-local` value in the association's time zone, within the calendar's bounds; else None."""
    return bounds.moment(raw, LOCAL_FORMAT, tz)


def _is_link(value: str) -> bool:
    return value.startswith(("https://", "http://")) and len(value) > 10 and " " not in value


def _schedule(form: Form, profile: Profile, checked: Checked) -> None:
    starts_at = _moment(form.get("starts_at"), profile.timezone)
    if starts_at is None:
        checked.refuse("error_p_starts")
    raw_deadline = form.get("registration_deadline")
    deadline = _moment(raw_deadline, profile.timezone) if raw_deadline else None
    if raw_deadline and (deadline is None or (starts_at is not None and deadline > starts_at)):
        checked.refuse("error_p_deadline")
    capacity = form.get("capacity")
    seats = bounds.whole(capacity, 1, 99_999)
    if capacity and seats is None:
        checked.refuse("error_p_capacity")
    checked.values |= {"starts_at": starts_at, "registration_deadline": deadline, "capacity": seats}


def _place(form: Form, checked: Checked) -> None:
    mode, link = form.get("mode"), form.get("link")
    if mode not in MODES:
        checked.refuse("error_p_mode")
    if mode == "in_person" and not form.get("place_ar"):
        checked.refuse("error_p_place")
    if (mode == "remote" or link) and not _is_link(link):
        checked.refuse("error_p_link")
    checked.values["mode"] = mode


def _ages(form: Form, checked: Checked) -> list[dict]:
    ages = {}
    for key in ("age_min", "age_max"):
        raw = form.get(key)
        age = bounds.whole(raw, 0, MAX_AGE)
        if raw and age is None:
            checked.refuse("error_p_age")
        elif raw:
            ages[key] = age
    if len(ages) == 2 and ages["age_min"] > ages["age_max"]:
        checked.refuse("error_p_age")
    return [{"key": key, "value": value} for key, value in ages.items()]


def question_rows(fields: dict[str, str]) -> list[int]:
    """The indices of the question rows a form holds, in order (rows may be numbered with gaps)."""
    return sorted({int(found.group(1)) for name in fields if (found := QUESTION_FIELD.match(name))})


def _questions(form: Form, checked: Checked) -> list[dict]:
    """The condition questions, as many as were filled (the English optional: the Arabic stands in)."""
    found = []
    for i in question_rows(form.fields):
        ar, en, expect = form.get(f"q{i}_ar"), form.get(f"q{i}_en"), form.get(f"q{i}_expect") or "yes"
        if not ar and not en:
            continue
        if not ar or expect not in EXPECTS or max(len(ar), len(en)) > MAX_QUESTION:
            checked.refuse("error_p_question")
            continue
        found.append({"key": "question", "ar": ar, "en": en, "expect": expect})
    if len(found) > MAX_QUESTIONS:
        checked.refuse("error_p_question")
    return found


def _conditions(form: Form, profile: Profile, checked: Checked) -> None:
    conditions = _ages(form, checked)
    gender = form.get("gender")
    if gender not in GENDERS:
        checked.refuse("error_p_gender")
    elif gender:
        conditions.append({"key": "gender", "value": gender})
    cities = [c.key for c in profile.service_area if form.get(f"city_{c.key}")]
    if cities:
        conditions.append({"key": "city", "value": cities})
    residency = [r for r in RESIDENCIES if form.get(f"residency_{r}")]
    if residency:
        conditions.append({"key": "residency", "value": residency})
    rules = [
        {"key": "rule", "value": r.key, "ask": r.question is not None}
        for r in profile.participation_rules
        if form.get(f"rule_{r.key}")
    ]
    checked.values["conditions"] = conditions + rules + _questions(form, checked)


def read_program(form: Form, profile: Profile) -> Checked:
    """The program as typed, checked field by field."""
    checked = Checked({name: form.get(name) for name in LIMITS})
    if any(len(checked.values[name]) > limit for name, limit in LIMITS.items()):
        checked.refuse("error_p_too_long")
    kind = form.get("kind")
    if kind not in KINDS:
        checked.refuse("error_p_kind")
    if not checked.values["title_ar"]:  # the English title is optional: English readers see the Arabic one
        checked.refuse("error_p_title")
    checked.values["kind"] = kind
    _schedule(form, profile, checked)
    _place(form, checked)
    _conditions(form, profile, checked)
    return checked


def raw_of(program: Program, profile: Profile) -> dict[str, str]:
    """A stored program as the form's raw values."""
    raw = {name: getattr(program, name) for name in LIMITS} | {"kind": program.kind, "mode": program.mode}
    raw["starts_at"] = local(profile, program.starts_at).strftime(LOCAL_FORMAT)
    if program.registration_deadline is not None:
        raw["registration_deadline"] = local(profile, program.registration_deadline).strftime(LOCAL_FORMAT)
    raw["capacity"] = str(program.capacity or "")
    questions = 0
    for c in program.conditions:
        key = c.get("key")
        if key in ("age_min", "age_max", "gender"):
            raw[key] = str(c["value"])
        elif key in ("city", "residency"):
            raw |= {f"{key}_{value}": "on" for value in c["value"]}
        elif key == "rule":
            raw[f"rule_{c['value']}"] = "on"
        elif key == "question":
            raw |= {
                f"q{questions}_ar": c["ar"],
                f"q{questions}_en": c["en"],
                f"q{questions}_expect": c["expect"],
            }
            questions += 1
    return raw


def _when(request: web.Request, raw: dict[str, str], name: str, required: bool = False) -> Html:
    """A date-and-time picker with the Hijri date of its value beside it (static/program_form.js keeps it
    current as staff pick another day)."""
    picker = _input(raw, name, type="datetime-local", required=required)
    engine, lang = request.app[ENGINE], lang_of(request)
    moment = _moment(raw.get(name, ""), engine.profile.timezone)  # None outside the calendars' bounds
    hijri = hijri_text(engine.texts, lang, local(engine.profile, moment).date()) if moment else ""
    return cat(picker, el("small", hijri, class_="hijri", data_hijri_for=name, lang=lang, aria_live="polite"))


def _input(raw: dict[str, str], name: str, **attrs: object) -> Html:
    return el("input", name=name, value=raw.get(name, ""), **attrs)


def _area(raw: dict[str, str], name: str, **attrs: object) -> Html:
    return el("textarea", raw.get(name, ""), name=name, rows="3", maxlength=str(LIMITS[name]), **attrs)


def _select(raw: dict[str, str], name: str, options: list[tuple[str, str]]) -> Html:
    chosen = raw.get(name, "")
    return el("select", [el("option", text, value=v, selected=v == chosen) for v, text in options], name=name)


def check_box(raw: dict[str, str], name: str, text: str) -> Html:
    """A labelled checkbox, ticked when `raw` has a value for it."""
    box = el("input", type="checkbox", name=name, checked=bool(raw.get(name)))
    return el("label", box, el("span", text), class_="check")


def _pair(request: web.Request, raw: dict[str, str], name: str) -> list[Html]:
    """The Arabic and English fields of a bilingual text."""
    make = _area if name.startswith(("description", "arrangements")) else _input
    return [
        labelled(
            t(request, f"pf_{name}_{lang}"), make(raw, f"{name}_{lang}", dir="rtl" if lang == "ar" else "ltr")
        )
        for lang in ("ar", "en")
    ]


def _question_slots(request: web.Request, raw: dict[str, str]) -> list[Html]:
    """The filled question rows, renumbered in order, then one blank row (two after "another question"), so
    that any number of questions can be added without a script."""
    filled = [i for i in question_rows(raw) if raw.get(f"q{i}_ar") or raw.get(f"q{i}_en")]
    rows = [{k: raw.get(f"q{i}_{k}", "") for k in ("ar", "en", "expect")} for i in filled]
    rows += [{}] * (2 if raw.get("more") else 1)
    expects = [(e, t(request, f"answer_{e}")) for e in EXPECTS]

    def row(n: int, values: dict[str, str]) -> Html:
        here = {f"q{n}_{k}": v for k, v in values.items()}
        return el(
            "div",
            labelled(
                t(request, "pf_question_ar"), _input(here, f"q{n}_ar", dir="rtl", maxlength=str(MAX_QUESTION))
            ),
            labelled(
                t(request, "pf_question_en"), _input(here, f"q{n}_en", dir="ltr", maxlength=str(MAX_QUESTION))
            ),
            labelled(t(request, "pf_expect"), _select(here, f"q{n}_expect", expects)),
            class_="row",
        )

    more = el("button", t(request, "pf_more_questions"), type="submit", name="more", value="1",
              formnovalidate=True, class_="secondary")  # fmt: skip
    return [*(row(n, values) for n, values in enumerate(rows)), more]


def _conditions_fields(request: web.Request, raw: dict[str, str]) -> Html:
    engine, lang = request.app[ENGINE], lang_of(request)
    genders = [(g, label(request, "gender", g or "any")) for g in GENDERS]
    cities = [check_box(raw, f"city_{c.key}", c.name.get(lang)) for c in engine.profile.service_area]
    residencies = [
        check_box(raw, f"residency_{r}", engine.texts(lang, f"help_residency_{r}")) for r in RESIDENCIES
    ]
    return el(
        "fieldset",
        el("legend", t(request, "pf_conditions")),
        el("p", t(request, "pf_conditions_hint"), class_="hint"),
        el(
            "div",
            labelled(
                t(request, "pf_age_min"), _input(raw, "age_min", type="number", min="0", max=str(MAX_AGE))
            ),
            labelled(
                t(request, "pf_age_max"), _input(raw, "age_max", type="number", min="0", max=str(MAX_AGE))
            ),
            labelled(t(request, "pf_gender"), _select(raw, "gender", genders)),
            class_="row",
        ),
        el("div", el("span", t(request, "pf_cities")), *cities, class_="checks"),
        el("div", el("span", t(request, "pf_residency")), *residencies, class_="checks"),
        _rules_fields(request, raw),
        *_question_slots(request, raw),
    )


def _rules_fields(request: web.Request, raw: dict[str, str]) -> Html | None:
    """The profile's participation rules (seed 000 §9) as ticks, each with the policy's own words beside it
    and whether the sign-up asks it or states it."""
    rules, lang = request.app[ENGINE].profile.participation_rules, lang_of(request)
    if not rules:
        return None
    ticks = []
    for rule in rules:
        how = t(request, "pf_rule_asked" if rule.question else "pf_rule_stated")
        seed = el("q", rule.seed, lang="ar", dir="rtl", class_="policy") if rule.seed and lang != "ar" else None
        ticks.append(el("div", check_box(raw, f"rule_{rule.key}", rule.text.get(lang)), " ", seed,
                        el("span", how, class_="hint")))
    return el("div", el("span", t(request, "pf_rules")), el("p", t(request, "pf_rules_hint"), class_="hint"),
              *ticks, class_="checks")


def errors_notice(request: web.Request, errors: list[str]) -> Html | None:
    """What is wrong with a refused form, one line per mistake."""
    if not errors:
        return None
    return el("ul", [el("li", t(request, key)) for key in errors], class_="notice", role="alert")


def program_form(request: web.Request, action: str, raw: dict[str, str], errors: list[str]) -> Html:
    """The whole program form, filled with `raw`, with the mistakes of a refused one above it."""
    kinds = [(k, label(request, "kind", k)) for k in KINDS]
    modes = [(m, label(request, "mode", m)) for m in MODES]
    return el(
        "div",
        errors_notice(request, errors),
        post_form(
            request,
            action,
            labelled(t(request, "pf_kind"), _select(raw, "kind", kinds)),
            *_pair(request, raw, "title"),
            *_pair(request, raw, "description"),
            el(
                "div",
                labelled(t(request, "pf_starts_at"), _when(request, raw, "starts_at", required=True)),
                labelled(t(request, "pf_deadline"), _when(request, raw, "registration_deadline")),
                labelled(t(request, "pf_capacity"), _input(raw, "capacity", type="number", min="1")),
                class_="row",
            ),
            el("p", t(request, "pf_timezone", timezone=request.app[ENGINE].profile.timezone), class_="hint"),
            labelled(t(request, "pf_mode"), _select(raw, "mode", modes)),
            *_pair(request, raw, "place"),
            labelled(t(request, "pf_link"), _input(raw, "link", type="url", dir="ltr", maxlength="500")),
            _conditions_fields(request, raw),
            *_pair(request, raw, "arrangements"),
            button=t(request, "save"),
        ),
        el("script", src="/admin/static/program_form.js", defer=True),
    )
