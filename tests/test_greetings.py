"""A greeting typed where a choice is expected is greeted back, in kind and in the conversation's language, and
the same question comes again; never «I did not understand your choice»."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from conversations import handoff, languages, menu, router
from conversations.catalog import LANGUAGES
from conversations.effects import Reply
from conversations.faq import FaqIndex
from conversations.states import Complaints, Help, Menu, Programs
from conversations.types import Context, Inbound

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def every_language(profile):
    return profile.model_copy(update={"languages": list(LANGUAGES)})


def context(profile, texts) -> Context:
    return Context(profile=profile, texts=texts, faq=FaqIndex(profile), now=NOW, channel="whatsapp", reference="H-1")


def at_menu(ctx: Context, lang: str, typed: str):
    data = {"lang": lang, "choices": [[f"menu:{k}", label] for k, label in menu.ITEMS]}
    return router.step(Menu.MAIN, data, Inbound("text", text=typed), ctx)


def texts_of(step) -> list[str]:
    return [e.text for e in step.effects if isinstance(e, Reply)]


def read(step) -> str:
    """Everything the turn says, its messages one after another."""
    return "\n\n".join(texts_of(step))


@pytest.mark.parametrize(
    "typed, kind",
    [
        ("السلام عليكم", "salam"),
        ("السلامُ عليكم ورحمة الله وبركاته", "salam"),
        ("مرحباً", "hello"),
        ("هلا", "hello"),
        ("صباح الخير", "morning"),
        ("مساء الخير!", "evening"),
        ("Hello", "hello"),
        ("hi", "hello"),
        ("السلام علیکم", "salam"),  # Urdu's letters
        ("নমস্কার", "hello"),
        ("नमस्ते", "hello"),
        ("Halo", "hello"),
        ("kumusta po", "hello"),
        ("Selamat pagi", "morning"),
    ],
)
def test_a_greeting_at_the_menu_is_greeted_back_with_the_menu(typed, kind, every_language, texts):
    ctx = context(every_language, texts)
    step = at_menu(ctx, "ar", typed)
    assert texts_of(step) == [texts("ar", f"greeting_back_{kind}") + "\n\n" + texts("ar", "menu_prompt")]
    assert step.state == Menu.MAIN


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_greets_back_its_own_greetings_in_itself(lang, every_language, texts):
    ctx = context(every_language, texts)
    own = languages.get(lang).greetings
    assert own, f"{lang} lists no greetings"
    for kind, words in own.items():
        for word in words:
            step = at_menu(ctx, lang, word)
            assert texts_of(step)[0].startswith(texts(lang, f"greeting_back_{kind}") + "\n\n"), (lang, word)
            assert texts(lang, "menu_hint") not in read(step)


def test_a_greeting_where_another_choice_is_expected_asks_that_question_again(profile, texts):
    ctx = context(profile, texts)
    first = router.step(Menu.MAIN, {"lang": "en"}, Inbound("choice", choice="menu:complaints"), ctx)
    assert first.state == Complaints.MENU
    step = router.step(first.state, first.data, Inbound("text", text="good morning"), ctx)
    assert step.state == Complaints.MENU
    assert texts_of(step) == [texts("en", "greeting_back_morning") + "\n\n" + texts("en", "cmp_menu_prompt")]


def test_a_greeting_in_a_live_chat_is_for_the_staff_member(profile, texts):
    ctx = context(profile, texts)
    live = handoff.staff({"lang": "ar"}, ctx)
    step = router.step(live.state, live.data, Inbound("text", text="السلام عليكم"), ctx)
    assert texts("ar", "greeting_back_salam") not in read(step)


def test_a_greeting_with_a_question_is_a_question(profile, texts):
    said = read(at_menu(context(profile, texts), "ar", "السلام عليكم متى يفتح التسجيل"))
    assert texts("ar", "greeting_back_salam") not in said


@pytest.mark.parametrize("state", [Help.NAME, Programs.CONTACT_NAME])
def test_a_greeting_at_a_name_question_is_not_taken_for_a_name(state, profile, texts):
    data = {"lang": "ar", "help": {"form": {}, "at": state}, "program": {"then": "confirm"}}
    step = router.step(state, data, Inbound("text", text="السلام عليكم"), context(profile, texts))
    assert step.state == state and texts_of(step)[0].startswith(texts("ar", "greeting_back_salam") + "\n\n")
    assert "full_name" not in step.data["help"]["form"] and "contact" not in step.data["program"]
