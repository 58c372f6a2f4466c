"""Numbers typed in any script's digits and names in any script are accepted wherever they are asked."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from conversations.help_rules import check_household, check_name
from conversations.national_id import check
from conversations.normalize import digits_to_ascii, normalize
from conversations.phones import to_e164
from conversations.programs_rules import check_age

ZEROS = {"arab": "٠", "arabext": "۰", "beng": "০", "deva": "०", "latn": "0"}
any_digits = st.sampled_from(sorted(ZEROS.values()))


def written(number: int | str, zero: str) -> str:
    return "".join(chr(ord(zero) + int(d)) for d in str(number))


@given(st.integers(min_value=0, max_value=10**12), any_digits)
def test_a_number_in_any_script_reads_as_its_value(number, zero):
    assert digits_to_ascii(written(number, zero)) == str(number)


@given(st.text(alphabet=st.characters(categories=["Nd"]), min_size=1, max_size=12))
def test_every_decimal_digit_of_every_script_becomes_0_to_9(text):
    assert digits_to_ascii(text) == "".join(str(unicodedata.decimal(ch)) for ch in text)


@given(st.text(alphabet=st.characters(categories=["L", "P", "Zs", "So"]), max_size=30))
def test_text_without_digits_is_unchanged(text):
    assert digits_to_ascii(text) == text


@given(st.integers(min_value=1, max_value=30), any_digits)
def test_a_household_size_in_any_digits(size, zero):
    assert check_household(written(size, zero)) == (size, None)


@given(st.integers(min_value=5, max_value=110), any_digits)
def test_an_age_in_any_digits(age, zero):
    assert check_age(written(age, zero))[0] == age


@given(any_digits)
def test_an_iqama_and_a_mobile_in_any_digits(zero):
    assert check(written("2123456788", zero)) == ("2123456788", None)
    assert to_e164(written("0501234567", zero)) == "+966501234567"


NAMES = [
    "محمد عبداللہ خان",  # Urdu, with its own letters
    "মোহাম্মদ আব্দুল করিম",  # Bengali, vowel signs
    "राम बहादुर थापा",  # Nepali
    "सुनीता कुमारी",  # Hindi
    "Siti Nur Aisyah",
    "Maria Santos Cruz",
    "Nguyễn Thị Hoa",
]


def test_names_in_any_script_are_accepted():
    for name in NAMES:
        assert check_name(name) == (name, None), name


def _letters(first: int, last: int):
    return st.characters(min_codepoint=first, max_codepoint=last).filter(
        lambda ch: unicodedata.category(ch) in ("Lo", "Mn", "Mc")
    )


INDIC_WORD = st.one_of(
    st.builds(lambda a, b: a + b, _letters(0x0995, 0x09B9), st.text(alphabet=_letters(0x0995, 0x09CC), min_size=2, max_size=8)),
    st.builds(lambda a, b: a + b, _letters(0x0915, 0x0939), st.text(alphabet=_letters(0x0915, 0x094C), min_size=2, max_size=8)),
)
WORD = st.one_of(INDIC_WORD, st.text(alphabet=st.sampled_from("ابتٹثجچحخدڈذرڑزژسشصضطظعغفقکگلمنںوہھءیے"), min_size=3, max_size=8))


@given(st.lists(WORD, min_size=2, max_size=4))
def test_two_or_more_words_of_bengali_devanagari_or_urdu_letters_are_a_name(words):
    name = " ".join(words)
    if len(name) <= 100:
        assert check_name(name) == (name, None)


@given(st.text(alphabet=st.characters(categories=["Nd"]), min_size=1, max_size=3), st.sampled_from(NAMES))
def test_a_name_with_digits_of_any_script_is_refused(digits, name):
    assert check_name(name + digits)[1] == "help_name_letters"


@given(st.lists(INDIC_WORD, min_size=1, max_size=4))
def test_words_of_indic_scripts_stay_whole_when_folded_for_matching(words):
    """Vowel signs and viramas are not \\w, yet part of the word: folding must not split «भाषा» into «भ ष»."""
    folded = normalize(" ".join(words) + "।")
    assert len(folded.split()) == len(words) and "।" not in folded


def test_the_faq_and_the_command_words_see_bengali_and_devanagari_words_whole():
    assert normalize("আমার সাহায্য দরকার।") == "আমার সাহায্য দরকার"
    assert normalize("भाषा") == "भाषा" and normalize("भषा") != normalize("भाषा")
