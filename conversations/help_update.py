"""Update my data (seed 003: the beneficiary updates their data when their situation changes): one field at
a time, checked like the form, then recorded and attached to their open requests for staff to see.

    update:pick ──a field──> update:<field> ──valid──> UpdatePersonData, confirmation ──> update:pick
                                            ──invalid──> a specific hint, the same question
                ──done / menu──> menu:main
"""

from __future__ import annotations

from conversations.effects import Reply, UpdatePersonData
from conversations.flow import Flow, Prompt, choice, goto, lang, reask, text
from conversations.help_fields import (
    OPEN_STATUSES,
    city_choices,
    city_name,
    keyed_choices,
    label,
    local_phone,
    picked,
)
from conversations.help_rules import INCOMES, OTHER_CITY, RESIDENCIES, check_household, check_phone
from conversations.states import Menu, Requests, Update
from conversations.types import Choice, Context, Inbound, Step

FIELDS = ("phone", "city", "household_size", "income_bracket", "residency")
ASK = {  # the state that asks each field
    "phone": Update.PHONE,
    "city": Update.CITY,
    "household_size": Update.HOUSEHOLD_SIZE,
    "income_bracket": Update.INCOME_BRACKET,
    "residency": Update.RESIDENCY,
}
FLOW = Flow("help_update")


def _current(field: str, data: dict, ctx: Context) -> str:
    """What the association holds now, as the beneficiary reads it."""
    value = getattr(ctx.person, field)
    if value is None:
        return text(ctx, data, "upd_unknown")
    if field == "phone":
        return local_phone(value)
    if field == "city":
        return city_name(ctx, lang(data), value)
    if field == "household_size":
        return str(value)
    return label(ctx, data, f"help_{'income' if field == 'income_bracket' else field}_{value}", str(value))


def _fields(data: dict, ctx: Context) -> tuple[Choice, ...]:
    fields = tuple(choice(ctx, data, f"update:{f}", f"help_label_{f}") for f in FIELDS)
    return (*fields, choice(ctx, data, "update:done", "upd_done"))


def _pick_prompt(data: dict, ctx: Context) -> tuple:
    lines = "\n".join(
        text(
            ctx,
            data,
            "help_summary_line",
            label=text(ctx, data, f"help_label_{f}"),
            value=_current(f, data, ctx),
        )
        for f in FIELDS
    )
    return (Reply(text(ctx, data, "upd_prompt", lines=lines), _fields(data, ctx)),)


@FLOW.state(Update.PICK, parent=Requests.LIST, prompt=_pick_prompt)
def on_pick(inbound: Inbound, data: dict, ctx: Context) -> Step:
    field = picked(inbound.choice, "update")
    if field in ASK:
        return goto(ASK[field], data, ctx)
    if field == "done":
        return goto(Menu.MAIN, data, ctx)
    return reask(Update.PICK, data, ctx, "help_choose_hint")


def _saved(field: str, value: object, data: dict, ctx: Context) -> Step:
    """Record the new value, say where it went, and offer another field."""
    lines = [text(ctx, data, "upd_saved", field=text(ctx, data, f"help_label_{field}"))]
    if field == "city" and value == OTHER_CITY:
        lg = lang(data)
        area = ctx.texts(lg, "list_separator").join(c.name.get(lg) for c in ctx.profile.service_area)
        lines.append(text(ctx, data, "upd_city_outside", area=area))
    open_requests = [r.reference for r in ctx.requests if r.status in OPEN_STATUSES]
    if open_requests:
        references = ctx.texts(lang(data), "list_separator").join(open_requests)
        lines.append(text(ctx, data, "upd_attached", references=references))
    more = Reply(text(ctx, data, "upd_more"), _fields(data, ctx))
    return Step(Update.PICK, data, (UpdatePersonData({field: value}), Reply("\n".join(lines)), more))


def _ask(key: str, options=None) -> Prompt:
    return lambda data, ctx: (Reply(text(ctx, data, key), options(data, ctx) if options else ()),)


@FLOW.state(ASK["phone"], parent=Update.PICK, prompt=_ask("upd_ask_phone"), accepts=("contact",))
def on_phone(inbound: Inbound, data: dict, ctx: Context) -> Step:
    phone, hint = check_phone(inbound.text if inbound.kind in ("text", "contact") else "")
    return _saved("phone", phone, data, ctx) if hint is None else reask(ASK["phone"], data, ctx, hint)


@FLOW.state(ASK["city"], parent=Update.PICK, prompt=_ask("upd_ask_city", lambda d, c: city_choices(c, d, "update:city")))
def on_city(inbound: Inbound, data: dict, ctx: Context) -> Step:
    city = picked(inbound.choice, "update:city")
    if city == OTHER_CITY or city in {c.key for c in ctx.profile.service_area}:
        return _saved("city", city, data, ctx)
    return reask(ASK["city"], data, ctx, "help_city_hint")


@FLOW.state(ASK["household_size"], parent=Update.PICK, prompt=_ask("upd_ask_household"))
def on_household(inbound: Inbound, data: dict, ctx: Context) -> Step:
    size, hint = check_household(inbound.text if inbound.kind == "text" else "")
    return (
        _saved("household_size", size, data, ctx)
        if hint is None
        else reask(ASK["household_size"], data, ctx, hint)
    )


def _incomes(data: dict, ctx: Context) -> tuple[Choice, ...]:
    return keyed_choices(ctx, data, "update:income", INCOMES, "help_income")


@FLOW.state(ASK["income_bracket"], parent=Update.PICK, prompt=_ask("upd_ask_income", _incomes))
def on_income(inbound: Inbound, data: dict, ctx: Context) -> Step:
    income = picked(inbound.choice, "update:income")
    if income in INCOMES:
        return _saved("income_bracket", income, data, ctx)
    return reask(ASK["income_bracket"], data, ctx, "help_choose_hint")


def _residencies(data: dict, ctx: Context) -> tuple[Choice, ...]:
    return keyed_choices(ctx, data, "update:residency", RESIDENCIES, "help_residency")


@FLOW.state(ASK["residency"], parent=Update.PICK, prompt=_ask("upd_ask_residency", _residencies))
def on_residency(inbound: Inbound, data: dict, ctx: Context) -> Step:
    residency = picked(inbound.choice, "update:residency")
    if residency in RESIDENCIES:
        return _saved("residency", residency, data, ctx)
    return reask(ASK["residency"], data, ctx, "help_choose_hint")
