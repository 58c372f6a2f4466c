"""The languages the bot speaks, as data: each is a catalog folder `locales/<code>/` with a `meta.toml`
(its name in itself, direction, digits, CLDR locale, the words that open the language menu, how it was
translated). Adding a language is adding a folder; no code names one."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from babel import Locale

LOCALES = Path(__file__).resolve().parent / "locales"
META = "meta.toml"
COMMANDS = ("menu", "back", "cancel", "stop", "start", "staff", "thanks")  # `<command>_words` in a meta.toml
DIGITS = {  # a numbering system's zero; the other nine follow it in Unicode
    "latn": "0",
    "arab": "\u0660",
    "arabext": "\u06f0",
    "beng": "\u09e6",
    "deva": "\u0966",
}
GREETING_KINDS = ("salam", "hello", "morning", "evening")  # each answered by the text `greeting_back_<kind>`


@dataclass(frozen=True)
class Language:
    """One language's facts, from its `meta.toml`."""

    code: str
    name: str  # in itself: «اردو», «বাংলা»
    english_name: str
    direction: str  # rtl or ltr
    script: str  # ISO 15924
    digits: str  # a key of DIGITS
    locale: str  # CLDR, for babel
    fallback: str  # the language of profile values (city, category) that have no text in this one
    words: tuple[str, ...]  # typed anywhere, they open the language menu
    greetings: dict[str, tuple[str, ...]]  # by kind (salam, hello, morning, evening): typed, they are greeted back
    markers: tuple[str, ...]  # common words that tell it from another language of the same script
    letters: str  # letters only it, of the languages sharing its script, writes (Urdu's ے ں ٹ ڈ ڑ ھ ہ)
    translation: str  # original, professional or machine-assisted
    reviewed: bool  # by a native speaker
    # Words that, typed alone anywhere, mean one of COMMANDS (beside Arabic and English ones, see router.py).
    commands: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"

    def plural(self, count: int) -> str:
        """The CLDR plural category of `count` in this language (one, two, few, many, other, zero)."""
        return Locale.parse(self.locale).plural_form(count)

    def show_digits(self, text: str) -> str:
        """`text` with 0-9 written in this language's digits."""
        zero = ord(DIGITS[self.digits])
        return text if zero == ord("0") else text.translate({ord("0") + i: zero + i for i in range(10)})


def _read(folder: Path) -> Language:
    raw = tomllib.loads((folder / META).read_text(encoding="utf-8"))
    problems = []
    if raw.get("code") != folder.name:
        problems.append(f"code must be {folder.name!r}")
    if raw.get("direction") not in ("rtl", "ltr"):
        problems.append("direction must be rtl or ltr")
    if raw.get("digits") not in DIGITS:
        problems.append(f"digits must be one of {', '.join(DIGITS)}")
    unknown = set(raw.get("greetings", {})) - set(GREETING_KINDS)
    if unknown:
        problems.append(f"greetings are {', '.join(GREETING_KINDS)}, not {', '.join(sorted(unknown))}")
    if problems:
        raise ValueError(f"{folder / META}: {'; '.join(problems)}")
    Locale.parse(raw["locale"])  # an unknown CLDR locale fails here, at start-up
    return Language(
        code=raw["code"],
        name=raw["name"],
        english_name=raw["english_name"],
        direction=raw["direction"],
        script=raw["script"],
        digits=raw["digits"],
        locale=raw["locale"],
        fallback=raw.get("fallback", "en"),
        words=tuple(raw.get("words", ())),
        greetings={kind: tuple(words) for kind, words in raw.get("greetings", {}).items()},
        markers=tuple(raw.get("markers", ())),
        letters=raw.get("letters", ""),
        translation=raw["translation"],
        reviewed=bool(raw["reviewed"]),
        commands={c: tuple(raw.get(f"{c}_words", ())) for c in COMMANDS},
    )


@cache
def known() -> dict[str, Language]:
    """Every language with a catalog folder, by code; Arabic and English first, then by code."""
    found = {p.parent.name: _read(p.parent) for p in LOCALES.glob(f"*/{META}")}
    order = sorted(found, key=lambda c: (c not in ("ar", "en"), c != "ar", c))
    return {c: found[c] for c in order}


def get(code: str) -> Language:
    """A language by code; an unknown code is Arabic's facts (the association's own language)."""
    languages = known()
    return languages.get(code) or languages["ar"]
