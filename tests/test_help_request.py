"""The help-request flow's rules, one at a time: validators, eligibility rules per profile, timers, staff
events, my requests and the handoff words (the transcripts in golden/ show them in conversation)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations import handoff, help_events, help_fields, help_review, help_rules, my_requests, router
from conversations.effects import CancelTimer, HandOffToStaff, Reply, ScheduleTimer, SubmitHelpRequest
from conversations.faq import FaqIndex
from conversations.flows import STATES
from conversations.national_id import IdProblem
from conversations.states import Handoff, Help, Requests
from conversations.types import Context, Inbound, PersonView, RequestView

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
ARABIC_LETTERS = st.characters(min_codepoint=0x0621, max_codepoint=0x064A).filter(str.isalpha)


def context(profile, texts, **kw) -> Context:
    values = dict(
        profile=profile, texts=texts, faq=FaqIndex(profile), now=NOW, channel="web", reference="H-000001"
    )
    return Context(**{**values, **kw})


def run(ctx: Context, state: str, data: dict, *inputs: Inbound):
    """Feed inputs through the router; the last step."""
    result = None
    for inbound in inputs:
        result = router.step(state, data, inbound, ctx)
        state, data = result.state, result.data
    return result


def said(text: str) -> Inbound:
    return Inbound("text", text=text)


def picked(key: str) -> Inbound:
    return Inbound("choice", choice=key)


def replies(step) -> str:
    return "\n".join(e.text for e in step.effects if isinstance(e, Reply))


FOOD_FORM = [
    picked("help:agree"),
    said("نورة محمد الحربي"),
    said("2012345670"),  # an iqama: the residency question is asked
    said("0501234567"),
    picked("help:city:bukayriyah"),
    picked("help:residency:resident"),
    said("5"),
    picked("help:income:none"),
    picked("help:category:food"),
    said("نحتاج سلة غذائية هذا الشهر"),
    picked("help:docs_done"),
]


# ── validators ──────────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("typed", "value", "hint"),
    [
        ("نورة محمد الحربي", "نورة محمد الحربي", None),
        ("  مُحَمَّد   عبدالله  ", "مُحَمَّد عبدالله", None),  # harakat and extra spaces are fine
        ("Sara Al-Qahtani", "Sara Al-Qahtani", None),
        ("Sara_Ali", None, "help_name_letters"),
        ("نورة 2", None, "help_name_letters"),
        ("نورة", None, "help_name_two_words"),
        ("ن م", None, "help_name_short"),
        ("نورة " + "ا" * 100, None, "help_name_long"),
    ],
)
def test_the_name(typed, value, hint):
    assert help_rules.check_name(typed) == (value, hint)


@given(st.lists(st.text(ARABIC_LETTERS, min_size=3, max_size=12), min_size=2, max_size=5))
def test_any_name_of_two_or_more_arabic_words_is_accepted(words):
    name = " ".join(words)
    assert help_rules.check_name(name) == (name, None)


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("10123abc", "not_digits"),
        ("12345", "length"),
        ("3012345678", "first_digit"),
        ("1012345678", "check_digit"),
    ],
)
def test_each_id_problem_has_its_own_message_in_both_languages(typed, hint, texts):
    value, key = help_rules.check_national_id(typed)
    assert value is None and key == f"help_id_{hint}"
    assert texts("ar", key) != texts("en", key)


def test_the_id_messages_cover_every_problem_and_differ(texts):
    messages = {texts("ar", f"help_id_{problem.value}") for problem in IdProblem}
    assert len(messages) == len(IdProblem)


def test_an_id_in_arabic_indic_digits_with_spaces_is_accepted():
    assert help_rules.check_national_id("١٠١٢ ٣٤٥ ٦٧٢") == ("1012345672", None)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("0501234567", "+966501234567"),
        ("٠٥٠١٢٣٤٥٦٧", "+966501234567"),
        ("+966 50 123 4567", "+966501234567"),
        ("123", None),
    ],
)
def test_the_phone(typed, value):
    assert help_rules.check_phone(typed)[0] == value


@given(st.integers(min_value=1, max_value=30), st.booleans(), st.sampled_from(["", " أفراد", " people"]))
def test_a_household_of_1_to_30_in_any_digits(size, arabic, words):
    typed = str(size).translate(ARABIC_DIGITS) if arabic else str(size)
    assert help_rules.check_household(typed + words) == (size, None)


@given(st.integers(min_value=31, max_value=10_000) | st.just(0) | st.just(10**5000))
def test_a_household_outside_1_to_30_is_refused(size):
    typed = str(size) if size < 10**4300 else "9" * 5000  # longer than int() reads (the route walk's value)
    assert help_rules.check_household(typed) == (None, "help_household_range")


@pytest.mark.parametrize("typed", ["كثيرون", "many", "-3", "", "3.5", "خمسة 5"])
def test_a_household_that_is_not_a_number(typed):
    assert help_rules.check_household(typed) == (None, "help_household_number")


def test_the_description_is_10_to_1000_characters():
    assert help_rules.check_description("قصير") == (None, "help_description_short")
    assert help_rules.check_description("x" * 1001) == (None, "help_description_long")
    assert help_rules.check_description("  " + "x" * 1000 + "  ") == ("x" * 1000, None)


def test_a_saudi_number_is_shown_as_saudis_write_it():
    assert help_fields.local_phone("+966501234567") == "0501234567"
    assert help_fields.local_phone("+201001234567") == "+201001234567"


# ── the form's rules ────────────────────────────────────────────────────────────────────────────────────


def test_the_whole_form_files_a_request_and_keeps_plain_json(profile, texts):
    ctx = context(profile, texts)
    state, data = "menu:main", {"lang": "ar"}
    for inbound in [picked("menu:help_request"), *FOOD_FORM, picked("help:confirm"), picked("help:declare")]:
        result = router.step(state, data, inbound, ctx)
        state, data = result.state, result.data
        json.dumps(data)  # the conversation's data is stored as JSON
    filed = next(e for e in result.effects if isinstance(e, SubmitHelpRequest))
    assert filed.form["started_at"] == NOW.isoformat() and filed.form["household_size"] == 5
    assert filed.due_at == NOW + timedelta(days=14) and filed.flags == ()
    assert CancelTimer("help_reminder") in result.effects and CancelTimer("help_expiry") in result.effects
    assert state == "menu:main" and "help" not in data


@pytest.mark.parametrize(("typed", "size"), [("ستة", 6), ("ست", 6), ("عشرة أفراد", 10), ("عشر", 10), ("five", 5)])
def test_a_household_in_words(typed, size):
    assert help_rules.check_household(typed) == (size, None)


def test_a_national_id_is_a_citizen_so_residency_is_not_asked(profile, texts):
    ctx = context(profile, texts)
    citizen = [*FOOD_FORM[:2], said("1012345672"), *FOOD_FORM[3:5]]
    result = run(ctx, "menu:main", {"lang": "ar"}, picked("menu:help_request"), *citizen)
    assert result.state == Help.HOUSEHOLD and texts("ar", "help_ask_residency") not in replies(result)
    assert help_fields.form_of(result.data)["residency"] == "citizen"
    resident = run(ctx, "menu:main", {"lang": "ar"}, picked("menu:help_request"), *FOOD_FORM[:5])
    assert resident.state == Help.RESIDENCY  # an iqama holder is asked


def test_an_id_changed_to_an_iqama_at_the_summary_asks_the_residency(profile, texts):
    ctx = context(profile, texts)
    citizen = [*FOOD_FORM[:2], said("1012345672"), *FOOD_FORM[3:5], *FOOD_FORM[6:]]
    result = run(ctx, "menu:main", {"lang": "ar"}, picked("menu:help_request"), *citizen)
    assert result.state == Help.SUMMARY
    result = run(ctx, result.state, result.data, picked("help:edit"), picked("help:edit:national_id"), said("2012345670"))
    assert result.state == Help.RESIDENCY and "residency" not in help_fields.form_of(result.data)


def test_residency_explained_ends_the_form(profile, texts):
    strict = profile.model_copy(
        update={"eligibility": profile.eligibility.model_copy(update={"when_not_resident": "explain"})}
    )
    ctx = context(strict, texts)
    start = FOOD_FORM[:5]
    result = run(
        ctx, "menu:main", {"lang": "en"}, picked("menu:help_request"), *start, picked("help:residency:other")
    )
    assert result.state == Help.ENDED and "help" not in result.data
    assert "legal residents" in replies(result)


def test_outside_the_area_flagged_goes_on_and_is_flagged(profile, texts):
    lenient = profile.model_copy(
        update={"eligibility": profile.eligibility.model_copy(update={"outside_area": "flag"})}
    )
    form = {"city": "other", "residency": "citizen", "category": "food", "conditions": []}
    assert help_rules.flags(form, lenient) == ("outside_area",)
    ctx = context(lenient, texts)
    result = run(
        ctx,
        "menu:main",
        {"lang": "ar"},
        picked("menu:help_request"),
        *FOOD_FORM[:4],
        picked("help:city:other"),
    )
    assert result.state == Help.RESIDENCY


def test_a_category_changed_to_one_needing_documents_asks_for_them_at_the_summary(profile, texts):
    ctx = context(profile, texts)
    result = run(
        ctx,
        "menu:main",
        {"lang": "ar"},
        picked("menu:help_request"),
        *FOOD_FORM,
        picked("help:edit"),
        picked("help:edit:category"),
        picked("help:category:cash_aid"),
        picked("help:condition:poor_needy"),
        picked("help:confirm"),
    )
    assert result.state == Help.DOCUMENTS
    assert texts("ar", "help_documents_required") in replies(result)


def test_each_answer_moves_the_reminder_until_it_was_sent(profile, texts):
    ctx = context(profile, texts)
    result = run(ctx, "menu:main", {"lang": "ar"}, picked("menu:help_request"), *FOOD_FORM[:2])
    assert ScheduleTimer("help_reminder", NOW + timedelta(hours=24)) in result.effects
    reminded = help_events.on_reminder(
        Inbound("event", choice="help_reminder"), result.state, result.data, ctx
    )
    after = router.step(reminded.state, reminded.data, said("1012345672"), ctx)
    assert not any(isinstance(e, ScheduleTimer) for e in after.effects)


def test_timers_without_a_form_change_nothing(profile, texts):
    ctx = context(profile, texts)
    for event in ("help_reminder", "help_expiry"):
        step = router.step("menu:main", {"lang": "ar"}, Inbound("event", choice=event), ctx)
        assert step.effects == () and step.state == "menu:main"


def test_a_late_expiry_of_an_older_form_spares_a_newer_one(profile, texts):
    data = {"lang": "ar", "help": {"started_at": NOW.isoformat(), "form": {}, "documents": 0}}
    ctx = context(profile, texts, now=NOW + timedelta(days=2))
    assert help_events.on_expiry(Inbound("event", choice="help_expiry"), "menu:main", data, ctx).data == data


def test_answering_staff_after_the_form_expired_returns_to_the_menu(profile, texts):
    ctx = context(profile, texts)
    data = {"lang": "ar", "more_info": {"reference": "H-000009", "return_to": Help.PHONE}}
    assert run(ctx, Help.MORE_INFO, data, said("تم")).state == "menu:main"


def test_an_unknown_decision_changes_nothing(profile, texts):
    step = help_events.on_decided(
        Inbound("event", choice="request_decided:H-1:maybe"),
        "menu:main",
        {"lang": "ar"},
        context(profile, texts),
    )
    assert step.effects == ()


def test_cancel_at_the_declaration_keeps_only_the_language(profile, texts):
    ctx = context(profile, texts)
    step = help_review.cancel({"lang": "en", "help": {"form": {}}}, ctx)
    assert step.data == {"lang": "en"}
    assert texts("en", "help_cancelled") in replies(step)


def test_every_help_state_has_a_known_parent():
    ours = [s for s in STATES if s.split(":")[0] in ("help", "requests", "update", "privacy", "handoff")]
    assert len(ours) > 20
    assert all(STATES[s].parent in STATES for s in ours)


def test_the_form_asks_every_key_the_request_needs():
    assert set(help_review.FORM_KEYS) | {"started_at"} == {
        "beneficiary_type",
        "full_name",
        "national_id",
        "phone",
        "city",
        "residency",
        "household_size",
        "income_bracket",
        "category",
        "conditions",
        "description",
        "started_at",
    }


# ── my requests ─────────────────────────────────────────────────────────────────────────────────────────

MINE = (
    RequestView("H-7K3P9Q", "needs_info", "cash_aid", NOW, NOW + timedelta(days=14), "أرسل الفاتورة"),
    RequestView("H-000101", "submitted", "food", NOW, NOW + timedelta(days=14)),
)


@pytest.mark.parametrize("typed", ["H-7K3P9Q", "h-7k3p9q", " H 7K3P9Q ", "7K3P9Q", "٠٠٠١٠١"])
def test_own_references_are_found_however_typed(typed):
    assert my_requests.find(typed, MINE) is not None


@pytest.mark.parametrize("typed", ["H-999999", "H-7K3P9", "", "H-"])
def test_other_references_are_not_found(typed):
    assert my_requests.find(typed, MINE) is None


def test_a_foreign_reference_reveals_nothing(profile, texts):
    ctx = context(profile, texts, requests=MINE)
    step = router.step(Requests.LIST, {"lang": "ar"}, said("H-222222"), ctx)
    assert "لم نجد طلباً بهذا الرقم ضمن طلباتك" in replies(step) and "H-222222" not in replies(step)


def test_an_update_with_an_open_request_says_it_was_attached(profile, texts):
    ctx = context(profile, texts, requests=MINE, person=PersonView(household_size=3))
    step = run(
        ctx,
        "menu:main",
        {"lang": "en"},
        picked("menu:my_requests"),
        picked("requests:update"),
        picked("update:household_size"),
        said("٤"),
    )
    assert "H-7K3P9Q, H-000101" in replies(step)


# ── talking to a person ─────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("الباحث", "research_officer"),
        ("الباحثة الاجتماعية", "research_officer"),
        ("Research Officer", "research_officer"),
        ("موظف", "staff"),
        ("STAFF", "staff"),
    ],
)
def test_the_words_for_a_person(typed, reason, profile, texts):
    from conversations.normalize import normalize

    start = next(fn for words, fn in handoff.GLOBAL_WORDS.items() if normalize(typed) in words)
    step = start({"lang": "ar"}, context(profile, texts))
    assert step.state == Handoff.LIVE
    assert [e.reason for e in step.effects if isinstance(e, HandOffToStaff)] == [reason]


def test_only_the_first_message_of_a_live_chat_is_acknowledged(profile, texts):
    ctx = context(profile, texts)
    live = run(ctx, "menu:main", {"lang": "ar"}, picked("menu:talk_to_staff"))
    first = router.step(live.state, live.data, said("مرحبا"), ctx)
    second = router.step(first.state, first.data, Inbound("attachment", text="صورة"), ctx)
    assert replies(first) and second.effects == () and second.state == Handoff.LIVE
