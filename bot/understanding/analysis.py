"""One message as a stream of normalised tokens, lead mentions collapsed to ``@lead``.

Rules match regular expressions against the normalised text of a stretch of tokens, and every
token keeps its character offsets into the cleaned message, so spans come back exact.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from spacy.tokens import Doc

from bot.understanding.gazetteer import Gazetteer, Mention, token_norm
from bot.understanding.lexicon import MONTHS, WORD_NAMES
from bot.understanding.spelling import Speller
from bot.understanding.text import fold

_CLITICS = frozenset({"'s", "'m", "'re", "'ve", "'ll", "'d", "n't"})
_KEPT_SYMBOLS = frozenset(":'-@/&()#$%+*=<>\"~^_[]{}\\`")
BOUNDARY_WORDS = frozenset({"and", "then", "also", "plus", "but", "so", "+", "&", "|", ";", ".", "!", "?", ",", "\n", "then,"})
STRONG_BOUNDARIES = frozenset({".", "!", "?", ";", "\n"})
# A lowercase word-name ("will", "mark") is still a name right before one of these.
_NAME_FOLLOWERS = frozenset("is 's was has had wants said signed bought called rang phoned emailed : - , agreed came".split())
_NAME_PRECEDERS = frozenset(
    "with w/ to for about call called email emailed meet met phone phoned ring rang text texted send sent tell told ask "
    "asked show showed remind ping chase mark move set update give gave see saw put moved marked updated pinged "
    "chased reminded visited toured".split()
)


@dataclass
class NTok:
    norm: str
    start: int  # character offsets in the cleaned text
    end: int
    mention: int | None = None  # index into Analysis.mentions
    space_before: bool = True
    cap: bool = False


@dataclass
class Analysis:
    text: str  # cleaned text
    toks: list[NTok] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)

    def norm_text(self, i: int = 0, j: int | None = None) -> str:
        out: list[str] = []
        for t in self.toks[i:j]:
            # Contractions go back together ("is n't" -> "isn't", "i 'm" -> "i'm"), not after a name.
            if out and not t.space_before and t.norm in _CLITICS and out[-1] != "@lead":
                out[-1] += t.norm
            elif out and not t.space_before and (t.norm == "-" or out[-1].endswith("-")) and out[-1] not in ("@lead", "-") and t.norm != "@lead":
                out[-1] += t.norm  # "face-to-face", "closed-won", "2-bed" stay one word
            else:
                out.append(t.norm)
        return " ".join(out)

    def span(self, i: int, j: int) -> tuple[int, int]:
        if i >= j:
            return (0, 0)
        return (self.toks[i].start, self.toks[j - 1].end)

    def chunks(self) -> list[tuple[int, int]]:
        """Token ranges between clause boundaries ("," "and" "then" "." " - " ...)."""
        out: list[tuple[int, int]] = []
        start = 0
        for i, t in enumerate(self.toks):
            if self._is_boundary(i):
                if i > start:
                    out.append((start, i))
                start = i + 1
        if start < len(self.toks):
            out.append((start, len(self.toks)))
        return out

    def _is_boundary(self, i: int) -> bool:
        t = self.toks[i]
        if t.mention is not None:
            return False
        if t.norm in BOUNDARY_WORDS:
            return True
        if not any(c.isalnum() for c in t.norm) and not set(t.norm) <= _KEPT_SYMBOLS:
            return True  # emoji and the like end a clause
        if t.norm in ("-", "--", "/") and t.space_before and (i + 1 < len(self.toks) and self.toks[i + 1].space_before):
            return True
        return False

    def ends_with_question(self, i: int, j: int) -> bool:
        k = j
        while k < len(self.toks) and self.toks[k].norm in ("?", "!", ".", ")"):
            if self.toks[k].norm == "?":
                return True
            k += 1
        return any(t.norm == "?" for t in self.toks[i:j])


def analyse(text: str, *, nlp, gazetteer: Gazetteer | None, speller: Speller) -> Analysis:
    folded = fold(text).replace("->", "to").replace("=>", "to")
    doc: Doc = nlp.make_doc(folded)
    for t in doc:
        t.norm_ = token_norm(t.text)
    mentions = _keep_names(doc, text, gazetteer.find(doc)) if gazetteer else []
    in_mention = {}
    for k, m in enumerate(mentions):
        for i in range(m.start, m.end):
            in_mention[i] = k
    toks: list[NTok] = []
    extra: list[Mention] = []
    prev_space = True
    k_seen: set[int] = set()
    for t in doc:
        space_before = prev_space
        prev_space = bool(t.whitespace_)
        if t.is_space and "\n" not in t.text:
            continue
        k = in_mention.get(t.i)
        cap = text[t.idx : t.idx + 1].isupper()
        if k is not None:
            m = mentions[k]
            if k in k_seen:
                toks[-1].end = doc[m.end - 1].idx + len(doc[m.end - 1].text)
                continue
            k_seen.add(k)
            toks.append(NTok("@lead", t.idx, t.idx + len(t.text), k, space_before, cap))
            continue
        norm = "\n" if t.is_space else t.norm_
        if norm == ">" or norm == "~":
            norm = "to"
        corrected = speller.correct(norm)
        if gazetteer and corrected == norm and norm.isalpha() and len(norm) >= 4 and not speller.is_word(norm):
            key = gazetteer.fuzzy(norm)
            if key is not None:
                extra.append(Mention(t.i, t.i + 1, key, fuzzy=True))
                toks.append(NTok("@lead", t.idx, t.idx + len(t.text), -len(extra), space_before, cap))
                continue
        for n, piece in enumerate(corrected.split(" ")):
            toks.append(NTok(piece, t.idx, t.idx + len(t.text), None, space_before if n == 0 else True, cap))
    # Fuzzy mentions were numbered -1, -2, ...: give them real indices after the exact ones.
    if extra:
        base = len(mentions)
        mentions = mentions + extra
        for tk in toks:
            if tk.mention is not None and tk.mention < 0:
                tk.mention = base + (-tk.mention - 1)
    if gazetteer and len(mentions) > 1:
        toks, mentions = _join_names(toks, mentions, gazetteer)
    return Analysis(text=text, toks=toks, mentions=mentions)


def _join_names(toks: list[NTok], mentions: list[Mention], gazetteer: Gazetteer) -> tuple[list[NTok], list[Mention]]:
    """A first name and a (maybe misspelt) surname found apart are one lead when only one fits both."""
    out: list[NTok] = []
    for tk in toks:
        prev = out[-1] if out else None
        if prev is not None and prev.mention is not None and tk.mention is not None and prev.mention != tk.mention:
            m1, m2 = mentions[prev.mention], mentions[tk.mention]
            key = gazetteer.joined(m1.key, m2.key)
            if key is not None:
                mentions.append(Mention(m1.start, m2.end, key, fuzzy=m1.fuzzy or m2.fuzzy))
                prev.mention = len(mentions) - 1
                prev.end = tk.end
                continue
        out.append(tk)
    return out, mentions


def _keep_names(doc: Doc, text: str, mentions: list[Mention]) -> list[Mention]:
    """Drop one-word mentions that are really the everyday word ("mark as won", "in April")."""
    kept: list[Mention] = []
    for m in mentions:
        if m.end - m.start == 1:
            tok = doc[m.start]
            word = tok.norm_
            if word in WORD_NAMES or word in MONTHS:
                # Named once, a name throughout; and "Daniel and grace" lists two people.
                named_before = any(k.key == m.key for k in kept)
                listed = bool(kept) and _listed_after(doc, kept[-1], m.start)
                if not (named_before or listed or _reads_as_name(doc, text, m.start, word)):
                    continue
        kept.append(m)
    return kept


def _listed_after(doc: Doc, prev: Mention, i: int) -> bool:
    """Whether token ``i`` follows the mention ``prev`` across a bare "and", "&" or comma."""
    between = [doc[k].norm_ for k in range(prev.end, i)]
    return len(between) == 1 and between[0] in ("and", "&", ",", "or")


def _reads_as_name(doc: Doc, text: str, i: int, word: str) -> bool:
    tok = doc[i]
    nxt = doc[i + 1].norm_ if i + 1 < len(doc) else ""
    prv = doc[i - 1].norm_ if i > 0 else ""
    if word in MONTHS and (re.fullmatch(r"\d{1,2}(st|nd|rd|th)?", nxt) or prv in ("in", "on", "of", "since", "until", "till", "early", "late", "mid", "by")):
        return False
    capital = text[tok.idx : tok.idx + 1].isupper()
    clause_start = i == 0 or prv in (".", "!", "?", "\n", ";", ",", "-", "and", "then", ":")
    if capital and not clause_start:
        return True
    if nxt in _NAME_FOLLOWERS:
        return True
    if prv in _NAME_PRECEDERS:
        return True
    if capital and clause_start and word not in ("mark", "will", "may", "call", "chase", "bill", "rob", "pat", "sue", "hope", "grant", "frank", "drew", "max", "ray", "jack", "case", "price", "new"):
        return True
    return False
