"""The help-request form's questions, one at a time, each answer checked and asked again politely with a
specific hint until it is right; eligibility rules the profile explains end the form there.

    [the profile has several beneficiary types] help:type ──its checks stated──> (form "none": its note,
      help:ended)
    help:name → help:national_id → help:phone → help:city → help:residency → help:household → help:income
      → help:category → [the category lists conditions] help:conditions → help:description → help:documents
      → help:summary (help_review.py)     (a type whose form is "short" skips household and income)
    help:city ──another city, rule "explain"──> help:ended (form cleared)        rule "flag": on, flagged
    help:residency ──other, required, rule "explain"──> help:ended (form cleared)  rule "flag": on, flagged
    help:conditions ──none, rule "explain"──> help:condition_unmet ──another category──> help:category
                                                                   ──research officer──> handoff:live
    once the summary was reached, a valid answer leads back to it (a changed category asks its conditions)
    back leads to the previous question with the answers kept; back from help:name is the menu
"""

from __future__ import annotations

from collections.abc import Callable

from conversations.profile import BeneficiaryType
from conversations import greetings, handoff
from conversations.checked import Checked
from conversations.effects import CancelTimer, Effect, Reply
from conversations.flow import Flow, Prompt, choice, goto, lang, reask, text
from conversations.help_fields import (
    DONE_WORDS,
    EXPIRY,
    ORDER,
    REMINDER,
    ask,
    asked,
    city_choices,
    first_missing,
    form_of,
    keyed_choices,
    local_phone,
    picked,
    question,
    rearm,
    with_help,
    without_help,
)
from conversations.help_rules import (
    INCOMES,
    OTHER_CITY,
    RESIDENCIES,
    beneficiary_type,
    category,
    check_description,
    check_household,
    check_name,
    check_national_id,
    check_phone,
)
from conversations.normalize import normalize
from conversations.states import Help, Menu
from conversations.types import Choice, Context, Inbound, Step

FLOW = Flow("help_questions")


def answered(key: str, value: object, data: dict, ctx: Context, *before: Effect) -> Step:
    """Keep a valid answer and ask the next question (the summary once reviewing)."""
    form = {**form_of(data), key: value}
    if key == "national_id":
        form = _residency_by_id(form)
    if key == "category":
        cat = category(ctx.profile, value)
        form.pop("conditions", None)  # a new category's own conditions are asked again, if it lists any
        if cat is not None and not cat.conditions:
            form["conditions"] = []
    if key == "beneficiary_type":
        form = {k: v for k, v in form.items() if k != "category" or _offered(ctx, form, v)}
    data = with_help(data, form=form)
    return ask(_next(key, data, ctx), data, ctx, *before, *rearm(data, ctx))


def _residency_by_id(form: dict) -> dict:
    """A national ID (first digit 1) is a citizen's: the residency question is not asked. An iqama number
    (first digit 2) is not a citizen's: a residency of citizen set by an earlier ID is asked again."""
    if str(form["national_id"]).startswith("1"):
        return {**form, "residency": "citizen"}
    return {k: v for k, v in form.items() if not (k == "residency" and v == "citizen")}


def _next(key: str, data: dict, ctx: Context) -> str:
    form = form_of(data)
    cat = category(ctx.profile, form.get("category"))
    if key == "category" and cat is not None and cat.conditions:
        return Help.CONDITIONS
    if data["help"].get("reviewing"):
        return first_missing(form, ctx.profile) or Help.SUMMARY  # a new type may ask what the old one did not
    names, here = [name for _, name in asked(form, ctx.profile)], dict(ORDER)[key]
    if here not in names:  # reached by "back" though this type's form does not ask it
        return first_missing(form, ctx.profile) or Help.SUMMARY
    following = names[names.index(here) + 1 :]
    if str(form.get("national_id", "")).startswith("1"):
        following = [name for name in following if name != Help.RESIDENCY]
    return following[0] if following else Help.SUMMARY


def end_form(data: dict, ctx: Context, *effects: Effect) -> Step:
    """An eligibility rule the bot explains: the form ends here, nothing of it is kept."""
    return goto(Help.ENDED, without_help(data), ctx, *effects, CancelTimer(REMINDER), CancelTimer(EXPIRY))


def _says(inbound: Inbound) -> str:
    return inbound.text if inbound.kind in ("text", "contact") else ""


def _typed(
    key: str, checker: Callable[[str], Checked], data: dict, ctx: Context, inbound: Inbound, here: str
) -> Step:
    """A typed answer: kept when valid, else its specific hint and the question again."""
    value, hint = checker(_says(inbound))
    if hint is not None:
        return reask(here, data, ctx, hint)
    return answered(key, value, data, ctx)


def _ask(key: str) -> Prompt:
    return lambda data, ctx: (Reply(text(ctx, data, key)),)


def _choices_prompt(key: str, options: Callable[[dict, Context], tuple[Choice, ...]]) -> Prompt:
    return lambda data, ctx: (Reply(text(ctx, data, key), options(data, ctx)),)


# ── the questions ───────────────────────────────────────────────────────────────────────────────────────


def _types(data: dict, ctx: Context) -> tuple[Choice, ...]:
    return tuple(Choice(f"help:type:{t.key}", t.name.get(lang(data))) for t in ctx.profile.beneficiary_types)


def _type_conditions(data: dict, ctx: Context, kind: BeneficiaryType) -> tuple[Reply, ...]:
    """The policy's checks for this type of beneficiary, stated before they go on (seed 004)."""
    if not kind.conditions:
        return ()
    lg = lang(data)
    listed = "\n".join(f"• {c.text.get(lg)}" for c in kind.conditions)
    return (Reply(text(ctx, data, "help_type_conditions", type=kind.name.get(lg), conditions=listed)),)


@question(FLOW, Help.TYPE, parent=Menu.MAIN, prompt=_choices_prompt("help_ask_type", _types))
def on_type(inbound: Inbound, data: dict, ctx: Context) -> Step:
    key = picked(inbound.choice, "help:type")
    kind = next((t for t in ctx.profile.beneficiary_types if t.key == key), None)
    if kind is None:
        return reask(Help.TYPE, data, ctx, "help_choose_hint")
    stated = _type_conditions(data, ctx, kind)
    if kind.form == "none":  # not asked for through this form: where to go instead
        return end_form(data, ctx, *stated, Reply(kind.note.get(lang(data))))
    return answered("beneficiary_type", kind.key, data, ctx, *stated)


@question(FLOW, Help.NAME, parent=Menu.MAIN, prompt=_ask("help_ask_name"))
def on_name(inbound: Inbound, data: dict, ctx: Context) -> Step:
    greeted = greetings.answer(inbound, Help.NAME, data, ctx)  # «السلام عليكم» is two words, but not a name
    return greeted or _typed("full_name", check_name, data, ctx, inbound, Help.NAME)


@question(FLOW, Help.NATIONAL_ID, parent=Help.NAME, prompt=_ask("help_ask_national_id"))
def on_national_id(inbound: Inbound, data: dict, ctx: Context) -> Step:
    return _typed("national_id", check_national_id, data, ctx, inbound, Help.NATIONAL_ID)


def _phone_prompt(data: dict, ctx: Context) -> tuple:
    known = ctx.person.phone
    if not known:
        return (Reply(text(ctx, data, "help_ask_phone")),)
    options = (
        Choice("help:phone_known", text(ctx, data, "help_phone_use", phone=local_phone(known))),
        choice(ctx, data, "help:phone_other", "help_phone_other"),
    )
    return (Reply(text(ctx, data, "help_ask_phone_known", phone=local_phone(known)), options),)


@question(FLOW, Help.PHONE, parent=Help.NATIONAL_ID, prompt=_phone_prompt, accepts=("contact",))
def on_phone(inbound: Inbound, data: dict, ctx: Context) -> Step:
    if inbound.choice == "help:phone_known" and ctx.person.phone:
        return answered("phone", ctx.person.phone, data, ctx)
    if inbound.choice == "help:phone_other":
        return Step(Help.PHONE, data, (Reply(text(ctx, data, "help_ask_phone")),))
    return _typed("phone", check_phone, data, ctx, inbound, Help.PHONE)


@question(FLOW, 
    Help.CITY, parent=Help.PHONE, prompt=_choices_prompt("help_ask_city", lambda d, c: city_choices(c, d, "help:city"))
)
def on_city(inbound: Inbound, data: dict, ctx: Context) -> Step:
    city = picked(inbound.choice, "help:city")
    if city == OTHER_CITY and ctx.profile.eligibility.outside_area == "explain":
        lg = lang(data)
        area = ctx.texts(lg, "list_separator").join(c.name.get(lg) for c in ctx.profile.service_area)
        return end_form(data, ctx, Reply(text(ctx, data, "help_outside_area", area=area)))
    if city == OTHER_CITY or city in {c.key for c in ctx.profile.service_area}:
        return answered("city", city, data, ctx)
    return reask(Help.CITY, data, ctx, "help_city_hint")


def _residencies(data: dict, ctx: Context) -> tuple[Choice, ...]:
    return keyed_choices(ctx, data, "help:residency", RESIDENCIES, "help_residency")


@question(FLOW, Help.RESIDENCY, parent=Help.CITY, prompt=_choices_prompt("help_ask_residency", _residencies))
def on_residency(inbound: Inbound, data: dict, ctx: Context) -> Step:
    residency = picked(inbound.choice, "help:residency")
    rules = ctx.profile.eligibility
    if residency == "other" and rules.residency_required and rules.when_not_resident == "explain":
        return end_form(data, ctx, Reply(text(ctx, data, "help_not_resident")))
    if residency in RESIDENCIES:
        return answered("residency", residency, data, ctx)
    return reask(Help.RESIDENCY, data, ctx, "help_choose_hint")


@question(FLOW, Help.HOUSEHOLD, parent=Help.RESIDENCY, prompt=_ask("help_ask_household"))
def on_household(inbound: Inbound, data: dict, ctx: Context) -> Step:
    return _typed("household_size", check_household, data, ctx, inbound, Help.HOUSEHOLD)


def _incomes(data: dict, ctx: Context) -> tuple[Choice, ...]:
    return keyed_choices(ctx, data, "help:income", INCOMES, "help_income")


@question(FLOW, Help.INCOME, parent=Help.HOUSEHOLD, prompt=_choices_prompt("help_ask_income", _incomes))
def on_income(inbound: Inbound, data: dict, ctx: Context) -> Step:
    income = picked(inbound.choice, "help:income")
    if income in INCOMES:
        return answered("income_bracket", income, data, ctx)
    return reask(Help.INCOME, data, ctx, "help_choose_hint")


def _offered(ctx: Context, form: dict, key: object) -> bool:
    """Whether the beneficiary's type is offered this category (a type may limit the needs it asks for)."""
    kind = beneficiary_type(ctx.profile, form)
    return kind is None or not kind.categories or key in kind.categories


def _categories(data: dict, ctx: Context) -> tuple[Choice, ...]:
    offered = [c for c in ctx.profile.categories if _offered(ctx, form_of(data), c.key)]
    return tuple(Choice(f"help:category:{c.key}", c.name.get(lang(data))) for c in offered)


@question(FLOW, Help.CATEGORY, parent=Help.INCOME, prompt=_choices_prompt("help_ask_category", _categories))
def on_category(inbound: Inbound, data: dict, ctx: Context) -> Step:
    cat = category(ctx.profile, picked(inbound.choice, "help:category"))
    if cat is not None and _offered(ctx, form_of(data), cat.key):
        return answered("category", cat.key, data, ctx)
    return reask(Help.CATEGORY, data, ctx, "help_choose_hint")


def _conditions_prompt(data: dict, ctx: Context) -> tuple:
    cat = category(ctx.profile, form_of(data).get("category"))
    lg = lang(data)
    options = tuple(
        Choice(f"help:condition:{c.key}", c.text.get(lg)) for c in (cat.conditions if cat else ())
    )
    options += (choice(ctx, data, "help:condition:none", "help_condition_none"),)
    name = cat.name.get(lg) if cat else ""
    asked = cat.rule.get(lg) if cat and cat.rule else text(ctx, data, "help_ask_conditions", category=name)
    return (Reply(asked, options),)


@question(FLOW, Help.CONDITIONS, parent=Help.CATEGORY, prompt=_conditions_prompt)
def on_conditions(inbound: Inbound, data: dict, ctx: Context) -> Step:
    cat = category(ctx.profile, form_of(data).get("category"))
    met = picked(inbound.choice, "help:condition")
    if cat is None or met is None:
        return reask(Help.CONDITIONS, data, ctx, "help_choose_hint")
    if met in {c.key for c in cat.conditions}:
        return answered("conditions", [met], data, ctx)
    if cat.when_unmet == "explain":
        return ask(Help.UNMET, data, ctx)
    return answered("conditions", [], data, ctx)


def _unmet_prompt(data: dict, ctx: Context) -> tuple:
    cat = category(ctx.profile, form_of(data).get("category"))
    lg = lang(data)
    listed = "\n".join(f"• {c.text.get(lg)}" for c in (cat.conditions if cat else ()))
    options = (
        choice(ctx, data, "help:officer", "help_talk_to_officer"),
        choice(ctx, data, "help:other_category", "help_other_category"),
        choice(ctx, data, "menu", "choice_menu"),
    )
    name = cat.name.get(lg) if cat else ""
    return (Reply(text(ctx, data, "help_conditions_unmet", category=name, conditions=listed), options),)


@question(FLOW, Help.UNMET, parent=Help.CONDITIONS, prompt=_unmet_prompt)
def on_unmet(inbound: Inbound, data: dict, ctx: Context) -> Step:
    if inbound.choice == "help:officer":
        return handoff.request(data, ctx, reason="research_officer")
    if inbound.choice == "help:other_category":
        return ask(Help.CATEGORY, data, ctx)
    return reask(Help.UNMET, data, ctx, "help_choose_hint")


@question(FLOW, Help.DESCRIPTION, parent=Help.CATEGORY, prompt=_ask("help_ask_description"), accepts=("voice",))
def on_description(inbound: Inbound, data: dict, ctx: Context) -> Step:
    return _typed("description", check_description, data, ctx, inbound, Help.DESCRIPTION)


def _documents_required(data: dict, ctx: Context) -> bool:
    cat = category(ctx.profile, form_of(data).get("category"))
    return bool(cat and cat.documents_required)


def _documents_choices(data: dict, ctx: Context) -> tuple[Choice, ...]:
    if (data.get("help") or {}).get("documents", 0) == 0 and not _documents_required(data, ctx):
        return (choice(ctx, data, "help:docs_done", "help_documents_skip"),)
    return (choice(ctx, data, "help:docs_done", "help_documents_done"),)


def _documents_prompt(data: dict, ctx: Context) -> tuple:
    key = "help_ask_documents_required" if _documents_required(data, ctx) else "help_ask_documents_optional"
    return (Reply(text(ctx, data, key), _documents_choices(data, ctx)),)


@question(FLOW, Help.DOCUMENTS, parent=Help.DESCRIPTION, prompt=_documents_prompt, accepts=("attachment",))
def on_documents(inbound: Inbound, data: dict, ctx: Context) -> Step:
    count = data["help"].get("documents", 0)
    if inbound.kind == "attachment":
        data = with_help(data, documents=count + 1)
        received = Reply(
            text(ctx, data, "help_document_received", count=count + 1), _documents_choices(data, ctx)
        )
        return Step(Help.DOCUMENTS, data, (received, *rearm(data, ctx)))
    done = inbound.choice == "help:docs_done" or (
        inbound.kind == "text" and normalize(inbound.text) in DONE_WORDS
    )
    if not done or (count == 0 and _documents_required(data, ctx)):
        hint = "help_documents_hint" if not done else "help_documents_required"
        return Step(Help.DOCUMENTS, data, (Reply(text(ctx, data, hint), _documents_choices(data, ctx)),))
    return ask(Help.SUMMARY, data, ctx, *rearm(data, ctx))
