"""The state registry every flow adds to, and the helpers flows share (entering a state, texts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from conversations.effects import Effect, Reply
from conversations.types import Choice, Context, Inbound, Step

Handler = Callable[[Inbound, dict, Context], Step]
EventHandler = Callable[[Inbound, str, dict, Context], Step]  # also given the state the conversation is in
Prompt = Callable[[dict, Context], tuple[Effect, ...]]


@dataclass(frozen=True)
class StateSpec:
    """A state: how it asks (prompt), how it answers an input (handle) and where `back` leads."""

    prompt: Prompt
    handle: Handler
    parent: str
    accepts: frozenset[str] = frozenset()  # input kinds beyond text and choice that this state handles itself


STATES: dict[str, StateSpec] = {}
EVENTS: dict[str, EventHandler] = {}  # by the event name's first part: "request_decided" for "request_decided:R-…:accepted"


def state(name: str, *, parent: str, prompt: Prompt, accepts: tuple[str, ...] = ()) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of state `name`."""

    def register(handle: Handler) -> Handler:
        if name in STATES:
            raise ValueError(f"state {name} registered twice")
        STATES[name] = StateSpec(prompt=prompt, handle=handle, parent=parent, accepts=frozenset(accepts))
        return handle

    return register


def on_event(name: str) -> Callable[[EventHandler], EventHandler]:
    """Register the decorated function for events named `name` (or `name:…`), whatever the state: a timer
    or a staff action reaches the beneficiary even in the middle of another flow."""

    def register(handle: EventHandler) -> EventHandler:
        if name in EVENTS:
            raise ValueError(f"event {name} registered twice")
        EVENTS[name] = handle
        return handle

    return register


def lang(data: dict) -> str:
    return data.get("lang", "ar")


def text(ctx: Context, data: dict, key: str, **params: object) -> str:
    """A catalog text in the conversation's language: the channel's own wording where it has one (`<key>_web`:
    the web chat has buttons, not numbered lists, and is not the association's WhatsApp number)."""
    own = f"{key}_{ctx.channel}"
    return ctx.texts(lang(data), own if ctx.texts.has(lang(data), own) else key, **params)


def choice(ctx: Context, data: dict, key: str, label_key: str) -> Choice:
    return Choice(key, text(ctx, data, label_key))


def goto(name: str, data: dict, ctx: Context, *effects: Effect) -> Step:
    """Move to `name`: the effects so far, then that state's prompt."""
    return Step(name, data, (*effects, *STATES[name].prompt(data, ctx)))


def reask(name: str, data: dict, ctx: Context, hint_key: str) -> Step:
    """Stay in `name`: a polite hint, then the same question again. Never a dead end."""
    return goto(name, data, ctx, Reply(text(ctx, data, hint_key)))
