"""Inquiries: a typed question is matched against the association's FAQ.

    inquiry:ask ──question──> confident match ──> answer ──> inquiry:answered
                          ──> close call ──> inquiry:pick ──entry──> answer ──> inquiry:answered
                                                         ──none of these──> inquiry:no_match
                          ──> no match ──> inquiry:no_match ──talk_to_staff──> handoff
    inquiry:answered / inquiry:no_match ──another question typed──> (as inquiry:ask)
"""

from __future__ import annotations

from conversations.profile import FaqEntry, FaqText
from conversations import contact, handoff, languages
from conversations.effects import Reply
from conversations.faq import classify, fold
from conversations.flow import Flow, choice, goto, lang, reask, text
from conversations.states import Inquiry, Menu
from conversations.types import Choice, Context, Inbound, Step

FLOW = Flow("inquiry")
MAX_QUESTION = 500  # what is kept of a question for staff


def _ask_prompt(data: dict, ctx: Context) -> tuple:
    return (Reply(text(ctx, data, "inquiry_prompt")),)


def _follow_up(data: dict, ctx: Context) -> tuple:
    return (
        choice(ctx, data, "inquiry:another", "inquiry_another"),
        choice(ctx, data, "talk_to_staff", "choice_talk_to_staff"),
        choice(ctx, data, "menu", "choice_menu"),
    )


def _answered_prompt(data: dict, ctx: Context) -> tuple:
    return (Reply(text(ctx, data, "inquiry_answered_prompt"), _follow_up(data, ctx)),)


def _pick_prompt(data: dict, ctx: Context) -> tuple:
    lg = lang(data)
    options = [Choice(f"faq:{i}", _in(ctx.faq.entries[i], lg).questions[0]) for i in data.get("offered", [])]
    options.append(choice(ctx, data, "inquiry:none", "inquiry_none_of_these"))
    return (Reply(text(ctx, data, "inquiry_pick"), tuple(options)),)


def _no_match_prompt(data: dict, ctx: Context) -> tuple:
    return (
        Reply(
            text(ctx, data, "inquiry_no_match"),
            (
                choice(ctx, data, "inquiry:another", "inquiry_rephrase"),
                choice(ctx, data, "talk_to_staff", "choice_talk_to_staff"),
                choice(ctx, data, "menu", "choice_menu"),
            ),
        ),
    )


def _in(entry: FaqEntry, lg: str) -> FaqText:
    """The entry in the conversation's language, or in the language that one falls back to."""
    return entry.text_in(lg) or entry.text_in(languages.get(lg).fallback) or entry.ar


def _answer(entry_id: str, data: dict, ctx: Context) -> Step:
    """The answer in the conversation's language; without one, in Arabic and English, saying that staff
    can be asked in the beneficiary's own language."""
    entry, lg = ctx.faq.entries[entry_id], lang(data)
    own = entry.text_in(lg)
    if own is not None:
        return goto(Inquiry.ANSWERED, data, ctx, Reply(contact.filled(own.answer, ctx.profile, ctx.texts, lg)))
    ar, en = (contact.filled(entry.text_in(code).answer, ctx.profile, ctx.texts, code) for code in ("ar", "en"))
    both = f"{text(ctx, data, 'inquiry_other_languages')}\n\n{ar}\n\n{en}"
    return goto(Inquiry.ANSWERED, data, ctx, Reply(both))


def ask(question: str, data: dict, ctx: Context) -> Step:
    """Answer, offer close matches, or say there is no answer and offer a person."""
    data = {**data, "question": question[:MAX_QUESTION]}
    verdict, matches = classify(ctx.faq.search(question))
    if verdict == "answer":
        return _answer(matches[0].entry.id, data, ctx)
    if verdict == "offer":
        return goto(Inquiry.PICK, {**data, "offered": [m.entry.id for m in matches]}, ctx)
    return goto(Inquiry.NO_MATCH, data, ctx)


def answer_if_meaningful(question: str, data: dict, ctx: Context) -> Step | None:
    """A question typed where a choice was expected: handle it as an inquiry unless it is empty noise."""
    if len(fold(question)) < 3:
        return None
    return ask(question, data, ctx)


def _common(inbound: Inbound, data: dict, ctx: Context, here: str) -> Step:
    """What every inquiry state accepts: a new question typed, or the follow-up buttons."""
    if inbound.kind == "choice":
        if inbound.choice == "inquiry:another":
            return goto(Inquiry.ASK, data, ctx)
        if inbound.choice == "talk_to_staff":
            return handoff.request(data, ctx, reason="inquiry")
        if inbound.choice == "menu":
            return goto(Menu.MAIN, data, ctx)
    if inbound.kind == "text":
        step = answer_if_meaningful(inbound.text, data, ctx)
        if step is not None:
            return step
    return reask(here, data, ctx, "inquiry_hint")


@FLOW.state(Inquiry.ASK, parent=Menu.MAIN, prompt=_ask_prompt, accepts=("voice",))
def on_ask(inbound: Inbound, data: dict, ctx: Context) -> Step:
    return _common(inbound, data, ctx, Inquiry.ASK)


@FLOW.state(Inquiry.ANSWERED, parent=Inquiry.ASK, prompt=_answered_prompt, accepts=("voice",))
def on_answered(inbound: Inbound, data: dict, ctx: Context) -> Step:
    return _common(inbound, data, ctx, Inquiry.ANSWERED)


@FLOW.state(Inquiry.PICK, parent=Inquiry.ASK, prompt=_pick_prompt)
def on_pick(inbound: Inbound, data: dict, ctx: Context) -> Step:
    if inbound.kind == "choice" and (inbound.choice or "").startswith("faq:"):
        entry_id = inbound.choice.removeprefix("faq:")
        if entry_id in ctx.faq.entries:
            return _answer(entry_id, data, ctx)
    if inbound.kind == "choice" and inbound.choice == "inquiry:none":
        return goto(Inquiry.NO_MATCH, data, ctx)
    return _common(inbound, data, ctx, Inquiry.PICK)


@FLOW.state(Inquiry.NO_MATCH, parent=Inquiry.ASK, prompt=_no_match_prompt)
def on_no_match(inbound: Inbound, data: dict, ctx: Context) -> Step:
    return _common(inbound, data, ctx, Inquiry.NO_MATCH)
