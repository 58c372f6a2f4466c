"""The rating and complaint flows' pure parts: score parsing, where a prompt may appear, the events' guards,
and the complaint's text and reference checks, without the golden runner."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations import router
from conversations.complaint_rules import check_text
from conversations.complaints import own
from conversations.effects import RecordRating, Reply, ScheduleTimer, SetRatingStatus
from conversations.faq import FaqIndex
from conversations.ratings import is_idle, parse_score
from conversations.states import Rating
from conversations.types import ComplaintView, Context, Inbound

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
WORDS = {1: "ضعيف جداً", 2: "ضعيف", 3: "مقبول", 4: "جيد", 5: "ممتاز"}


def _ctx(profile, texts, **changes) -> Context:
    fields: dict = dict(profile=profile, texts=texts, faq=FaqIndex(profile), now=T0, channel="web")
    return Context(**{**fields, "reference": "C-1", **changes})


def _event(name: str, text: str = "") -> Inbound:
    return Inbound("event", text=text, choice=name)


@given(st.integers(1, 5), st.booleans(), st.sampled_from(["", " ", "/5", " من 5", " out of 5"]))
def test_a_score_parses_in_any_digits_and_with_its_scale(score, arabic, tail):
    typed = str(score).translate(ARABIC_DIGITS) if arabic else str(score)
    assert parse_score(f" {typed}{tail} ", WORDS) == score


@given(st.integers().filter(lambda n: not 1 <= n <= 5))
def test_a_number_outside_one_to_five_is_refused(number):
    assert parse_score(str(number), WORDS) is None
    assert parse_score(str(number).translate(ARABIC_DIGITS), WORDS) is None


def test_thousands_of_digits_are_no_score_and_no_fault():
    assert parse_score("4" * 5000, WORDS) is None  # more digits than int() reads: refused, not raised


@given(st.text(max_size=20))
def test_parsing_never_raises_and_only_gives_a_score_or_nothing(typed):
    assert parse_score(typed, WORDS) in (None, 1, 2, 3, 4, 5)


@pytest.mark.parametrize(
    ("typed", "score"),
    [("ممتاز", 5), ("ضعيف جدا", 1), ("ضعيفٌ", 2), ("⭐⭐⭐", 3), ("★★★★★", 5), ("⭐️⭐️", 2), ("جيد جدا", None)],
)
def test_a_score_parses_from_its_word_or_stars(typed, score):
    assert parse_score(typed, WORDS) == score


@pytest.mark.parametrize(
    ("here", "idle"),
    [
        ("menu:main", True),
        ("inquiry:answered", True),
        ("programs:details", True),
        ("help:ended", True),
        ("complaints:menu", True),
        ("help:name", False),
        ("help:consent", False),
        ("handoff:live", False),
        ("complaints:text", False),
        (Rating.SCORE, False),
        (Rating.COMMENT, False),
    ],
)
def test_a_prompt_appears_only_where_nothing_is_being_typed(here, idle):
    assert is_idle(here) is idle


def test_a_prompt_for_a_rating_that_is_not_open_changes_nothing(profile, texts):
    data = {"lang": "ar"}
    step = router.step("menu:main", data, _event("rating_prompt:5", "handoff:H-1"), _ctx(profile, texts))
    assert (step.state, step.data, step.effects) == ("menu:main", data, ())


def test_a_prompt_mid_form_waits_half_an_hour(profile, texts):
    ctx = _ctx(profile, texts, open_ratings=(5,))
    step = router.step("help:name", {"lang": "ar"}, _event("rating_prompt:5", "handoff:H-1"), ctx)
    assert step.state == "help:name"
    assert step.effects == (ScheduleTimer("rating_prompt:5", T0 + timedelta(minutes=30)),)


def test_a_prompt_remembers_where_to_go_back_and_uses_the_rating_template(profile, texts):
    ctx = _ctx(profile, texts, open_ratings=(5,))
    step = router.step("requests:list", {"lang": "en"}, _event("rating_prompt:5", "handoff:H-1"), ctx)
    assert step.state == Rating.SCORE and step.data["rating"] == {"id": 5, "return_to": "requests:list"}
    assert SetRatingStatus(5, "prompted") in step.effects
    prompt = [e for e in step.effects if isinstance(e, Reply)][-1]
    assert prompt.kind == "rating_prompt" and len(prompt.choices) == 6


def test_an_answer_after_the_rating_expired_is_not_recorded(profile, texts):
    ctx = _ctx(profile, texts, open_ratings=(5,))
    asked = router.step("menu:main", {"lang": "ar"}, _event("rating_prompt:5", "handoff:H-1"), ctx)
    scored = router.step(asked.state, asked.data, Inbound("text", text="4"), ctx)
    late = router.step(scored.state, scored.data, Inbound("text", text="ممتاز جداً"), _ctx(profile, texts))
    assert late.state == "menu:main"
    assert not any(isinstance(e, RecordRating) for e in late.effects)


def test_a_comment_longer_than_allowed_is_asked_again(profile, texts):
    ctx = _ctx(profile, texts, open_ratings=(5,))
    data = {"lang": "ar", "rating": {"id": 5, "score": 3, "return_to": "menu:main"}}
    step = router.step(Rating.COMMENT, data, Inbound("text", text="ا" * 501), ctx)
    assert step.state == Rating.COMMENT and not any(isinstance(e, RecordRating) for e in step.effects)


def test_the_reminder_while_answering_that_rating_only_arms_the_expiry(profile, texts):
    ctx = _ctx(profile, texts, open_ratings=(5,))
    data = {"lang": "ar", "rating": {"id": 5, "return_to": "menu:main"}}
    step = router.step(Rating.SCORE, data, _event("rating_reminder:5"), ctx)
    assert step.state == Rating.SCORE
    assert step.effects == (
        SetRatingStatus(5, "reminded"),
        ScheduleTimer("rating_expire:5", T0 + timedelta(hours=profile.deadlines.rating_expiry_hours)),
    )


@pytest.mark.parametrize(
    ("typed", "hint"),
    [("قصير", "cmp_text_short"), ("   " + "ا" * 9 + "  ", "cmp_text_short"), ("x" * 2001, "cmp_text_long")],
)
def test_a_complaint_text_outside_its_length_gets_a_hint(typed, hint):
    assert check_text(typed) == (None, hint)


def test_a_complaint_text_is_trimmed():
    assert check_text("  \u200fتأخر التسليم كثيراً  ") == ("تأخر التسليم كثيراً", None)


def test_only_the_beneficiarys_own_reference_is_found(profile, texts):
    mine = ComplaintView("C-4Q7R2M", "complaint", "open", T0, T0 + timedelta(days=7))
    ctx = _ctx(profile, texts, complaints=(mine,))
    assert own(ctx, " c-٤q7r2m ") == mine
    assert own(ctx, "C-9999999") is None
