"""The shipped profiles: one per seed association, valid, and each FAQ finds its own answers."""

from __future__ import annotations

import pytest

from conversations.profile import DEFAULT_PROFILE, ProfileError, load, shipped
from conversations.faq import FaqIndex, classify

SEED_PROFILES = {"sha3af", "bukayriyah", "miras", "users_policy", "amn"}
TEMPLATES = {"users_policy", "amn"}  # the association fills in its name or area; until then only demo mode starts


def shipped_profile(name: str):
    return load(name, demo=name in TEMPLATES)


@pytest.mark.parametrize("name", shipped())
def test_every_profile_file_loads(name):
    """Each file in profiles/ loads (a template in demo mode), so a broken edit is caught before start-up."""
    profile = shipped_profile(name)
    assert profile.id == name


def test_one_profile_per_seed_association_and_a_default():
    assert set(shipped()) == SEED_PROFILES
    assert DEFAULT_PROFILE in SEED_PROFILES


@pytest.mark.parametrize("name", sorted(SEED_PROFILES))
def test_profile_is_complete_and_faithful_to_the_policy(name):
    profile = shipped_profile(name)
    assert profile.deadlines.decision_days == 14  # every policy: the committee answers within two weeks
    assert profile.deadlines.announce_open_working_days == 5
    assert profile.deadlines.announce_registration_working_days == 10
    assert profile.working_hours.days == ["sun", "mon", "tue", "wed", "thu"]
    assert profile.name.ar and profile.name.en and profile.service_area and profile.categories
    assert len(profile.faq) >= 8
    assert profile.policy_source.startswith(("000_", "001_", "002_", "003_", "004_"))


@pytest.mark.parametrize("name", sorted(SEED_PROFILES))
def test_every_faq_question_finds_its_own_entry(name):
    """Each way of asking that the profile lists is answered with its own entry, in every language it has."""
    profile = shipped_profile(name)
    index = FaqIndex(profile)
    wrong = []
    for entry in profile.faq:
        for part in entry.parts():
            for question in part.questions:
                verdict, matches = classify(index.search(question))
                if entry.id not in [m.entry.id for m in matches]:
                    wrong.append((entry.id, question, verdict, [m.entry.id for m in matches]))
    assert wrong == []


def test_errors_name_the_file_the_field_and_the_problem(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "x"\nname = { ar = "س" }\n', encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load(str(bad))
    message = str(caught.value)
    assert "bad.toml" in message and "name.en" in message and "service_area" in message


def test_a_typo_in_a_key_is_refused(tmp_path):
    from tests.conftest import FIXTURES

    text = (FIXTURES / "profile.toml").read_text(encoding="utf-8").replace("[deadlines]", "[deadlinez]")
    text += "\n[deadlinez]\ndecision_days = 14\n"
    typo = tmp_path / "typo.toml"
    typo.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError, match="deadlinez"):
        load(str(typo))


@pytest.mark.parametrize("name", ["bukayriyah", "miras", "users_policy"])
def test_need_categories_no_policy_names_are_marked_for_the_association_to_confirm(name):
    """Seeds 001-003 name no need categories: each one shipped is the association's to confirm."""
    categories = shipped_profile(name).categories
    assert [c.key for c in categories if not c.to_confirm] == ["other"]


def test_the_cash_aid_conditions_carry_the_seeds_own_lines():
    """Seed 000 §8 word for word (staff read it beside what the beneficiary chose)."""
    cash = next(c for c in load("sha3af").categories if c.key == "cash_aid")
    assert cash.seed_rule == "وفي حال ما كانت الخدمة المقدمة للمستفيد نقدية فيلزم عليه الشروط الآتية:"
    assert [c.seed for c in cash.conditions] == [
        "أن يكون من الدعاة أو المترجمين العاملين للدعوة إلى الله تعالى بالجمعية.",
        "أن يكون من الفقراء والمساكين الذين لا يحقق لهم دخلهم الكفاية ولمن يعولون.",
        "أن يكون متواجداً بمركز الشعف.",
        "أن يكون من المشاركين في برامج أو أنشطة الجمعية.",
        "أن يكون من العاملين المتميزين بالجمعية سواء كان موظفاً أو متطوعاً.",
    ]
