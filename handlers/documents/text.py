"""Small text helpers shared by splitting, retrieval and answers: sentences, words, terms."""
from __future__ import annotations

import re
from functools import lru_cache

_ABBREVIATIONS = {"e.g.", "i.e.", "etc.", "approx.", "no.", "nos.", "st.", "dr.", "mr.", "mrs.", "ms.",
                  "sq.", "ft.", "vs.", "incl.", "excl.", "min.", "max.", "p.a.", "a.m.", "p.m.", "ca."}
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9£$€])")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’&.-]*")
_TERM = re.compile(r"[a-z0-9]+")

STOPWORDS = frozenset("""
a about above after again against all am an and any are aren't as at be because been before being
below between both but by can could did do does doing don't down during each few for from further
had has have having he her here hers herself him himself his how i if in into is isn't it its
itself just let's me more most my myself no nor not now of off on once only or other ought our ours
ourselves out over own same she should so some such than that that's the their theirs them
themselves then there these they this those through to too under until up very was we were what
what's when where which while who whom why will with would you your yours yourself yourselves
tell say says said know please much many get got give gives go us also any there's whats
""".split())


def sentences(text: str) -> list[str]:
    """Sentences and lines: a newline always ends one (list items and table rows stand alone)."""
    out: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        start = 0
        for match in _BOUNDARY.finditer(line):
            candidate = line[start:match.start()].strip()
            last = candidate.rsplit(" ", 1)[-1].lower()
            if last in _ABBREVIATIONS or re.fullmatch(r"[a-z]\.", last):
                continue
            if candidate:
                out.append(candidate)
            start = match.end()
        tail = line[start:].strip()
        if tail:
            out.append(tail)
    return out


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def terms(text: str) -> list[str]:
    """Lower-case content terms with a light plural/possessive folding, for keyword matching."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"'s\b", "", text)
    return [stem(t) for t in _TERM.findall(text) if t not in STOPWORDS]


@lru_cache(maxsize=100_000)  # the vocabulary is small; stemming every token of 10k passages is not
def stem(term: str) -> str:
    """Fold common English inflections so 'pools'/'pool' and 'parking'/'park' meet."""
    if term.isdigit() or len(term) <= 3:
        return term
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("s", "")):
        if term.endswith(suffix) and len(term) - len(suffix) >= 3 and not term.endswith(("ss", "us", "is")):
            return term[: -len(suffix)] + repl
    return term
