"""Voice notes as an input: the answer where words are asked for, a file where files are, and a kind request
for a choice (with a person offered) where a choice or a number is needed."""

from __future__ import annotations

import pytest

from conversations.effects import Reply
from conversations.types import Inbound
from tests.test_help_request import FOOD_FORM, context, picked, replies, run

VOICE = Inbound("voice")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_voice_note_is_the_description_of_a_help_request(profile, texts, lang):
    ctx = context(profile, texts)
    before = run(ctx, "menu:main", {"lang": lang}, picked("menu:help_request"), *FOOD_FORM[:-2])
    after = run(ctx, before.state, before.data, VOICE)
    assert after.data["help"]["form"]["description"] == texts(lang, "voice_note_answer")
    assert after.state != before.state and texts(lang, "voice_needs_choice") not in replies(after)


def test_a_transcript_is_the_answer_when_there_is_one(profile, texts):
    ctx = context(profile, texts)
    before = run(ctx, "menu:main", {"lang": "ar"}, picked("menu:help_request"), *FOOD_FORM[:-2])
    after = run(ctx, before.state, before.data, Inbound("voice", text="نحتاج سلة غذائية لأسرتي هذا الشهر"))
    assert after.data["help"]["form"]["description"] == "نحتاج سلة غذائية لأسرتي هذا الشهر"


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_where_a_choice_is_needed_the_bot_says_so_kindly_and_offers_a_person(profile, texts, lang):
    ctx = context(profile, texts)
    before = run(ctx, "menu:main", {"lang": lang}, picked("menu:help_request"), *FOOD_FORM[:4])  # the city
    after = run(ctx, before.state, before.data, VOICE)
    assert after.state == before.state
    kind = next(e for e in after.effects if isinstance(e, Reply))
    assert kind.text == texts(lang, "voice_needs_choice")
    assert [c.key for c in kind.choices] == ["talk_to_staff"]
    assert run(ctx, after.state, after.data, picked("talk_to_staff")).state.startswith("handoff")


def test_a_voice_note_is_a_complaints_text_and_a_message_in_a_live_chat(profile, texts):
    ctx = context(profile, texts)
    complaint = run(
        ctx, "menu:main", {"lang": "ar"}, picked("menu:complaints"), picked("complaints:new:complaint")
    )
    assert complaint.state == "complaints:text"
    after = run(ctx, complaint.state, complaint.data, VOICE)
    assert after.state == "complaints:attach" and texts("ar", "voice_needs_choice") not in replies(after)
    live = run(ctx, "handoff:live", {"lang": "ar"}, VOICE)
    assert live.state == "handoff:live" and texts("ar", "voice_needs_choice") not in replies(live)


def transcript(words: str) -> Inbound:
    return Inbound("event", text=words, choice="voice_transcript")


def test_a_transcript_asks_the_notes_question_of_the_faq(profile, texts):
    ctx = context(profile, texts)
    asked = run(ctx, "menu:main", {"lang": "ar"}, picked("menu:inquiry"), VOICE)
    assert asked.state == "inquiry:no_match"  # a note without words matches no question
    answered = run(ctx, asked.state, asked.data, transcript("متى يطلع الرد على طلبي؟"))
    said = replies(answered)
    assert said.startswith(texts("ar", "voice_understood", words="متى يطلع الرد على طلبي؟"))
    assert "خلال أسبوعين" in said


def test_a_transcript_fills_the_description_the_note_gave(profile, texts):
    ctx = context(profile, texts)
    before = run(ctx, "menu:main", {"lang": "ar"}, picked("menu:help_request"), *FOOD_FORM[:-2], VOICE)
    after = run(ctx, before.state, before.data, transcript("نحتاج سلة غذائية لأسرتي"))
    assert after.state == before.state
    assert after.data["help"]["form"]["description"] == "نحتاج سلة غذائية لأسرتي"
    assert replies(after) == texts("ar", "voice_understood", words="نحتاج سلة غذائية لأسرتي")
