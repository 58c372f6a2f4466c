"""The FAQ in the communities' languages: Urdu letter forms fold to one form on both sides, and an entry
without an answer in the beneficiary's language answers in Arabic and English, saying staff can be asked."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from conversations.profile import load
from conversations import router
from conversations.catalog import Catalog
from conversations.effects import Reply
from conversations.faq import FaqIndex, classify
from conversations.normalize import normalize
from conversations.types import Context, Inbound

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)
# Each Urdu form and an Arabic form a keyboard gives instead.
URDU_TO_ARABIC = {"ی": "ي", "ے": "ي", "ک": "ك", "ہ": "ه", "ۃ": "ة", "ھ": "ه", "ۂ": "ه"}


@given(st.text(alphabet=st.sampled_from("ابپتٹجچدڈرڑسشکگلمنںوہھءیےۃۂ "), max_size=40))
def test_urdu_and_arabic_keyboard_forms_compare_equal(text):
    arabic = "".join(URDU_TO_ARABIC.get(ch, ch) for ch in text)
    assert normalize(text) == normalize(arabic)


def sha3af() -> Context:
    profile = load("sha3af")
    return Context(profile=profile, texts=Catalog.load(profile.texts), faq=FaqIndex(profile), now=NOW, channel="web", reference="H-1")


def test_an_urdu_question_typed_with_arabic_letter_forms_finds_its_answer():
    index = FaqIndex(load("sha3af"))
    for typed in ("مدد كي ليي درخواست كيسي دوں", "مجهي مدد چاهيي"):  # Arabic kaf, yeh and heh for Urdu's own
        verdict, matches = classify(index.search(typed))
        assert verdict == "answer" and matches[0].entry.id == "how_to_apply", typed


def replies(step) -> list[str]:
    return [e.text for e in step.effects if isinstance(e, Reply)]


def test_an_answer_written_in_the_beneficiarys_language_comes_in_it():
    step = router.step("inquiry:ask", {"lang": "ur"}, Inbound("text", text="مجھے مدد چاہیے"), sha3af())
    assert replies(step)[0].startswith("مینو میں «امداد کی درخواست» منتخب کریں")


def test_an_answer_missing_in_the_beneficiarys_language_comes_in_arabic_and_english_with_a_note():
    profile = load("sha3af")
    documents = next(e for e in profile.faq if e.id == "documents")
    step = router.step("inquiry:ask", {"lang": "bn"}, Inbound("text", text="what documents are required"), sha3af())
    answer = replies(step)[0]
    assert answer.startswith("এই উত্তরটি এখনো বাংলায় নেই, তাই এখানে আরবি ও ইংরেজিতে দেওয়া হলো।")
    assert documents.ar.answer in answer and documents.en.answer in answer
    assert step.state == "inquiry:answered"
