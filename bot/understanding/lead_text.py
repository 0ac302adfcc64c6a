"""Lead-reply text made comparable: lowercase, plain quotes, contractions with their apostrophe,
chat shorthand spelled out, and a crude stemmer so that "deleted", "deleting" and "deletion" meet.
"""
from __future__ import annotations

import re

from bot.understanding.lexicon import CONTRACTIONS

# Shorthand seen in email replies; a smaller list than the agent channel's, because words like
# "re" and "w" mean something else at the top of an email.
_SHORTHAND = {
    "pls": "please", "plz": "please", "pleas": "please", "u": "you", "ur": "your", "thx": "thanks",
    "thnx": "thanks", "ty": "thanks", "tks": "thanks", "msg": "message", "msgs": "messages",
    "mtg": "meeting", "appt": "appointment", "tmrw": "tomorrow", "tmr": "tomorrow", "tomoz": "tomorrow",
    "2moro": "tomorrow", "abt": "about", "wanna": "want to", "gonna": "going to", "im": "i'm",
    "ive": "i've", "youre": "you're", "theyre": "they're", "unsub": "unsubscribe", "info": "information",
    "e-mail": "email", "e-mails": "emails", "ooo": "out of office",
}
_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """One line of lowercase text with the wording the cue lists expect."""
    t = text.strip().lower()
    for a, b in (("\u2019", "'"), ("\u2018", "'"), ("`", "'"), ("\u201c", '"'), ("\u201d", '"'),
                 ("\u2013", "-"), ("\u2014", "-")):
        t = t.replace(a, b)
    t = _SPACES.sub(" ", t)

    def word(m: re.Match[str]) -> str:
        w = m.group(0)
        return _SHORTHAND.get(w) or CONTRACTIONS.get(w, w)

    return _WORD.sub(word, t)


_SUFFIXES = ("ational", "ations", "ation", "ions", "ion", "ments", "ment", "ingly", "ings", "ing", "edly", "ied",
             "ies", "ed", "es", "ly", "al", "s")


def stem(word: str) -> str:
    """A crude stem: enough for a bag of words to meet its inflections, not a linguist's stem."""
    if len(word) <= 4 or not word.isalpha():
        return word
    for suf in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 3:
            base = word[: -len(suf)]
            if suf in ("ied", "ies"):
                return base + "y"
            if suf in ("ed", "ing", "ings") and len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]  # "stopped" -> "stop"
            if suf.startswith(("ation", "ion")):
                return base
            return base.rstrip("e") if len(base) > 4 else base
    return word.rstrip("e") if len(word) > 5 else word


_NEGATORS = frozenset(
    "not no never nor without don't doesn't didn't won't wouldn't isn't aren't wasn't weren't can't cannot "
    "couldn't shouldn't haven't hasn't hadn't nothing nobody".split()
)
_TOKENS = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[?!.,;:\n]")


def words(text: str) -> list[str]:
    """Tokens of normalised text; punctuation marks kept as tokens (they end a negation's reach)."""
    return _TOKENS.findall(text)


def features(text: str) -> list[str]:
    """The bag of features the lead-intent model reads: stems, stem pairs, negated stems (the
    three words after "not", "never", "don't" ... up to punctuation), and the question mark."""
    toks = words(normalise(text))
    out: list[str] = []
    prev = "^"
    neg = 0
    content = 0
    for tok in toks:
        if not tok[0].isalnum():
            neg = 0
            if tok == "?":
                out.append("?")
            prev = "|"
            continue
        s = stem(tok)
        content += 1
        out.append("u:" + s)
        out.append("b:" + prev + "_" + s)
        if neg:
            out.append("n:" + s)
            neg -= 1
        if tok in _NEGATORS:
            neg = 3
        prev = s
    out.append("b:" + prev + "_$")
    out.append("len:" + ("1" if content <= 2 else "2" if content <= 6 else "3" if content <= 20 else "4"))
    return out


def _top_level_branches(pattern: str) -> list[str]:
    out: list[str] = []
    depth, start, i, in_class = 0, 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]":
                i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    out.append(pattern[start:])
    return out


class AnyOf:
    """A long alternation of cues, compiled for speed.

    Python's ``re`` tries every top-level branch at every position, and each branch first checks
    its own ``\\b``; branches that open with ``\\b`` are joined under one shared ``\\b`` (checked
    once per position, failing inside words), the rest are searched on their own. A 2,000-character
    reply is checked several times faster.
    """

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        bounded, rest = [], []
        for b in _top_level_branches(pattern):
            (bounded if b.startswith("\\b") else rest).append(b)
        parts = [re.compile(r"\b(?:" + "|".join(b[2:] for b in bounded) + ")")] if bounded else []
        self.branches = tuple(parts + [re.compile(b) for b in rest])

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        """The earliest match of any branch."""
        best: re.Match[str] | None = None
        for r in self.branches:
            m = r.search(text, pos)
            if m is not None and (best is None or m.start() < best.start()):
                best = m
        return best

    def sub(self, repl: str, text: str) -> str:
        for r in self.branches:
            text = r.sub(repl, text)
        return text
