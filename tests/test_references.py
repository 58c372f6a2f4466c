"""Reference numbers: every one the engine can issue is recognised however a person types it back, and each
kind of thing (help request, complaint, suggestion, staff chat) has its own letter."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from bot.engine import new_reference
from conversations import handoff, my_requests, references, router
from conversations.effects import FileComplaint, HandOffToStaff, Reply
from conversations.faq import FaqIndex
from conversations.states import Complaints, Requests
from conversations.types import ComplaintView, Context, Inbound, RequestView

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)
ZEROS = ("0", "\u0660", "\u06f0", "\u09e6", "\u0966", "\uff10")  # ASCII, Arabic-Indic, Urdu, Bengali, Devanagari, fullwidth
DASHES = ("-", "", " ", " - ", "\u2013", "_")
BODY = st.text(alphabet=references.ALPHABET, min_size=references.BODY_LENGTH, max_size=references.BODY_LENGTH)
PREFIX = st.sampled_from(sorted(references.PREFIXES.values()))


def context(profile, texts, **kw) -> Context:
    values = dict(profile=profile, texts=texts, faq=FaqIndex(profile), now=NOW, channel="web", reference="H-7K3P9Q")
    return Context(**{**values, **kw})


def replies(step) -> str:
    return "\n".join(e.text for e in step.effects if isinstance(e, Reply))


@st.composite
def spellings(draw, reference: str) -> str:
    """The reference as a person may type it: any case, any script's digits, the dash or not, spaces, the
    prefix or not, invisible direction marks from a right-to-left keyboard."""
    prefix, body = reference.split("-", 1)
    zero = draw(st.sampled_from(ZEROS))
    chars = []
    for ch in body:
        if ch.isdecimal():
            ch = chr(ord(zero) + int(ch))
        elif draw(st.booleans()):
            ch = ch.lower()
        chars.append(ch + draw(st.sampled_from(("", "", " "))))
    typed = "".join(chars)
    if draw(st.booleans()):
        typed = draw(st.sampled_from((prefix, prefix.lower()))) + draw(st.sampled_from(DASHES)) + typed
    return draw(st.sampled_from(("", " ", "\u200f"))) + typed + draw(st.sampled_from(("", " ", "\u200e")))


def test_the_generator_issues_only_the_shape_recognised():
    for prefix in references.PREFIXES.values():
        reference = new_reference(prefix)
        assert references.SHAPE.fullmatch(references.key(reference)) is not None


@given(st.data(), PREFIX, BODY)
def test_every_issued_reference_is_recognised_however_typed(data, prefix, body):
    reference = new_reference(prefix)[:2] + body  # the generator's shape, with any body it can draw
    typed = data.draw(spellings(reference))
    assert references.same(typed, reference), typed
    mine = (RequestView(reference, "submitted", "food", NOW, NOW + timedelta(days=14)),)
    assert my_requests.find(typed, mine) == mine[0]


@given(st.data(), PREFIX, BODY, BODY)
def test_another_reference_is_never_taken_for_it(data, prefix, body, other):
    if body == other:
        return
    typed = data.draw(spellings(f"{prefix}-{other}"))
    assert not references.same(typed, f"{prefix}-{body}")


def test_a_reference_without_a_digit_typed_at_my_requests_shows_the_request(profile, texts):
    mine = (RequestView("H-YMLVMG", "submitted", "food", NOW, NOW + timedelta(days=14)),)
    ctx = context(profile, texts, requests=mine)
    for typed in ("H-YMLVMG", "h-ymlvmg", "ymlvmg", "H YML VMG", "hymlvmg"):
        step = router.step(Requests.LIST, {"lang": "ar"}, Inbound("text", text=typed), ctx)
        assert "H-YMLVMG" in replies(step) and "لم نجد" not in replies(step), typed


def test_a_digitless_reference_not_theirs_is_not_found_but_a_word_is_a_question(profile, texts):
    ctx = context(profile, texts, requests=())
    step = router.step(Requests.LIST, {"lang": "ar"}, Inbound("text", text="H-YMLVMG"), ctx)
    assert "لم نجد طلباً بهذا الرقم" in replies(step)
    step = router.step(Requests.LIST, {"lang": "en"}, Inbound("text", text="status"), ctx)
    assert texts("en", "req_not_found") not in replies(step)


def test_complaints_suggestions_and_staff_chats_have_their_own_letter(profile, texts):
    ctx = context(profile, texts)
    draft = {"kind": "complaint", "text": "the queue was very long", "started_at": NOW.isoformat(), "files": 0}
    for kind, letter in (("complaint", "C"), ("suggestion", "S")):
        data = {"lang": "en", "complaint": {**draft, "kind": kind}, "choices": [["complaints:send", "Send"]]}
        step = router.step(Complaints.ATTACH, data, Inbound("choice", choice="complaints:send"), ctx)
        filed = next(e for e in step.effects if isinstance(e, FileComplaint))
        assert filed.reference == f"{letter}-7K3P9Q" and f"{letter}-7K3P9Q" in replies(step)
    step = handoff.staff({"lang": "en"}, ctx)
    chat = next(e for e in step.effects if isinstance(e, HandOffToStaff))
    assert chat.reference == "T-7K3P9Q" and "T-7K3P9Q" in replies(step)


def test_an_old_complaint_numbered_like_a_request_is_still_followed(profile, texts):
    old = ComplaintView("H-4Q7R2M", "complaint", "open", NOW, NOW + timedelta(days=7))
    ctx = context(profile, texts, complaints=(old,))
    for typed in ("H-4Q7R2M", "h4q7r2m", "4q7r2m"):
        step = router.step(Complaints.FOLLOW, {"lang": "en"}, Inbound("text", text=typed), ctx)
        assert "H-4Q7R2M" in replies(step) and step.state == Complaints.FOLLOWED, typed
