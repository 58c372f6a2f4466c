"""Languages are data: a catalog folder with a meta file; profiles offer them; dates and plurals follow CLDR."""

from __future__ import annotations

from datetime import date

import pytest

from bot.profile import ProfileError, load
from conversations import languages
from conversations.catalog import Catalog
from conversations.dates import date_text
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
