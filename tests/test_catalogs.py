"""Every text exists in every language (each catalog folder) with the same placeholders; each catalog says how it
was translated; profiles may only override known texts."""

from __future__ import annotations

import pytest

from conversations.profile import load, shipped
from conversations import languages
from conversations.catalog import LANGUAGES, Catalog, placeholders

SHIPPED = ("ar", "en", "ur", "bn", "hi", "id", "tl", "ne")


def test_the_communities_languages_ship():
    assert set(SHIPPED) <= set(LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_the_arabic_keys_and_placeholders(lang):
    texts = Catalog.load().languages()
    ar, other = texts["ar"], texts[lang]
    assert sorted(other) == sorted(ar), f"only in ar: {set(ar) - set(other)}; only in {lang}: {set(other) - set(ar)}"
    mismatched = {k: (placeholders(ar[k]), placeholders(other[k])) for k in ar if placeholders(ar[k]) != placeholders(other[k])}
    assert mismatched == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_catalog_file_says_how_it_was_translated(lang):
    meta = languages.get(lang)
    assert meta.translation in ("original", "professional", "machine-assisted")
    if meta.translation == "machine-assisted":
        assert not meta.reviewed  # until a native speaker has read it
        for path in (languages.LOCALES / lang).glob("*.toml"):
            if path.name != languages.META:
                assert "machine-assisted" in path.read_text(encoding="utf-8").split("\n\n", 1)[0], path


def test_no_text_is_empty():
    for lang, table in Catalog.load().languages().items():
        forms = {(k, f): text for k, v in table.items() for f, text in (v.items() if isinstance(v, dict) else [("", v)])}
        assert [k for k, text in forms.items() if not text.strip()] == [], lang


@pytest.mark.parametrize("name", shipped())
def test_each_shipped_profile_overrides_only_known_texts(name):
    profile = load(name, demo=True)  # a template (users_policy) loads only with its placeholders
    catalog = Catalog.load(profile.texts)
    assert set(catalog.languages()) == set(LANGUAGES)


def test_an_override_with_wrong_placeholders_is_refused():
    with pytest.raises(ValueError, match="texts.ar.handoff_open: placeholders"):
        Catalog.load({"ar": {"handoff_open": "سنرد عليك قريباً"}})
    with pytest.raises(KeyError, match="no such text"):
        Catalog.load({"en": {"no_such_key": "x"}})
