"""Counts read right in every catalog: each message that counts something is a table of CLDR plural forms (babel's
rules), Arabic with its six and English with its two, and each form is the one the number asks for."""

from __future__ import annotations

import re

import pytest
from babel import Locale

from conversations import languages
from conversations.catalog import Catalog, placeholders
from handlers.admin.pages import TEXTS

BENEFICIARY = Catalog.load()
COUNTS = (0, 1, 2, 3, 11, 100)
COUNTED = {"count", "days", "minutes", "limit", "min", "max", "moved", "stayed", "imported", "refused"}
NOT_A_COUNT = {  # a counted-looking placeholder that is not followed by a noun it governs, with why
    "cmp_file_received": "an ordinal: «the file no. {count}»",
    "help_document_received": "an ordinal: «the document no. {count}»",
    "help_documents_count": "a label: «how many: {count}»",
    "fmt_hours": "{days} is the names of the working days",
    "digest_requests": "a label followed by the number",
    "digest_complaints": "a label followed by the number",
    "digest_low_ratings": "a label followed by the number",
    "imp_confirm": "the number in brackets after the button's words",
    "imp_summary": "labels followed by the numbers",
    "delivery_reason_count": "the number in brackets after a reason",
    "staff_disable_effect_sessions": "the number in brackets after «sessions»",
    "error_throttled": "a label followed by the number",
    "cond_age_range": "«from {min} to {max} years»: the noun follows the larger number, 5 and over",
    "seats": "«{taken} of {capacity} seats»",
    "aid_amount": "{max} is an amount already written out",
    "b_page_of": "labels followed by the numbers",
    "imp_done": "joins two counted phrases (imp_done_imported, imp_done_refused)",
    "audit_merge_detail": "joins two counted phrases (audit_merge_moved, audit_merge_stayed)",
}


def catalogs() -> list[tuple[str, Catalog]]:
    return [("beneficiary", BENEFICIARY), ("console", TEXTS)]


def tables(lang: str) -> list[tuple[str, Catalog, str, dict]]:
    return [(name, c, key, text) for name, c in catalogs() for key, text in c.languages().get(lang, {}).items()
            if isinstance(text, dict)]  # fmt: skip


def filled(catalog: Catalog, lang: str, key: str, n: int) -> str:
    """The message with every placeholder filled: `n` for the counted ones, a word for the rest."""
    names = placeholders(catalog.languages()[lang][key])
    return catalog(lang, key, **{p: n if p in COUNTED else "X" for p in names})


def test_every_message_with_a_count_is_a_plural_table_in_every_language():
    plain = [
        (name, lang, key)
        for name, c in catalogs()
        for lang, texts in c.languages().items()
        for key, text in texts.items()
        if isinstance(text, str) and placeholders(text) & COUNTED and key not in NOT_A_COUNT
    ]
    assert plain == []


@pytest.mark.parametrize("lang", ["ar", "en", "ur", "bn", "hi", "ne", "id", "tl"])
def test_each_plural_table_has_exactly_the_languages_cldr_forms(lang):
    expected = set(Locale.parse(languages.get(lang).locale).plural_form.tags) | {"other"}
    wrong = [(name, key, sorted(text)) for name, _, key, text in tables(lang) if set(text) != expected]
    assert wrong == []
    assert tables(lang) or lang not in ("ar", "en")


def test_arabic_ratings_read_as_arabic_counts_them():
    said = [TEXTS("ar", "r_answered", count=n) for n in COUNTS]
    digits = languages.get("ar").show_digits
    assert said == [f"{digits('0')} تقييم", "تقييم واحد", "تقييمان", f"{digits('3')} تقييمات",
                    f"{digits('11')} تقييماً", f"{digits('100')} تقييم"]  # fmt: skip
    assert [TEXTS("en", "r_answered", count=n) for n in COUNTS] == [
        "0 ratings",
        "1 rating",
        "2 ratings",
        "3 ratings",
        "11 ratings",
        "100 ratings",
    ]


def test_the_complaint_deadline_reads_right_for_each_number_of_days():
    def line(lang: str, n: int) -> str:
        text = BENEFICIARY(lang, "cmp_filed_complaint", reference="C-1", days=n, due="X")
        return next(part for part in text.splitlines() if "X" in part)

    assert [line("ar", n) for n in (1, 2, 3, 11, 100)] == [
        "سنرد عليك خلال يوم عمل واحد، أي قبل: X.", "سنرد عليك خلال يومَي عمل، أي قبل: X.",
        "سنرد عليك خلال 3 أيام عمل، أي قبل: X.", "سنرد عليك خلال 11 يومَ عمل، أي قبل: X.",
        "سنرد عليك خلال 100 يوم عمل، أي قبل: X.",
    ]  # fmt: skip
    assert "within 1 working day," in line("en", 1) and "within 5 working days," in line("en", 5)


@pytest.mark.parametrize("lang", ["ar", "en"])
@pytest.mark.parametrize("n", COUNTS)
def test_each_plural_message_takes_the_form_its_number_asks_for(lang, n):
    category = languages.get(lang).plural(n)
    for name, catalog, key, text in tables(lang):
        form = text.get(category, text["other"])
        message = filled(catalog, lang, key, n)
        names = placeholders(text)
        expected = form.format(
            **{p: languages.get(lang).show_digits(str(n)) if p in COUNTED else "X" for p in names}
        )
        assert message == expected, (name, key, n)
        shown = languages.get(lang).show_digits(str(n))
        if category in ("few", "many", "other"):  # none, one and two may be said in words
            assert re.search(rf"(?<!\d){shown}(?!\d)", message), (name, key, n, message)
