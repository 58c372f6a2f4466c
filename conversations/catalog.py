"""The texts beneficiaries read, one catalog per language; a profile may override any of them."""

from __future__ import annotations

import string
import tomllib
from pathlib import Path

from conversations import languages
from conversations.languages import LOCALES, META, known

LANGUAGES = tuple(known())


def placeholders(text: str) -> set[str]:
    """The `{names}` a text expects."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class Catalog:
    """Look up a text by key in a language and fill its placeholders."""

    def __init__(self, texts: dict[str, dict[str, str]]):
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

    def languages(self) -> dict[str, dict[str, str]]:
        return self._texts

    def __call__(self, lang: str, key: str, **params: object) -> str:
        """The text, its numbers written in the language's own digits (৫, ५) where it reads them."""
        table = self._texts.get(lang) or self._texts["ar"]
        if not params:
            return table[key]
        digits = languages.get(lang).show_digits
        return table[key].format(**{k: digits(str(v)) if isinstance(v, int) else v for k, v in params.items()})


def _read(folder: Path) -> dict[str, str]:
    """Merge a language's files; a key defined in two files is a mistake."""
    merged: dict[str, str] = {}
    for path in sorted(p for p in folder.glob("*.toml") if p.name != META):
        table = tomllib.loads(path.read_text(encoding="utf-8"))
        twice = set(table) & set(merged)
        if twice:
            raise ValueError(f"{path}: keys already defined in another file: {', '.join(sorted(twice))}")
        merged |= table
    return merged
