"""Greeting and language choice: Arabic by default, English on request; the choice is remembered.

    new ──any input──> greeting:choose_language ──ar|en──> menu:main
    menu:main ──language──> language:choose ──ar|en──> menu:main
"""

from __future__ import annotations

from conversations.effects import Reply, SetLanguage
from conversations.flow import goto, lang, state, text
from conversations.normalize import has_arabic, has_latin
from conversations.types import Choice, Context, Inbound, Step

GREETING = "greeting:choose_language"
CHOOSE = "language:choose"
LANG_CHOICES = {"lang:ar": "ar", "lang:en": "en"}


def _options(ctx: Context, data: dict) -> tuple[Choice, ...]:
    return tuple(Choice(key, text(ctx, data, f"lang_{code}")) for key, code in LANG_CHOICES.items())


def _greeting_prompt(data: dict, ctx: Context) -> tuple:
    association = ctx.profile.short_name.get(lang(data))
    return (Reply(text(ctx, data, "welcome", association=association), _options(ctx, data)),)


def _choose_prompt(data: dict, ctx: Context) -> tuple:
    return (Reply(text(ctx, data, "language_prompt"), _options(ctx, data)),)


def _chosen(inbound: Inbound) -> str | None:
    """The language picked, by button or by the script the beneficiary typed in."""
    if inbound.kind == "choice":
        return LANG_CHOICES.get(inbound.choice or "")
    if inbound.kind == "text":
        if has_arabic(inbound.text):
            return "ar"
        if has_latin(inbound.text):
            return "en"
    return None


def set_language(code: str, data: dict, ctx: Context) -> Step:
    """Remember `code`, confirm it in that language, and open the main menu."""
    from conversations.menu import MENU

    data = {**data, "lang": code}
    confirmation = f"{text(ctx, data, 'language_set')}\n{text(ctx, data, 'commands_hint')}"
    return goto(MENU, data, ctx, SetLanguage(code), Reply(confirmation))


def start(data: dict, ctx: Context) -> Step:
    """First contact: greet in the association's default language and ask which language to use."""
    return goto(GREETING, {**data, "lang": data.get("lang", ctx.profile.default_language)}, ctx)


@state(GREETING, parent=GREETING, prompt=_greeting_prompt)
def on_greeting(inbound: Inbound, data: dict, ctx: Context) -> Step:
    code = _chosen(inbound)
    if code is None:
        return goto(GREETING, data, ctx, Reply(text(ctx, data, "language_hint")))
    return set_language(code, data, ctx)


@state(CHOOSE, parent="menu:main", prompt=_choose_prompt)
def on_choose(inbound: Inbound, data: dict, ctx: Context) -> Step:
    code = _chosen(inbound) if inbound.kind == "choice" else None
    if code is None:
        return goto(CHOOSE, data, ctx, Reply(text(ctx, data, "language_hint")))
    return set_language(code, data, ctx)
