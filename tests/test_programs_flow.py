"""The program flows' pure parts: the acceptance conditions as questions and checks, the typed answers, the
check-in code, and the events' guards, without the golden runner."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.lookups import UNLOADED, LazyContext
from conversations import router
from conversations.effects import CheckIn, RegisterForProgram, Reply, ScheduleTimer
from conversations.faq import FaqIndex
from conversations.flows import EVENTS
from conversations.programs_events import checkin
from conversations.programs_rules import (
    AGE_RANGE,
    check_age,
    check_note,
    first_unmet,
    known_answers,
    meets,
    next_question,
    questions,
)
from conversations.types import Context, Inbound, PersonView, ProgramView, RegistrationView

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
CONDITIONS = (
    {"key": "question", "ar": "هل أنت خريج؟", "en": "Are you a graduate?", "expect": "yes"},
    {"key": "residency", "value": ["citizen", "resident"]},
    {"key": "age_max", "value": 60},
    {"key": "city", "value": ["bukayriyah"]},
    {"key": "gender", "value": "f"},
    {"key": "age_min", "value": 18},
    {"key": "question", "ar": "هل تعمل حالياً؟", "en": "Are you employed now?", "expect": "no"},
)


def _program(**changes: object) -> ProgramView:
    fields: dict = dict(
        id=2,
        kind="registration",
        title_ar="دورة",
        title_en="Course",
        description_ar="",
        description_en="",
        starts_at=T0 + timedelta(days=10),
        ends_at=None,
        mode="in_person",
        place_ar="القاعة",
        place_en="The hall",
        link="",
        seats_left=3,
        registration_deadline=None,
    )
    return ProgramView(**{**fields, **changes})


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _ctx(profile, texts, programs=(), registrations=(), now=T0) -> Context:
    return Context(
        profile=profile,
        texts=texts,
        faq=FaqIndex(profile),
        now=now,
        channel="web",
        reference="H-000001",
        programs=tuple(programs),
        registrations=tuple(registrations),
    )


def test_questions_ask_age_once_then_the_fixed_order_then_each_question():
    assert questions(CONDITIONS) == ("age", "gender", "city", "residency", "question_0", "question_6")


def test_an_unknown_condition_is_neither_asked_nor_checked():
    unknown = ({"key": "interview", "value": True},)
    assert questions(unknown) == ()
    assert first_unmet(unknown, {}) is None


def test_all_answers_meeting_the_conditions_leave_nothing_to_ask_and_nothing_unmet():
    answers = {"age": 30, "gender": "f", "city": "bukayriyah", "residency": "resident"}
    answers |= {"question_0": "yes", "question_6": "no"}
    assert first_unmet(CONDITIONS, answers) is None
    assert next_question(CONDITIONS, answers) is None


@pytest.mark.parametrize(
    ("answer", "unmet"),
    [
        ({"age": 17}, "age_min"),
        ({"age": 61}, "age_max"),
        ({"gender": "m"}, "gender"),
        ({"city": "other"}, "city"),
        ({"residency": "other"}, "residency"),
        ({"question_0": "no"}, "question"),
        ({"question_6": "yes"}, "question"),
    ],
)
def test_each_condition_names_itself_when_not_met(answer, unmet):
    assert first_unmet(CONDITIONS, answer)["key"] == unmet


def test_a_known_failure_is_found_before_the_questions_still_unasked():
    assert first_unmet(CONDITIONS, {"city": "other"})["key"] == "city"
    assert next_question(CONDITIONS, {"city": "other"}) == "age"


@given(st.integers(min_value=AGE_RANGE[0], max_value=AGE_RANGE[1]), st.integers(0, 110), st.integers(0, 110))
def test_age_limits_are_inclusive(age, low, high):
    assert meets({"key": "age_min", "value": low}, age) == (age >= low)
    assert meets({"key": "age_max", "value": high}, age) == (age <= high)


def test_the_beneficiary_data_answers_only_what_is_needed():
    person = PersonView(city="bukayriyah", residency="citizen")
    assert known_answers(CONDITIONS, person) == {"city": "bukayriyah", "residency": "citizen"}
    assert known_answers(({"key": "age_min", "value": 18},), person) == {}
    assert known_answers(CONDITIONS, PersonView()) == {}


@given(st.integers(min_value=AGE_RANGE[0], max_value=AGE_RANGE[1]), st.booleans())
def test_an_age_in_any_digits_with_a_word_after_is_read(age, arabic):
    typed = str(age).translate(ARABIC_DIGITS) if arabic else str(age)
    assert check_age(typed) == (age, None)
    assert check_age(f"{typed} سنة") == (age, None)


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("كبير", "prog_age_number"),
        ("", "prog_age_number"),
        ("4", "prog_age_range"),
        ("٢٠٠", "prog_age_range"),
    ],
)
def test_a_wrong_age_gets_its_hint(typed, hint):
    assert check_age(typed) == (None, hint)


@given(st.text(min_size=0, max_size=600))
def test_a_note_is_kept_only_between_3_and_500_characters(typed):
    note, hint = check_note(typed)
    length = len(typed.strip())
    if hint is None:
        assert 3 <= len(note) <= 500
    else:
        assert note is None and (length < 3 or length > 500 or len(note or "") == 0)


def test_checkin_with_arabic_indic_digits_records_attendance(profile, texts):
    program = _program(checkin_code="AB-4821", starts_at=T0 + timedelta(hours=1))
    ctx = _ctx(profile, texts, [program], [RegistrationView(2, "accepted")])
    step = checkin(Inbound("text", text=" ab ٤٨٢١ "), "menu:main", {"lang": "ar"}, ctx)
    assert step is not None and step.state == "menu:main"
    assert step.effects[0] == CheckIn(2)
    assert "سُجِّل حضورك في «دورة»" in step.effects[1].text


@given(st.one_of(st.text(alphabet=st.characters(blacklist_categories=("Nd", "No", "Nl")), max_size=40),
                 st.integers(0, 999).map(str), st.integers(0, 999).map(lambda n: f"{n:03d}".translate(ARABIC_INDIC))))
def test_a_text_without_a_digit_or_of_three_characters_or_fewer_cannot_be_a_code_and_looks_no_sign_up_up(typed):
    """Codes are digits (the console makes six): a name, a city, a menu choice or a count typed into a form costs
    no lookup."""
    ctx = LazyContext(profile=None, texts=None, faq=None, now=T0, channel="web", reference="H-000001",
                      programs=UNLOADED, registrations=UNLOADED)
    assert checkin(Inbound("text", text=typed), "help:name", {"lang": "en"}, ctx) is None  # no NotLoaded


@pytest.mark.parametrize(
    ("typed", "status", "code"),
    [
        ("4822", "accepted", "4821"),
        ("4821", "pending", "4821"),
        ("4821", "accepted", ""),
        ("", "accepted", "4821"),
    ],
)
def test_a_wrong_code_or_a_registration_not_accepted_is_not_a_checkin(profile, texts, typed, status, code):
    ctx = _ctx(profile, texts, [_program(checkin_code=code)], [RegistrationView(2, status)])
    assert checkin(Inbound("text", text=typed), "menu:main", {"lang": "en"}, ctx) is None


def test_acceptance_schedules_the_reminder_only_while_it_is_ahead(profile, texts):
    accepted = EVENTS["program_accepted"]
    ahead = _ctx(profile, texts, [_program()], [RegistrationView(2, "accepted")])
    step = accepted(Inbound("event", choice="program_accepted:2"), "programs:kinds", {"lang": "en"}, ahead)
    assert step.state == "programs:kinds"
    assert step.effects[0] == ScheduleTimer("program_reminder:2", T0 + timedelta(days=9))
    soon_program = _program(starts_at=T0 + timedelta(hours=5))
    soon = _ctx(profile, texts, [soon_program], [RegistrationView(2, "accepted")])
    step = accepted(Inbound("event", choice="program_accepted:2"), "menu:main", {"lang": "en"}, soon)
    assert [type(e) for e in step.effects] == [Reply]


@pytest.mark.parametrize("status", ["pending", "cancelled", "rejected", "waitlisted"])
def test_the_reminder_is_sent_only_to_an_accepted_registration(profile, texts, status):
    ctx = _ctx(profile, texts, [_program()], [RegistrationView(2, status)])
    step = EVENTS["program_reminder"](Inbound("event", choice="program_reminder:2"), "menu:main", {}, ctx)
    assert step.effects == ()


def test_the_reminder_gives_the_code_when_the_host_has_it(profile, texts):
    ctx = _ctx(profile, texts, [_program(checkin_code="4821")], [RegistrationView(2, "accepted")])
    event = Inbound("event", choice="program_reminder:2")
    step = EVENTS["program_reminder"](event, "menu:main", {"lang": "en"}, ctx)
    assert "check-in code: 4821" in step.effects[0].text


def test_registration_is_refused_after_the_deadline(profile, texts):
    program = _program(registration_deadline=T0 - timedelta(hours=1))
    ctx = _ctx(profile, texts, [program])
    data = {"lang": "en", "program": {"kind": "registration", "id": 2, "view": "programs:details"}}
    data["choices"] = [["programs:register", "Register"]]
    step = router.step("programs:details", data, Inbound("choice", choice="programs:register"), ctx)
    assert step.state == "programs:details"
    assert "closed" in step.effects[0].text
    assert not any(isinstance(e, RegisterForProgram) for e in step.effects)
