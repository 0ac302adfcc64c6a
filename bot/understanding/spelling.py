"""Typo correction into the rule vocabulary, never out of English.

A token is corrected only when it is not a known English word (pyspellchecker's frequency list)
and sits within one edit (two for long words) of a word the rules look for.
"""
from __future__ import annotations

from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.understanding.lexicon import CONTRACTIONS, MONTHS, SHORTHAND, VOCABULARY, WEEKDAYS

KNOWN_MIN_FREQUENCY = 120  # rarer entries of the list are mostly misspellings themselves


@lru_cache(maxsize=1)
def _english():
    from spellchecker import SpellChecker

    return SpellChecker(language="en", distance=1).word_frequency


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[str, ...]:
    words = set(VOCABULARY) | {w for w in MONTHS if len(w) > 3} | {w for w in WEEKDAYS if len(w) > 3}
    return tuple(sorted(words))


class Speller:
    def __init__(self) -> None:
        self._freq = _english()
        self._vocab = _vocabulary()
        self._vocab_set = frozenset(self._vocab)
        self._cache: dict[str, str] = {}

    def is_word(self, token: str) -> bool:
        return token in self._vocab_set or self._freq[token] >= KNOWN_MIN_FREQUENCY

    def correct(self, token: str) -> str:
        """The rule word ``token`` was meant to be, or ``token`` itself."""
        hit = self._cache.get(token)
        if hit is not None:
            return hit
        out = SHORTHAND.get(token) or CONTRACTIONS.get(token, token)
        if out == token and len(token) >= 4 and token.isalpha() and not self.is_word(token):
            limit = 2 if len(token) >= 7 else 1
            hits = process.extract(token, self._vocab, scorer=OSA.distance, score_cutoff=limit, limit=8)
            if hits:
                least = min(h[1] for h in hits)
                # Equally close: the word that ends and starts as typed ("calld" is "called", not "call").
                out = min((h for h in hits if h[1] == least),
                          key=lambda h: (h[0][-1] != token[-1], h[0][0] != token[0], abs(len(h[0]) - len(token)), h[2]))[0]
        if len(self._cache) < 50_000:
            self._cache[token] = out
        return out
