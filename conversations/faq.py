"""Matching a free-text question against the profile's FAQ, after Arabic normalisation, with fuzzy scores."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from conversations.profile import FaqEntry, Profile
from conversations.normalize import normalize

CONFIDENT = 82.0  # at or above, with a clear lead over the next entry: answer at once
MARGIN = 6.0  # the lead a confident answer needs over the runner-up
CLOSE = 60.0  # at or above: offer the best few as choices
OFFERED = 3

# Words that carry no meaning for matching; question words ("how", "when", «متى») are kept on purpose.
_FILLER = frozenset(
    "في من علي عن الي الى هل يا انا ابي ابغي ابغا اريد ودي حاب اعرف ابغي لو سمحت ممكن طيب السلام عليكم "
    "مرحبا هي هو please the a an is are am do does i to of for my me can could would you your hi hello "
    "want know tell".split()
)
# Gulf and Levantine question words folded to the standard ones the FAQ is written with.
_SYNONYMS = {"وش": "ما", "ايش": "ما", "شو": "ما", "ماهي": "ما", "وين": "اين", "ليش": "لماذا", "شلون": "كيف"}
_ARTICLE_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال")


def _stem(token: str) -> str:
    for prefix in _ARTICLE_PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= 3:
            return token[len(prefix) :]
    return token


def fold(text: str) -> str:
    """The form a question is compared in: normalised, fillers dropped, the article taken off."""
    tokens = [_stem(_SYNONYMS.get(t, t)) for t in normalize(text).split() if t not in _FILLER]
    return " ".join(tokens)


@dataclass(frozen=True)
class Match:
    entry: FaqEntry
    score: float


class FaqIndex:
    """The profile's questions, folded once; `search` ranks entries for a question."""

    def __init__(self, profile: Profile):
        self.entries = {e.id: e for e in profile.faq}
        self._variants: list[tuple[str, str]] = []
        for entry in profile.faq:
            for part in entry.parts():
                for question in part.questions:
                    folded = fold(question)
                    if folded:
                        self._variants.append((entry.id, folded))

    def search(self, question: str) -> list[Match]:
        """Entries by descending score (0-100), one row per entry."""
        query = fold(question)
        if not query:
            return []
        best: dict[str, float] = {}
        for entry_id, variant in self._variants:
            score = _score(query, variant)
            if score > best.get(entry_id, -1.0):
                best[entry_id] = score
        ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)
        return [Match(self.entries[i], s) for i, s in ranked]


def _score(query: str, variant: str) -> float:
    """Whole-string similarity, lifted by word overlap when the query is a fair part of the variant."""
    whole = fuzz.ratio(query, variant)
    words = fuzz.token_set_ratio(query, variant)
    # token_set_ratio scores 100 for any subset; weight it by how much of the variant the query covers.
    coverage = min(len(query), len(variant)) / max(len(query), len(variant))
    return max(whole, words * (0.75 + 0.25 * coverage))


def classify(matches: list[Match]) -> tuple[str, list[Match]]:
    """`answer` (one confident match), `offer` (close calls to choose from) or `none`."""
    if not matches or matches[0].score < CLOSE:
        return "none", []
    runner_up = matches[1].score if len(matches) > 1 else 0.0
    if matches[0].score >= CONFIDENT and matches[0].score - runner_up >= MARGIN:
        return "answer", matches[:1]
    return "offer", [m for m in matches[:OFFERED] if m.score >= CLOSE]
