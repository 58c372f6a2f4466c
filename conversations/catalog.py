"""The texts beneficiaries read, one catalog per language; a profile may override any of them. A text may be a
table of CLDR plural forms (`key = { one = "…", two = "…", few = "…", many = "…", other = "…" }`), chosen by the
`count` given (or the one number given) with the language's plural rules."""

from __future__ import annotations

import string
import tomllib
from pathlib import Path

from conversations import languages
from conversations.languages import LOCALES, META, known

LANGUAGES = tuple(known())
PLURAL_FORMS = frozenset({"zero", "one", "two", "few", "many", "other"})
Text = str | dict[str, str]


def placeholders(text: Text) -> set[str]:
    """The `{names}` a text expects (in any of its plural forms)."""
    forms = text.values() if isinstance(text, dict) else (text,)
    return {name for form in forms for _, name, _, _ in string.Formatter().parse(form) if name}


def _form(text: Text, lang: str, params: dict[str, object]) -> str:
    """The text, or the plural form its count asks for in `lang`."""
    if isinstance(text, str):
        return text
    count = params.get("count", next((v for v in params.values() if isinstance(v, int)), 0))
    return text.get(languages.get(lang).plural(int(count)), text["other"])


class Catalog:
    """Look up a text by key in a language and fill its placeholders."""

    def __init__(self, texts: dict[str, dict[str, Text]]):
        self._texts = texts

    @classmethod
    def load(cls, overrides: dict[str, dict[str, str]] | None = None) -> "Catalog":
        """Read the shipped catalogs (every `locales/<lang>/*.toml`, one file per area), then apply a
        profile's overrides (unknown keys are refused)."""
        texts = {lang: _read(LOCALES / lang) for lang in LANGUAGES}
        for lang, entries in (overrides or {}).items():
            for key, value in entries.items():
                if lang not in texts or key not in texts[lang]:
                    raise KeyError(f"texts.{lang}.{key}: no such text in the catalog")
                if placeholders(value) != placeholders(texts[lang][key]):
                    raise ValueError(
                        f"texts.{lang}.{key}: placeholders must be {sorted(placeholders(texts[lang][key]))}"
                    )
                texts[lang][key] = value
        return cls(texts)

    def languages(self) -> dict[str, dict[str, Text]]:
        return self._texts

    def has(self, lang: str, key: str) -> bool:
        return key in (self._texts.get(lang) or self._texts["ar"])

    def __call__(self, lang: str, key: str, **params: object) -> str:
        """The text, its numbers written in the language's own digits (৫, ५) where it reads them."""
        table = self._texts.get(lang) or self._texts["ar"]
        text = _form(table[key], lang, params)
        if not params:
            return text
        digits = languages.get(lang).show_digits
        return text.format(**{k: digits(str(v)) if isinstance(v, int) else v for k, v in params.items()})


def _read(folder: Path) -> dict[str, str]:
    """Merge a language's files; a key defined in two files is a mistake."""
    merged: dict[str, str] = {}
    for path in sorted(p for p in folder.glob("*.toml") if p.name != META):
        table = tomllib.loads(path.read_text(encoding="utf-8"))
        twice = set(table) & set(merged)
        if twice:
            raise ValueError(f"{path}: keys already defined in another file: {', '.join(sorted(twice))}")
        for key, value in table.items():
            if isinstance(value, dict) and ("other" not in value or set(value) - PLURAL_FORMS):
                raise ValueError(f"{path}: {key}: plural forms are {', '.join(sorted(PLURAL_FORMS))}, with other")
        merged |= table
    return merged
