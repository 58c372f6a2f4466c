"""The name and mobile a program sign-up needs, asked only when the beneficiary's record has none (a web-chat
visitor is otherwise anonymous on the sign-ups list and the attendance sheet; WhatsApp and Telegram give a
name and a way back); kept with the sign-up, then on their record once. Typed data, never proof of who they are.

    [register: all conditions met] / [register my interest] / [request it]
        ──no name on file──> programs:contact_name ──a name──> (no mobile on file) programs:contact_phone
        ──a mobile──> programs:confirm / programs:skills / programs:need (programs_signup.py)
"""

from __future__ import annotations

from conversations import greetings
from conversations.effects import Effect, RememberContact, Reply
from conversations.flow import Flow, goto, reask, text
from conversations.help_rules import check_name, check_phone
from conversations.programs_common import chosen, with_program
from conversations.states import Programs
from conversations.types import Context, Inbound, Step

FLOW = Flow("programs_contact")
WEB = "web"
NEXT = {"confirm": Programs.CONFIRM, "interest": Programs.SKILLS, "request": Programs.NEED}  # where the sign-up goes on


def _given(data: dict) -> dict:
    return chosen(data).get("contact") or {}


def _missing(data: dict, ctx: Context) -> str | None:
    """The first contact detail the sign-up still needs, or None: a name where none is on file; a mobile where
    none is and the chat is the website's (closed with the page, unlike WhatsApp or Telegram)."""
    if not ctx.person.named and "full_name" not in _given(data):
        return Programs.CONTACT_NAME
    if ctx.channel == WEB and not ctx.person.phone and "phone" not in _given(data):
        return Programs.CONTACT_PHONE
    return None


def then(step: str, data: dict, ctx: Context) -> Step:
    """Go on to `step` (confirm, interest, request), asking first for a name or mobile the record lacks."""
    data = with_program(data, then=step)
    return goto(_missing(data, ctx) or NEXT[step], data, ctx)


def remembered(data: dict) -> tuple[Effect, ...]:
    """What the sign-up recorded now keeps on the person's record (nothing when nothing was asked)."""
    given = _given(data)
    return (RememberContact(given.get("full_name", ""), given.get("phone", "")),) if given else ()


def _answered(key: str, value: object, data: dict, ctx: Context) -> Step:
    return then(chosen(data).get("then", "confirm"), with_program(data, contact={**_given(data), key: value}), ctx)


@FLOW.state(Programs.CONTACT_NAME, parent=Programs.DETAILS, prompt=lambda data, ctx: (Reply(text(ctx, data, "prog_ask_name")),))
def on_name(inbound: Inbound, data: dict, ctx: Context) -> Step:
    greeted = greetings.answer(inbound, Programs.CONTACT_NAME, data, ctx)  # «السلام عليكم» is two words, but not a name
    if greeted is not None:
        return greeted
    name, hint = check_name(inbound.text) if inbound.kind == "text" else (None, "help_name_letters")
    if hint is not None:
        return reask(Programs.CONTACT_NAME, data, ctx, hint)
    return _answered("full_name", name, data, ctx)


@FLOW.state(Programs.CONTACT_PHONE, parent=Programs.DETAILS, prompt=lambda data, ctx: (Reply(text(ctx, data, "prog_ask_phone")),), accepts=("contact",))
def on_phone(inbound: Inbound, data: dict, ctx: Context) -> Step:
    phone, hint = check_phone(inbound.text) if inbound.kind in ("text", "contact") else (None, "help_phone_invalid")
    if hint is not None:
        return reask(Programs.CONTACT_PHONE, data, ctx, hint)
    return _answered("phone", phone, data, ctx)
