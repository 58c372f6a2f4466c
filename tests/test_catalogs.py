"""Every text exists in Arabic and English with the same placeholders; profiles may only override known texts."""

from __future__ import annotations

import pytest

from bot.profile import load, shipped
from conversations.catalog import LANGUAGES, Catalog, placeholders


def test_arabic_and_english_have_the_same_keys_and_placeholders():
    texts = Catalog.load().languages()
    ar, en = texts["ar"], texts["en"]
    assert sorted(ar) == sorted(en), f"only in ar: {set(ar) - set(en)}; only in en: {set(en) - set(ar)}"
    mismatched = {k: (placeholders(ar[k]), placeholders(en[k])) for k in ar if placeholders(ar[k]) != placeholders(en[k])}
    assert mismatched == {}


def test_no_text_is_empty():
    for lang, table in Catalog.load().languages().items():
        assert [k for k, v in table.items() if not v.strip()] == [], lang


@pytest.mark.parametrize("name", shipped())
def test_each_shipped_profile_overrides_only_known_texts(name):
    profile = load(name)
    catalog = Catalog.load(profile.texts)
    assert set(catalog.languages()) == set(LANGUAGES)


def test_an_override_with_wrong_placeholders_is_refused():
    with pytest.raises(ValueError, match="texts.ar.handoff_open: placeholders"):
        Catalog.load({"ar": {"handoff_open": "سنرد عليك قريباً"}})
    with pytest.raises(KeyError, match="no such text"):
        Catalog.load({"en": {"no_such_key": "x"}})
