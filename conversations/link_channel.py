"""Link my WhatsApp or Telegram (website chat only): a visitor proves a number is theirs with a one-time code
sent to that number's own WhatsApp/Telegram chat; typing a number alone proves nothing. The host decides
(codes, limits, attempts) and answers with an event, so the same words follow whether the number is known.

    requests:list ──link (web)──> link:number ──a valid number──> IssueLinkCode ──> link:waiting
    link:number   ──not a number──> link:number (a hint)
    event link:sent ──> link:code          event link:limited ──> requests:list (try again in an hour)
    link:code     ──six digits──> CheckLinkCode ──> link:waiting
                  ──send a new code──> link:number
    event link:ok ──> requests:list (now the verified record's)     event link:wrong ──> link:code (attempts left)
    event link:locked | link:expired | link:none ──> requests:list
"""

from __future__ import annotations

from conversations.effects import CheckLinkCode, IssueLinkCode, Reply
from conversations.flow import Flow, choice, goto, reask, text
from conversations.normalize import digits_to_ascii
from conversations.phones import to_e164
from conversations.states import Link, Requests
from conversations.types import Context, Inbound, Step

FLOW = Flow("link_channel")
CHANNELS = frozenset({"web"})  # on WhatsApp and Telegram the channel itself vouches for the number
CODE_MINUTES = 10  # how long a code is valid (the host enforces it; the texts say it)


def offered(ctx: Context) -> bool:
    return ctx.channel in CHANNELS


def start(data: dict, ctx: Context) -> Step:
    return goto(Link.NUMBER, data, ctx)


def _number_prompt(data: dict, ctx: Context) -> tuple:
    return (Reply(text(ctx, data, "link_ask_number"), (choice(ctx, data, "menu", "choice_menu"),)),)


@FLOW.state(Link.NUMBER, parent=Requests.LIST, prompt=_number_prompt)
def on_number(inbound: Inbound, data: dict, ctx: Context) -> Step:
    number = to_e164(inbound.text) if inbound.kind == "text" and offered(ctx) else None
    if number is None:
        return reask(Link.NUMBER, data, ctx, "link_number_hint")
    return Step(Link.WAITING, data, (IssueLinkCode(number),))


def _asking_code(data: dict, ctx: Context, key: str, **params: object) -> Reply:
    options = (choice(ctx, data, "link:again", "link_new_code"), choice(ctx, data, "menu", "choice_menu"))
    return Reply(text(ctx, data, key, **params), options)


def _code_prompt(data: dict, ctx: Context) -> tuple:
    return (_asking_code(data, ctx, "link_code_hint"),)


def _typed_code(typed: str) -> str | None:
    code = "".join(digits_to_ascii(typed).split())
    return code if len(code) == 6 and code.isdecimal() and code.isascii() else None


@FLOW.state(Link.CODE, parent=Requests.LIST, prompt=_code_prompt)
def on_code(inbound: Inbound, data: dict, ctx: Context) -> Step:
    if inbound.choice == "link:again":
        return goto(Link.NUMBER, data, ctx)
    code = _typed_code(inbound.text) if inbound.kind == "text" else None
    if code is None:
        return goto(Link.CODE, data, ctx)
    return Step(Link.WAITING, data, (CheckLinkCode(code),))


def _waiting_prompt(data: dict, ctx: Context) -> tuple:
    return ()


@FLOW.state(Link.WAITING, parent=Requests.LIST, prompt=_waiting_prompt)
def on_waiting(inbound: Inbound, data: dict, ctx: Context) -> Step:
    """Only reached if an input overtook the host's answer (which follows at once): a moment, please."""
    return Step(Link.WAITING, data, (Reply(text(ctx, data, "link_wait")),))


@FLOW.on_event("link")
def on_verdict(inbound: Inbound, here: str, data: dict, ctx: Context) -> Step:
    """The host's verdict on a code asked for or typed; `inbound.text` holds the attempts left after a wrong one."""
    outcome = (inbound.choice or "").split(":", 1)[-1]
    if outcome == "sent":
        return Step(Link.CODE, data, (_asking_code(data, ctx, "link_sent", minutes=CODE_MINUTES),))
    if outcome == "wrong":
        return Step(Link.CODE, data, (_asking_code(data, ctx, "link_wrong", left=inbound.text),))
    said = {"ok": "link_done", "limited": "link_limited", "locked": "link_locked"}.get(outcome, "link_expired")
    return goto(Requests.LIST, data, ctx, Reply(text(ctx, data, said)))
