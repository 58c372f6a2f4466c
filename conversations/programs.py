"""Programs and events (البرامج والفعاليات): the four kinds the association publishes (policy §6), a
program's details, signing up (programs_signup.py), the beneficiary's own registrations and cancelling one;
staff's messages, the reminder and the check-in are in programs_events.py.

    menu ──programs──> programs:kinds ──a kind──> programs:list ──a program──> programs:details
                                      ──my registrations──> programs:mine ──one──> programs:mine_item
    programs:details / programs:mine_item (their status when signed up)
        ──register / register my interest / request it──> (programs_signup.py) ──> programs:after
        ──cancel my registration (pending, accepted, waitlisted)──> programs:cancel
            ──yes──> CancelRegistration, CancelTimer(program_reminder:<id>) ──> programs:after
            ──no──> (the details again)
        ──back──> programs:list or programs:mine
    programs:after ──my registrations / other programs / menu──> as they say
"""

from __future__ import annotations

from conversations import inquiry, programs_signup
from conversations.effects import CancelRegistration, CancelTimer, Effect, Reply
from conversations.flow import Flow, Handler, choice, goto, reask, text
from conversations.help_fields import picked
from conversations.programs_common import (
    CANCELLABLE,
    KIND_NAMES,
    REMINDER,
    chosen,
    current,
    describe,
    program_of,
    registration_of,
    short_day,
    status_text,
    title,
    upcoming,
)
from conversations.states import Menu, Programs
from conversations.types import Choice, Context, Inbound, ProgramView, RegistrationView, Step

FLOW = Flow("programs")


def show(data: dict, ctx: Context) -> Step:
    """"Programs and events" from the menu."""
    return goto(Programs.KINDS, data, ctx)


def _browse(data: dict, ctx: Context) -> tuple[Choice, ...]:
    return (
        choice(ctx, data, "programs:mine", "prog_my_registrations"),
        choice(ctx, data, "programs:kinds", "prog_other_programs"),
        choice(ctx, data, "menu", "choice_menu"),
    )


def _common(inbound: Inbound, data: dict, ctx: Context, here: str) -> Step:
    """What every program state accepts besides its own buttons: the browse buttons, a question typed."""
    if inbound.choice == "programs:mine":
        return goto(Programs.MY_LIST, data, ctx)
    if inbound.choice == "programs:kinds":
        return goto(Programs.KINDS, data, ctx)
    if inbound.kind == "text":
        answered = inquiry.answer_if_meaningful(inbound.text, data, ctx)
        if answered is not None:
            return answered
    return reask(here, data, ctx, "prog_choose_hint")


def _kinds_prompt(data: dict, ctx: Context) -> tuple[Effect, ...]:
    kinds = tuple(choice(ctx, data, f"programs:kind:{k}", f"prog_kind_{k}") for k in KIND_NAMES)
    mine = choice(ctx, data, "programs:mine", "prog_my_registrations")
    options = (*kinds, mine, choice(ctx, data, "menu", "choice_menu"))
    return (Reply(text(ctx, data, "prog_kinds_prompt"), options),)


@FLOW.state(Programs.KINDS, parent=Menu.MAIN, prompt=_kinds_prompt)
def on_kinds(inbound: Inbound, data: dict, ctx: Context) -> Step:
    kind = picked(inbound.choice, "programs:kind")
    if kind in KIND_NAMES:
        return goto(Programs.LIST, {**data, "program": {"kind": kind}}, ctx)
    return _common(inbound, data, ctx, Programs.KINDS)


def _list_prompt(data: dict, ctx: Context) -> tuple[Effect, ...]:
    kind = chosen(data).get("kind", "open")
    found = sorted((p for p in ctx.programs if p.kind == kind and upcoming(p, ctx.now)), key=_soonest)
    back = _browse(data, ctx)[1:]
    name = text(ctx, data, f"prog_kind_{kind}")
    if not found:
        return (Reply(text(ctx, data, "prog_list_none", kind=name), back),)
    options = tuple(Choice(f"programs:pick:{p.id}", _button(p, data, ctx)) for p in found)
    return (Reply(text(ctx, data, "prog_list", kind=name), (*options, *back)),)


def _soonest(program: ProgramView) -> object:
    return program.starts_at


def _button(program: ProgramView, data: dict, ctx: Context) -> str:
    """A program in a list: its title, and its day unless it is a service (offered, not held on a day)."""
    if program.kind == "service":
        return title(program, data)
    return f"{title(program, data)} — {short_day(ctx, data, program.starts_at)}"


@FLOW.state(Programs.LIST, parent=Programs.KINDS, prompt=_list_prompt)
def on_list(inbound: Inbound, data: dict, ctx: Context) -> Step:
    return _open(inbound, data, ctx, Programs.DETAILS) or _common(inbound, data, ctx, Programs.LIST)


def _open(inbound: Inbound, data: dict, ctx: Context, view: str) -> Step | None:
    """A program picked from a list: its details, remembering which list it came from."""
    picked_id = picked(inbound.choice, "programs:pick")
    program = program_of(ctx, int(picked_id)) if picked_id and picked_id.isdecimal() else None
    if program is None:
        return None
    return goto(view, {**data, "program": {"kind": program.kind, "id": program.id, "view": view}}, ctx)


def _details_prompt(data: dict, ctx: Context) -> tuple[Effect, ...]:
    program = current(data, ctx)
    if program is None:
        return (Reply(text(ctx, data, "prog_gone"), _browse(data, ctx)),)
    registration = registration_of(ctx, program.id)
    actions: tuple[Choice, ...] = ()
    if registration is not None:
        if registration.status in CANCELLABLE:
            actions = (choice(ctx, data, "programs:cancel", "prog_cancel_mine"),)
    elif program.kind != "open":
        action = {"registration": "register", "volunteer": "interest", "service": "request"}[program.kind]
        actions = (choice(ctx, data, f"programs:{action}", f"prog_action_{action}"),)
    back = choice(ctx, data, "programs:back", "prog_back")
    return (Reply(describe(program, data, ctx), (*actions, back, choice(ctx, data, "menu", "choice_menu"))),)


def _on_details(here: str) -> Handler:
    def handle(inbound: Inbound, data: dict, ctx: Context) -> Step:
        program = current(data, ctx)
        action = picked(inbound.choice, "programs")
        if program is not None and action in ("register", "interest", "request"):
            return programs_signup.start(action, data, ctx)
        if program is not None and action == "cancel":
            return goto(Programs.CANCEL, data, ctx)
        if action == "back":
            return goto(Programs.LIST if here == Programs.DETAILS else Programs.MY_LIST, data, ctx)
        return _common(inbound, data, ctx, here)

    return handle


FLOW.state(Programs.DETAILS, parent=Programs.LIST, prompt=_details_prompt)(_on_details(Programs.DETAILS))
FLOW.state(Programs.MY_ITEM, parent=Programs.MY_LIST, prompt=_details_prompt)(_on_details(Programs.MY_ITEM))


def _mine_prompt(data: dict, ctx: Context) -> tuple[Effect, ...]:
    browse = _browse(data, ctx)[1:]
    joined = sorted(
        ((program_of(ctx, r.program_id), r) for r in ctx.registrations),
        key=lambda pair: pair[0].starts_at if pair[0] else ctx.now,
    )
    mine = [(p, r) for p, r in joined if p is not None]
    if not mine:
        return (Reply(text(ctx, data, "prog_mine_none"), browse),)
    lines = "\n".join(_mine_item(p, r, data, ctx) for p, r in mine)
    options = tuple(Choice(f"programs:pick:{p.id}", title(p, data)) for p, _ in mine)
    return (Reply(text(ctx, data, "prog_mine", items=lines), (*options, *browse)),)


def _mine_item(program: ProgramView, registration: RegistrationView, data: dict, ctx: Context) -> str:
    """One line of "my registrations": title, day (not for a service) and status."""
    status = status_text(ctx, data, registration)
    if program.kind == "service":
        return text(ctx, data, "prog_mine_item_service", title=title(program, data), status=status)
    day = short_day(ctx, data, program.starts_at)
    return text(ctx, data, "prog_mine_item", title=title(program, data), day=day, status=status)


@FLOW.state(Programs.MY_LIST, parent=Programs.KINDS, prompt=_mine_prompt)
def on_mine(inbound: Inbound, data: dict, ctx: Context) -> Step:
    return _open(inbound, data, ctx, Programs.MY_ITEM) or _common(inbound, data, ctx, Programs.MY_LIST)


def _cancel_prompt(data: dict, ctx: Context) -> tuple[Effect, ...]:
    program = current(data, ctx)
    options = (
        choice(ctx, data, "programs:cancel_yes", "prog_cancel_yes"),
        choice(ctx, data, "programs:cancel_no", "prog_cancel_no"),
    )
    name = title(program, data) if program else ""
    return (Reply(text(ctx, data, "prog_cancel_confirm", title=name), options),)


@FLOW.state(Programs.CANCEL, parent=Programs.MY_LIST, prompt=_cancel_prompt)
def on_cancel(inbound: Inbound, data: dict, ctx: Context) -> Step:
    program = current(data, ctx)
    registration = registration_of(ctx, program.id) if program else None
    if program is None or registration is None or registration.status not in CANCELLABLE:
        return goto(Programs.MY_LIST, data, ctx)
    if inbound.choice == "programs:cancel_yes":
        message = Reply(text(ctx, data, "prog_cancelled_mine", title=title(program, data)))
        effects = (CancelRegistration(program.id), CancelTimer(f"{REMINDER}:{program.id}"), message)
        return goto(Programs.AFTER, data, ctx, *effects)
    if inbound.choice == "programs:cancel_no":
        return goto(chosen(data).get("view", Programs.MY_ITEM), data, ctx, Reply(text(ctx, data, "prog_cancel_kept")))
    return reask(Programs.CANCEL, data, ctx, "prog_choose_hint")


def _after_prompt(data: dict, ctx: Context) -> tuple[Effect, ...]:
    return (Reply(text(ctx, data, "prog_after"), _browse(data, ctx)),)


@FLOW.state(Programs.AFTER, parent=Programs.KINDS, prompt=_after_prompt)
def on_after(inbound: Inbound, data: dict, ctx: Context) -> Step:
    return _common(inbound, data, ctx, Programs.AFTER)
