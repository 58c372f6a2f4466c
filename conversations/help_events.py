"""What reaches the beneficiary without them asking, wherever they are in the conversation: the unfinished
form's reminder and expiry, and staff's actions on a request (a question, the decision, the delivery).

    event help_reminder ──form unfinished, not reminded yet──> one reminder (in the form: the question again)
    event help_expiry ──form unfinished──> form cleared, told; in the form: menu:main
    event request_info:{ref} ──> help:more_info ──text / file──> AddRequestInfo, thanks ──> help:more_info
                                                ──done──> where they were (or menu:main)
    event request_decided:{ref}:accepted|rejected, request_delivered:{ref} ──> a message; the place is kept
"""

from __future__ import annotations

from datetime import datetime, timedelta

from conversations.effects import AddRequestInfo, CancelTimer, Reply
from conversations.flow import Flow, choice, goto, known, text
from conversations.help_fields import (
    DONE_WORDS,
    FORM_STATES,
    REMINDER,
    stopped_at,
    with_help,
    without_help,
)
from conversations.normalize import normalize
from conversations.states import Help, Menu
from conversations.types import Context, Inbound, Step

FLOW = Flow("help_events")



@FLOW.on_event("help_reminder")
def on_reminder(inbound: Inbound, here: str, data: dict, ctx: Context) -> Step:
    """One reminder per form: in the form, the question they stopped at is asked again."""
    form = data.get("help")
    if not form or form.get("reminded"):
        return Step(here, data)
    data = with_help(data, reminded=True)
    if here in FORM_STATES:
        return goto(here, data, ctx, Reply(text(ctx, data, "help_reminder_here", step=stopped_at(ctx, data))))
    return Step(here, data, (Reply(text(ctx, data, "help_reminder", step=stopped_at(ctx, data))),))


@FLOW.on_event("help_expiry")
def on_expiry(inbound: Inbound, here: str, data: dict, ctx: Context) -> Step:
    """The unfinished form is dropped after the profile's days (a late timer of an older form: nothing)."""
    form = data.get("help")
    days = ctx.profile.forms.expiry_days
    if not form or ctx.now < datetime.fromisoformat(form["started_at"]) + timedelta(days=days):
        return Step(here, data)
    effects = (CancelTimer(REMINDER), Reply(text(ctx, without_help(data), "help_expired", days=days)))
    if here in FORM_STATES:
        return goto(Menu.MAIN, without_help(data), ctx, *effects)
    return Step(here, without_help(data), effects)


def ask_for_info(reference: str, question: str, here: str, data: dict, ctx: Context) -> Step:
    """Staff need more from the beneficiary about `reference`: ask, remembering where to come back to."""
    back = data.get("more_info", {}).get("return_to", Menu.MAIN) if here == Help.MORE_INFO else here
    data = {**data, "more_info": {"reference": reference, "return_to": back}}
    return goto(
        Help.MORE_INFO, data, ctx, Reply(text(ctx, data, "info_requested", reference=reference, question=question))
    )


@FLOW.on_event("request_info")
def on_request_info(inbound: Inbound, here: str, data: dict, ctx: Context) -> Step:
    reference = (inbound.choice or "").split(":", 1)[-1]
    return ask_for_info(reference, inbound.text, here, data, ctx)


def _more_info_prompt(data: dict, ctx: Context) -> tuple:
    return (Reply(text(ctx, data, "info_how"), (choice(ctx, data, "info:done", "info_done"),)),)


@FLOW.state(Help.MORE_INFO, parent=Menu.MAIN, prompt=_more_info_prompt, accepts=("attachment",))
def on_more_info(inbound: Inbound, data: dict, ctx: Context) -> Step:
    asked = data.get("more_info")
    if not asked:
        return goto(Menu.MAIN, data, ctx)
    done = inbound.choice == "info:done" or (inbound.kind == "text" and normalize(inbound.text) in DONE_WORDS)
    if done:
        back = asked["return_to"]
        data = {k: v for k, v in data.items() if k != "more_info"}
        if not known(back) or (back in FORM_STATES and "help" not in data):
            back = Menu.MAIN
        return goto(back, data, ctx, Reply(text(ctx, data, "info_finished", reference=asked["reference"])))
    key = "info_file_thanks" if inbound.kind == "attachment" else "info_thanks"
    thanks = Reply(text(ctx, data, key), (choice(ctx, data, "info:done", "info_done"),))
    return Step(Help.MORE_INFO, data, (AddRequestInfo(asked["reference"], inbound.text), thanks))


@FLOW.on_event("request_decided")
def on_decided(inbound: Inbound, here: str, data: dict, ctx: Context) -> Step:
    """The committee's decision, in the beneficiary's language; nothing about their place changes."""
    parts = (inbound.choice or "").split(":")
    if len(parts) != 3 or parts[2] not in ("accepted", "rejected"):
        return Step(here, data)
    reference, outcome = parts[1], parts[2]
    message = text(ctx, data, f"decided_{outcome}", reference=reference)
    if inbound.text.strip():
        message += "\n" + text(ctx, data, f"decided_{outcome}_note", note=inbound.text.strip())
    message += "\n" + text(ctx, data, f"decided_{outcome}_next")
    return Step(here, data, (Reply(message),))


@FLOW.on_event("request_delivered")
def on_delivered(inbound: Inbound, here: str, data: dict, ctx: Context) -> Step:
    reference = (inbound.choice or "").split(":", 1)[-1]
    return Step(here, data, (Reply(text(ctx, data, "delivered", reference=reference)),))
