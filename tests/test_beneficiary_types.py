"""Eligibility by type of beneficiary (amn, seed 004): the help form asks the type first; families get the
household-and-income form, trainees and volunteers never do; each type hears the policy's checks for it;
a volunteer or an event attendee is told where to go instead; a profile with no types is unchanged."""

from __future__ import annotations

import pytest

from conversations.profile import ProfileError, load
from conversations.catalog import Catalog
from conversations.effects import SubmitHelpRequest
from tests.test_help_request import context, picked, replies, run, said

AMN = load("amn", demo=True)
TEXTS = Catalog.load(AMN.texts)
START = [picked("menu:help_request"), picked("help:agree")]
PERSON = [said("نورة محمد الحربي"), said("1012345672"), said("0501234567"), picked("help:city:demo_town"),
          picked("help:residency:citizen")]


def _through(*inputs, lang: str = "ar"):
    return run(context(AMN, TEXTS), "menu:main", {"lang": lang}, *START, *inputs)


def test_the_type_is_asked_first():
    step = _through()
    assert step.state == "help:type"
    assert [c.label for e in step.effects for c in getattr(e, "choices", ())][:2] == [
        t.name.ar for t in AMN.beneficiary_types[:2]
    ]


def test_a_family_gets_household_and_income_after_hearing_the_policys_checks():
    chosen = _through(picked("help:type:community"))
    assert chosen.state == "help:name"
    assert "التحقق من الحالة بالشراكة مع الجهات الرسمية أو الجمعيات ذات الصلة" in replies(chosen)
    asked = _through(picked("help:type:community"), *PERSON)
    assert asked.state == "help:household"


def test_a_trainee_never_gets_household_or_income_and_only_training_is_offered():
    step = _through(picked("help:type:trainee"), *PERSON)
    assert step.state == "help:category"
    labels = [c.label for e in step.effects for c in getattr(e, "choices", ())]
    assert labels == ["برامج تدريبية وتأهيلية"]
    assert "مطابقة المؤهل الأكاديمي والخبرات لمتطلبات البرنامج" in replies(
        _through(picked("help:type:trainee"))
    )
    filed = _through(
        picked("help:type:trainee"), *PERSON, picked("help:category:training"),
        said("أرغب في دورة إدارة الأزمات ولدي بكالوريوس في السلامة"), picked("help:docs_done"),
        picked("help:confirm"), picked("help:declare"),
    )
    submitted = [e for e in filed.effects if isinstance(e, SubmitHelpRequest)]
    assert submitted, replies(filed)
    form = submitted[0].form
    assert form["beneficiary_type"] == "trainee"
    assert "household_size" not in form and "income_bracket" not in form


def test_the_summary_of_a_trainee_shows_the_type_and_no_household_or_income():
    summary = _through(
        picked("help:type:trainee"), *PERSON, picked("help:category:training"),
        said("أرغب في دورة إدارة الأزمات ولدي بكالوريوس في السلامة"), picked("help:docs_done"), lang="en",
    )
    said_ = replies(summary)
    assert summary.state == "help:summary"
    assert "Type of beneficiary: Applicant to a training or qualification program" in said_
    assert "household" not in said_.lower() and "income" not in said_.lower()


@pytest.mark.parametrize("kind, where", [("volunteer", "المنصة الوطنية للعمل التطوعي"), ("event_attendee", "البرامج والفعاليات")])
def test_a_volunteer_or_an_attendee_gets_no_form_but_the_checks_and_where_to_go(kind, where):
    step = _through(picked(f"help:type:{kind}"))
    assert step.state == "help:ended" and "help" not in step.data
    assert where in replies(step)
    assert not any(isinstance(e, SubmitHelpRequest) for e in step.effects)


def test_a_type_without_a_form_must_say_where_to_go(tmp_path):
    text = (load.__globals__["PROFILES_DIR"] / "amn.toml").read_text(encoding="utf-8")
    start = text.index('note = { ar = "التطوع')
    broken = tmp_path / "broken.toml"
    broken.write_text(text[:start] + text[text.index("\n", start) + 1 :], encoding="utf-8")
    with pytest.raises(ProfileError, match="a type without a form needs a note"):
        load(str(broken), demo=True)


def test_a_profile_without_types_asks_the_name_first(profile, texts):
    step = run(context(profile, texts), "menu:main", {"lang": "ar"}, *START)
    assert step.state == "help:name"
