"""Languages are data: a catalog folder with a meta file; profiles offer them; dates and plurals follow CLDR."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from conversations.profile import ProfileError, load
from conversations import languages, router
from conversations.catalog import Catalog
from conversations.dates import date_text
from conversations.effects import Reply, SetLanguage
from conversations.faq import FaqIndex
from conversations.types import Context, Inbound
from tests.conftest import FIXTURES


def test_each_catalog_folder_is_a_language_with_its_own_name_direction_and_digits():
    known = languages.known()
    assert list(known)[:2] == ["ar", "en"]
    assert (known["ar"].name, known["ar"].direction) == ("العربية", "rtl")
    assert (known["en"].name, known["en"].direction) == ("English", "ltr")
    assert set(Catalog.load().languages()) == set(known)


def test_a_profile_offering_a_language_that_has_no_catalog_is_refused(tmp_path):
    text = (FIXTURES / "profile.toml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('languages = ["ar", "en"]', 'languages = ["ar", "xx"]'), encoding="utf-8")
    with pytest.raises(ProfileError, match="languages.1: .*no catalog for language 'xx'"):
        load(str(bad))


def test_the_hijri_month_names_come_from_the_catalogs():
    texts = Catalog.load({"en": {"hijri_month_6": "Jumada II"}})
    assert date_text(texts, "en", date(2026, 11, 29)) == "Sunday, November 29, 2026 (19 Jumada II 1448 AH)"
    assert "19 جمادى الآخرة 1448 هـ" in date_text(texts, "ar", date(2026, 11, 29))


def test_plural_categories_come_from_cldr():
    assert [languages.get("ar").plural(n) for n in (0, 1, 2, 3, 11, 100)] == ["zero", "one", "two", "few", "many", "other"]
    assert [languages.get("en").plural(n) for n in (1, 2)] == ["one", "other"]


def test_a_text_with_plural_forms_reads_right_for_each_count():
    days = {"one": "يوم عمل واحد", "two": "يوما عمل", "few": "{days} أيام عمل", "many": "{days} يوم عمل", "other": "{days} يوم عمل"}
    texts = Catalog({"ar": {"k": days}, "en": {"k": {"one": "{days} working day", "other": "{days} working days"}}, "bn": {"k": {"other": "{days} কর্মদিবস"}}})
    assert [texts("ar", "k", days=n) for n in (1, 2, 3, 11)] == ["يوم عمل واحد", "يوما عمل", "3 أيام عمل", "11 يوم عمل"]
    assert [texts("en", "k", days=n) for n in (1, 5)] == ["1 working day", "5 working days"]
    assert texts("bn", "k", days=5) == "৫ কর্মদিবস"  # in Bengali digits


# ---------------------------------------------------------------- offered languages (a profile's list)

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)
OWN_SCRIPT = ["العربية", "English", "اردو", "বাংলা", "हिन्दी", "नेपाली", "Bahasa Indonesia", "Tagalog"]


def sha3af() -> Context:
    profile = load("sha3af")
    texts = Catalog.load(profile.texts)
    return Context(profile=profile, texts=texts, faq=FaqIndex(profile), now=NOW, channel="web", reference="H-000001")


def said(text: str) -> Inbound:
    return Inbound("text", text=text)


def choices(step) -> list[str]:
    return [c.label for e in step.effects if isinstance(e, Reply) for c in e.choices]


def test_sha3af_offers_every_shipped_language_and_the_others_arabic_and_english():
    assert load("sha3af").languages == ["ar", "en", "ur", "bn", "hi", "ne", "id", "tl"]
    for name in ("bukayriyah", "miras", "users_policy", "amn"):
        assert load(name, demo=name in ("users_policy", "amn")).languages == ["ar", "en"]


def test_the_language_menu_shows_each_offered_language_in_its_own_script():
    first = router.step("", {}, said("مرحبا"), sha3af())
    assert choices(first) == OWN_SCRIPT
    in_menu = router.step("menu:main", {"lang": "en"}, said("language"), sha3af())
    assert in_menu.state == "language:choose" and choices(in_menu) == OWN_SCRIPT


@pytest.mark.parametrize(
    "lang, word", [("ur", "زبان"), ("bn", "ভাষা"), ("hi", "भाषा"), ("ne", "भाषा"), ("id", "bahasa"), ("tl", "wika"), ("ar", "اللغة")]
)
def test_the_word_language_in_any_offered_language_opens_the_menu_anywhere(lang, word):
    for state in ("menu:main", "help:household", "complaints:menu"):
        step = router.step(state, {"lang": "ur", "help": {"form": {}}}, said(word), sha3af())
        assert step.state == "language:choose", (word, state)


def test_a_word_of_a_language_the_profile_does_not_offer_is_just_text(profile, texts):
    ctx = Context(profile=profile, texts=texts, faq=FaqIndex(profile), now=NOW, channel="web", reference="H-000001")
    assert router.step("menu:main", {"lang": "ar"}, said("ভাষা"), ctx).state != "language:choose"


def test_picking_a_language_is_remembered_and_answered_in_it():
    step = router.step("language:choose", {"lang": "ar"}, Inbound("choice", choice="lang:bn"), sha3af())
    assert SetLanguage("bn") in step.effects and step.data["lang"] == "bn"
    assert step.effects[1].text.startswith("বাংলা বেছে নেওয়া হয়েছে।")
    assert router.step("menu:main", step.data, said("মেনু"), sha3af()).data["lang"] == "bn"


ENGLISH_COMMAND = {"menu": "menu", "back": "back", "cancel": "cancel", "stop": "stop", "start": "start",
                   "staff": "staff", "thanks": "thanks"}  # fmt: skip


def test_every_shipped_language_has_words_for_each_command():
    for code, lang in languages.known().items():
        if code not in ("ar", "en"):
            assert set(lang.commands) == set(languages.COMMANDS)
            assert [c for c, words in lang.commands.items() if not words] == [], code


@pytest.mark.parametrize("code", [c for c in languages.known() if c not in ("ar", "en")])
def test_menu_back_cancel_stop_start_staff_and_thanks_work_typed_in_each_language(code):
    """Typed in the beneficiary's own language, each command does what its English word does."""
    for command, words in languages.get(code).commands.items():
        state = "menu:main" if command == "thanks" else "help:household"
        data = {"lang": code, "help": {"form": {"category": "food"}}}
        english = router.step(state, dict(data), said(ENGLISH_COMMAND[command]), sha3af())
        for word in words:
            step = router.step(state, dict(data), said(word), sha3af())
            assert step.state == english.state, (code, command, word)
            assert [type(e) for e in step.effects] == [type(e) for e in english.effects], (code, command, word)
            assert ("help" in step.data) == ("help" in english.data), (code, command, word)
