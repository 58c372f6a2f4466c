"""The first message picks the language when it can: script first, common words for Hindi and Nepali, the
Latin-script detector for Indonesian, Tagalog and English; unsure means the language menu."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.profile import load
from conversations import router
from conversations.catalog import Catalog
from conversations.detect import language_of, script_of
from conversations.effects import Reply, SetLanguage
from conversations.faq import FaqIndex
from conversations.types import Context, Inbound

SHA3AF = ["ar", "en", "ur", "bn", "hi", "ne", "id", "tl"]
NOW = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "text, lang",
    [
        ("السلام علیکم، مجھے مدد چاہیے", "ur"),
        ("میں کیسے درخواست دوں؟", "ur"),
        ("السلام عليكم، أبي مساعدة", "ar"),
        ("আসসালামু আলাইকুম, আমার সাহায্য দরকার", "bn"),
        ("नमस्ते, मुझे मदद चाहिए", "hi"),
        ("नमस्ते, मलाई सहायता चाहिन्छ", "ne"),
        ("Selamat pagi, saya mau tanya tentang bantuan", "id"),
        ("Magandang umaga po, paano mag-apply ng tulong", "tl"),
        ("Good morning, how can I apply for help?", "en"),
    ],
)
def test_a_message_in_an_offered_language_is_recognised(text, lang):
    assert language_of(text, SHA3AF) == lang


@pytest.mark.parametrize("text", ["नमस्ते", "ok", "👍", "123", "ሰላም እንዴት ነህ", "ආයුබෝවන්", "hi"])
def test_unsure_or_not_offered_is_none(text):
    assert language_of(text, SHA3AF) is None


def test_arabic_script_without_urdu_letters_is_arabic_only_when_urdu_is_not_the_only_choice():
    assert language_of("مرحبا", ["ar", "en"]) == "ar"
    assert language_of("مرحبا", ["ur", "en"]) is None  # no Urdu letter: not surely Urdu


@given(st.text(max_size=80))
def test_any_text_gets_an_offered_language_or_none(text):
    assert language_of(text, SHA3AF) in (*SHA3AF, None)
    assert language_of(text, ["ar", "en"]) in ("ar", "en", None)


@given(st.text(alphabet=st.characters(min_codepoint=0x0995, max_codepoint=0x09B9).filter(str.isalpha), min_size=1, max_size=30))
def test_bengali_letters_are_bengali(text):
    assert script_of(text) == "Beng" and language_of(text, SHA3AF) == "bn"


@given(st.text(alphabet=st.sampled_from("ٹڈڑںھہےۓ"), min_size=1, max_size=5), st.text(alphabet=st.characters(min_codepoint=0x0628, max_codepoint=0x064A).filter(str.isalpha), max_size=30))
def test_one_urdu_letter_among_arabic_ones_is_urdu(urdu, arabic):
    assert language_of(arabic + urdu, SHA3AF) == "ur"


# ---------------------------------------------------------------- in conversation

def sha3af() -> Context:
    profile = load("sha3af")
    return Context(profile=profile, texts=Catalog.load(profile.texts), faq=FaqIndex(profile), now=NOW, channel="web", reference="H-1")


def texts_of(step) -> list[str]:
    return [e.text for e in step.effects if isinstance(e, Reply)]


def test_a_first_message_in_urdu_is_greeted_in_urdu_with_the_menu():
    step = router.step("", {}, Inbound("text", text="السلام علیکم، مجھے مدد چاہیے"), sha3af())
    assert step.state == "menu:main" and step.data["lang"] == "ur"
    assert SetLanguage("ur") in step.effects
    [said] = texts_of(step)  # the welcome and the menu's question, one message
    assert said.startswith("جمعية الدعوة بالشعف میں خوش آمدید")
    assert said.endswith("\n\nآج ہم آپ کی کیا خدمت کر سکتے ہیں؟ مینو میں سے منتخب کریں، یا اپنا سوال لکھیں۔")


def test_a_first_message_that_cannot_be_told_asks_with_the_language_menu():
    for text in ("नमस्ते", "مرحبا", "hello"):
        step = router.step("", {}, Inbound("text", text=text), sha3af())
        assert step.state == "greeting:choose_language" and step.data["lang"] == "ar", text


def test_the_answer_to_the_greeting_picks_the_language_by_what_is_typed():
    greeted = router.step("", {}, Inbound("text", text="नमस्ते"), sha3af())
    step = router.step(greeted.state, greeted.data, Inbound("text", text="मलाई सहायता चाहिन्छ"), sha3af())
    assert step.data["lang"] == "ne" and step.state == "menu:main"
    unsure = router.step(greeted.state, greeted.data, Inbound("text", text="नमस्ते"), sha3af())
    assert unsure.state == "greeting:choose_language"
    assert texts_of(unsure)[0].startswith("فضلاً اختر اللغة بالضغط على زرها.\n\n")  # the web chat's wording: buttons
