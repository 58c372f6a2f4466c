"""«السلام عليكم», «صباح الخير», "hello", «नमस्ते» typed where a choice is expected: greeted back in kind, and the
same question asked again, instead of «I did not understand your choice». The words are each language's data."""

from __future__ import annotations

from conversations import languages
from conversations.effects import Reply
from conversations.flow import goto, text
from conversations.normalize import normalize, word_set
from conversations.types import Context, Inbound, Step


def kind_of(typed: str, ctx: Context) -> str | None:
    """The kind of greeting typed (in any offered language, after normalisation), or None."""
    wanted = normalize(typed)
    for code in ctx.profile.languages:
        for kind, words in languages.get(code).greetings.items():
            if wanted in word_set(*words):
                return kind
    return None


def answer(inbound: Inbound, state: str, data: dict, ctx: Context) -> Step | None:
    """The greeting back and the question of `state` again, when `inbound` is a greeting."""
    kind = kind_of(inbound.text, ctx) if inbound.kind == "text" else None
    if kind is None:
        return None
    return goto(state, data, ctx, Reply(text(ctx, data, f"greeting_back_{kind}")))
