"""What a flow is made of (its states and events) and the helpers flows share (entering a state, texts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
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


@dataclass
class Flow:
    """One flow module's states and events, added by its decorators; conversations/flows.py lists every flow,
    and the router's table is made from that list alone."""

    name: str
    states: dict[str, StateSpec] = field(default_factory=dict)
    events: dict[str, EventHandler] = field(default_factory=dict)  # by the event name's first part

    def state(
        self, name: StrEnum, *, parent: StrEnum, prompt: Prompt, accepts: tuple[str, ...] = ()
    ) -> Callable[[Handler], Handler]:
        """The decorated function handles of state `name`, a member of a conversations.states enum."""

        def add(handle: Handler) -> Handler:
            if not isinstance(name, StrEnum) or not isinstance(parent, StrEnum):
                raise TypeError(f"state {name}: states are conversations.states members, not strings")
            if name in self.states:
                raise ValueError(f"state {name} defined twice in flow {self.name}")
            accepted = frozenset(accepts)
            self.states[name] = StateSpec(prompt=prompt, handle=handle, parent=parent, accepts=accepted)
            return handle

        return add

    def on_event(self, name: str) -> Callable[[EventHandler], EventHandler]:
        """Make the decorated function the handler of events named `name` (or `name:…`), whatever the state: a
        timer or a staff action reaches the beneficiary even in the middle of another flow."""

        def add(handle: EventHandler) -> EventHandler:
            if name in self.events:
                raise ValueError(f"event {name} defined twice in flow {self.name}")
            self.events[name] = handle
            return handle

        return add


def table(flows: tuple[Flow, ...]) -> tuple[dict[str, StateSpec], dict[str, EventHandler]]:
    """Every state and every event of `flows`; a state or an event that two flows define is refused."""
    states: dict[str, StateSpec] = {}
    events: dict[str, EventHandler] = {}
    for flow in flows:
        for kind, merged, own in (("state", states, flow.states), ("event", events, flow.events)):
            twice = sorted(set(merged) & set(own))
            if twice:
                raise ValueError(f"{kind} {', '.join(twice)} defined again by flow {flow.name}")
            merged.update(own)
    return states, events


@cache
def _states() -> dict[str, StateSpec]:
    """The table of every flow's states (conversations/flows.py), looked up once."""
    from conversations.flows import STATES  # here, not above: the flows listed there import this module

    return STATES


def spec(name: str) -> StateSpec:
    """The state `name` in the table of every flow."""
    return _states()[name]


def known(name: str) -> bool:
    """Whether `name` is a state of some flow (a place kept in a conversation's data may be an old one)."""
    return name in _states()


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
    return Step(name, data, (*effects, *spec(name).prompt(data, ctx)))


def reask(name: str, data: dict, ctx: Context, hint_key: str) -> Step:
    """Stay in `name`: a polite hint, then the same question again. Never a dead end."""
    return goto(name, data, ctx, Reply(text(ctx, data, hint_key)))
