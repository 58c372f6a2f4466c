"""Greeting and language choice among the profile's languages; the choice is remembered.

    new ──first message in a language told for sure──> menu:main (greeted in that language)
    new ──anything else──> greeting:choose_language ──a language──> menu:main
    menu:main ──language──> language:choose ──a language──> menu:main

A first message in the default language or in English still gets the greeting with the menu: the greeting
is written in both, and a few words in either do not say which language a person prefers.
"""

from __future__ import annotations

from conversations import languages
from conversations.detect import language_of
from conversations.effects import Reply, SetLanguage
from conversations.flow import Flow, goto, lang, text
from conversations.states import Language, Menu
from conversations.types import Choice, Context, Inbound, Step

FLOW = Flow("language")
PREFIX = "lang:"


def _options(ctx: Context, data: dict) -> tuple[Choice, ...]:
    """Each offered language in its own script: «اردو», «বাংলা», «हिन्दी»."""
    return tuple(Choice(PREFIX + code, languages.get(code).name) for code in ctx.profile.languages)


def picked(choice: str | None, ctx: Context) -> str | None:
    """The offered language a `lang:<code>` button names (the web page's switch too), or None."""
    code = (choice or "").removeprefix(PREFIX) if (choice or "").startswith(PREFIX) else None
    return code if code in ctx.profile.languages else None


def _greeting_prompt(data: dict, ctx: Context) -> tuple:
    association = ctx.profile.short_name.get(lang(data))
    return (Reply(text(ctx, data, "welcome", association=association), _options(ctx, data)),)


def _choose_prompt(data: dict, ctx: Context) -> tuple:
    return (Reply(text(ctx, data, "language_prompt"), _options(ctx, data)),)


def _chosen(inbound: Inbound, ctx: Context) -> str | None:
    """The language picked, by button or by what the beneficiary typed in."""
    if inbound.kind == "choice":
        return picked(inbound.choice, ctx)
    if inbound.kind == "text":
        return language_of(inbound.text, ctx.profile.languages)
    return None


def set_language(code: str, data: dict, ctx: Context, *before: Reply) -> Step:
    """Remember `code`, confirm it in that language, and open the main menu."""
    data = {**data, "lang": code}
    confirmation = f"{text(ctx, data, 'language_set')}\n{text(ctx, data, 'commands_hint')}"
    return goto(Menu.MAIN, data, ctx, SetLanguage(code), *before, Reply(confirmation))


def start(data: dict, ctx: Context, inbound: Inbound | None = None) -> Step:
    """First contact: a first message surely in another offered language is answered in it at once;
    otherwise greet in the association's default language and ask which language to use."""
    code = language_of(inbound.text, ctx.profile.languages) if inbound and inbound.kind == "text" else None
    if code is not None and code not in (ctx.profile.default_language, "en"):
        greeted = {**data, "lang": code}
        association = ctx.profile.short_name.get(code)
        return set_language(code, greeted, ctx, Reply(text(ctx, greeted, "welcome_detected", association=association)))
    return goto(Language.GREETING, {**data, "lang": data.get("lang", ctx.profile.default_language)}, ctx)


@FLOW.state(Language.GREETING, parent=Language.GREETING, prompt=_greeting_prompt)
def on_greeting(inbound: Inbound, data: dict, ctx: Context) -> Step:
    code = _chosen(inbound, ctx)
    if code is None:
        return goto(Language.GREETING, data, ctx, Reply(text(ctx, data, "language_hint")))
    return set_language(code, data, ctx)


@FLOW.state(Language.CHOOSE, parent=Menu.MAIN, prompt=_choose_prompt)
def on_choose(inbound: Inbound, data: dict, ctx: Context) -> Step:
    code = _chosen(inbound, ctx) if inbound.kind == "choice" else None
    if code is None:
        return goto(Language.CHOOSE, data, ctx, Reply(text(ctx, data, "language_hint")))
    return set_language(code, data, ctx)
