"""Which of the offered languages a typed text is in, when that can be told: by its script first (Urdu's own
letters are not Arabic's; Bengali and Devanagari are scripts of their own), then by common words for two
languages sharing a script (Hindi and Nepali), then by a statistical detector for Latin-script text. None
means unsure: the bot then asks with the language menu rather than guess."""

from __future__ import annotations

import unicodedata

from conversations import languages, latin
from conversations.normalize import normalize, strip_invisible, word_set

_SCRIPT_OF_BLOCK = {  # the first word of a letter's Unicode name → ISO 15924
    "ARABIC": "Arab",
    "BENGALI": "Beng",
    "DEVANAGARI": "Deva",
    "ETHIOPIC": "Ethi",
    "SINHALA": "Sinh",
    "MALAYALAM": "Mlym",
    "TAMIL": "Taml",
    "LATIN": "Latn",
}


def script_of(text: str) -> str | None:
    """The script most of the text's letters are written in (ISO 15924), or None when it has no letters."""
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            script = _SCRIPT_OF_BLOCK.get(unicodedata.name(ch, "").split(" ", 1)[0])
            if script:
                counts[script] = counts.get(script, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else None


def _by_markers(text: str, candidates: list[str]) -> str | None:
    """Among languages of one script, the one whose common words the text holds most of (ties: None)."""
    words = set(normalize(text).split())
    scores = {code: len(words & word_set(*languages.get(code).markers)) for code in candidates}
    best = max(scores.values())
    winners = [code for code, score in scores.items() if score == best]
    return winners[0] if best > 0 and len(winners) == 1 else None


def language_of(text: str, offered: list[str]) -> str | None:
    """The offered language `text` is written in, or None when unsure."""
    text = strip_invisible(text)
    script = script_of(text)
    if script is None:
        return None
    candidates = [code for code in offered if languages.get(code).script == script]
    # A language's own letters (Urdu's ے ں ٹ…) prove it; their absence rules it out.
    own = [c for c in candidates if set(text) & set(languages.get(c).letters)]
    candidates = own or [c for c in candidates if not languages.get(c).letters]
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    if script == "Latn":
        return latin.detect(text, candidates)
    return _by_markers(text, candidates)
