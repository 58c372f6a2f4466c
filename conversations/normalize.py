"""Text normalisation, so that the ways people type the same word compare equal: Arabic letter forms, and the
digits of every script (Arabic-Indic, Urdu's, Bengali, Devanagari…) as 0-9."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_DIGIT = re.compile(r"\d")  # in a str pattern: every decimal digit of every script (Unicode Nd)
_LETTERS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "ئ": "ي",
        "ى": "ي",
        "ة": "ه",
        # Urdu's letter forms and the Arabic ones a keyboard may give instead: one form each, on both sides.
        "ی": "ي",
        "ے": "ي",
        "ۓ": "ي",
        "ک": "ك",
        "ہ": "ه",
        "ۂ": "ه",
        "ۃ": "ه",
        "ھ": "ه",
        "ء": None,
        "ـ": None,  # tatweel
    }
)
# Harakat, tanween, shadda, sukun, superscript alef and Quranic marks.
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
# Bidi controls, zero-width characters and the byte-order mark: invisible, but they break matching.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]")
# Punctuation and symbols; the vowel signs and viramas of the Indic scripts (U+0900–U+0DFF) are part of their
# words, though not \w, so they stay (only the danda । ॥ goes).
_PUNCT = re.compile(r"[^\w\s\u0900-\u0963\u0966-\u0dff]|_")
_SPACES = re.compile(r"\s+")


def digits_to_ascii(text: str) -> str:
    """The decimal digits of any script (٣, ۳, ৩, ३…) to 0-9; everything else unchanged."""
    if text.isascii():
        return text
    return _DIGIT.sub(lambda found: str(unicodedata.decimal(found.group())), text)


def strip_invisible(text: str) -> str:
    """Remove direction marks and zero-width characters."""
    return _INVISIBLE.sub("", text)


def normalize(text: str) -> str:
    """Fold a text for comparison: letter forms, diacritics, digits, case, punctuation and spacing."""
    text = unicodedata.normalize("NFKC", strip_invisible(text))
    text = _DIACRITICS.sub("", text).translate(_LETTERS)
    text = digits_to_ascii(text).casefold()
    text = _PUNCT.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def has_arabic(text: str) -> bool:
    """True when the text holds at least one Arabic letter."""
    return any("\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" for ch in text)


@lru_cache(maxsize=256)
def word_set(*words: str) -> frozenset[str]:
    """The normalised forms of command words, for matching what was typed (cached: asked on every input)."""
    return frozenset(normalize(w) for w in words)
