"""One message as a stream of normalised tokens, lead mentions collapsed to ``@lead``.

Rules match regular expressions against the normalised text of a stretch of tokens, and every
token keeps its character offsets into the cleaned message, so spans come back exact.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from spacy.tokens import Doc

from bot.understanding.gazetteer import Gazetteer, Mention, token_norm
from bot.understanding.lexicon import MONTHS, SHORTHAND, WORD_NAMES
from bot.understanding.spelling import Speller
from bot.understanding.text import fold

_CLITICS = frozenset({"'s", "'m", "'re", "'ve", "'ll", "'d", "n't"})
_KEPT_SYMBOLS = frozenset(":'-@/&()#$%+*=<>\"~^_[]{}\\`")
BOUNDARY_WORDS = frozenset({"and", "then", "also", "plus", "but", "so", "+", "&", "|", ";", ".", "!", "?", ",", "\n", "then,"})
STRONG_BOUNDARIES = frozenset({".", "!", "?", ";", "\n"})
_REQUEST_VERBS = frozenset(
    "move mark set change update put switch log record add note remind schedule book arrange ping nudge "
    "follow show pull open".split()
)
_POLITE_WORDS = frozenset(
    "hey hi ok okay so right can could would will you u please pls kindly i need want to go ahead and now just "
    "also quickly then".split()
)
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
        """Token ranges between clause boundaries ("," "and" "then" "." " - " ...); a request that
        starts in the middle of a run-on sentence ("... he's keen can you move him to won") starts
        a clause too."""
        out: list[tuple[int, int]] = []
        start = 0
        for i, t in enumerate(self.toks):
            if self._is_boundary(i):
                if i > start:
                    out.append((start, i))
                start = i + 1
            elif i > start + 1 and self._request_starts(start, i):
                out.append((start, i))
                start = i
        if start < len(self.toks):
            out.append((start, len(self.toks)))
        return out

    def _request_starts(self, start: int, i: int) -> bool:
        """Whether a request to the bot begins at token ``i``, inside a clause that began at ``start``
        with something else than politeness."""
        words = [t.norm for t in self.toks[i : i + 4]] + ["", "", "", ""]
        w0, w1, w2, w3 = words[:4]
        if w0 in ("can", "could", "would") and w1 in ("you", "u"):
            hit = w2 in _REQUEST_VERBS or (w2 in ("please", "pls") and w3 in _REQUEST_VERBS)
        elif w0 in ("please", "pls", "kindly"):
            hit = w1 in _REQUEST_VERBS
        elif w0 == "remind" and w1 == "me":
            hit = True
        elif w0 in ("move", "mark", "set", "put", "change", "switch", "update", "bump"):
            hit = w1 in ("@lead", "him", "her", "them") and w2 in ("to", "as", "into", "in")
        else:
            hit = False
        if not hit:
            return False
        return any(t.norm not in _POLITE_WORDS for t in self.toks[start:i])

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
        # A numbered list: "1) call Rose 2) email Hope".
        if t.norm == ")" and i > 0 and self.toks[i - 1].norm.isdigit() and not t.space_before:
            return True
        if t.norm.isdigit() and len(t.norm) <= 2 and i + 1 < len(self.toks) and self.toks[i + 1].norm == ")" and not self.toks[i + 1].space_before:
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
    doc = _join_slashed(doc)
    for t in doc:
        t.norm_ = token_norm(t.text)
    mentions = _keep_names(doc, text, gazetteer.find(doc, text), speller) if gazetteer else []
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


def _join_slashed(doc: Doc) -> Doc:
    """Shorthand written with a slash and split by the tokenizer ("f/u", "w/o") as one token."""
    if "/" not in doc.text:
        return doc
    spans = [
        (i, i + 3) for i in range(len(doc) - 2)
        if doc[i + 1].text == "/" and not doc[i].whitespace_ and not doc[i + 1].whitespace_
        and len(doc[i].text) == 1 and doc[i].text.isalpha() and doc[i + 2].text.isalpha() and len(doc[i + 2].text) <= 2
    ]
    if not spans:
        return doc
    with doc.retokenize() as retok:
        last = -1
        for a, b in spans:
            if a > last:
                retok.merge(doc[a:b])
                last = b - 1
    return doc


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


def _keep_names(doc: Doc, text: str, mentions: list[Mention], speller: Speller | None = None) -> list[Mention]:
    """Drop one-word mentions that are really the everyday word ("mark as won", "in April")."""
    kept: list[Mention] = []
    dropped: list[Mention] = []
    for m in mentions:
        if m.end - m.start == 1:
            tok = doc[m.start]
            word = tok.norm_
            if word in WORD_NAMES or word in MONTHS:
                # Named once, a name throughout; and "Daniel and grace" lists two people.
                named_before = any(k.key == m.key for k in kept)
                listed = bool(kept) and _listed_after(doc, kept[-1], m.start)
                if not (named_before or listed or _reads_as_name(doc, text, m.start, word, speller)):
                    dropped.append(m)
                    continue
        kept.append(m)
    if dropped and kept:
        # "rose and Hope both viewed it": a word listed right before a name is one too.
        for m in reversed(dropped):
            if doc[m.start].norm_ in MONTHS and doc[m.start].norm_ not in WORD_NAMES:
                continue
            after = next((k for k in kept if k.start > m.start), None)
            if after is not None and _listed_after(doc, m, after.start):
                kept.append(m)
                kept.sort(key=lambda k: k.start)
    return kept


def _listed_after(doc: Doc, prev: Mention, i: int) -> bool:
    """Whether token ``i`` follows the mention ``prev`` across a bare "and", "&" or comma."""
    between = [doc[k].norm_ for k in range(prev.end, i)]
    return len(between) == 1 and between[0] in ("and", "&", ",", "or")


# Words that are also verbs of the request itself ("mark as won", "will call"): what follows them
# says less about a name.
_VERB_WORDS = frozenset("mark will may can call chase bill case price new set".split())
_MODAL_WORDS = frozenset("will may can".split())
_STATUS_WORDS = frozenset("won lost qualified negotiating negotiation negotiations contacted dead cold signed closed".split())
_AFTER_NAME = frozenset(
    "is are was were has had have wants wanted said says signed bought called calls rang rings phoned emailed "
    "agreed came comes also just finally still already now never will would 'll can could should "
    "might must didn't doesn't isn't wasn't hasn't hadn't won't can't couldn't wouldn't needs needed asked likes "
    "liked loves loved prefers preferred thinks thought seems seemed sounds looks looked went got gets took saw "
    "met paid sent left gave told replied responded texted messaged visited viewed toured cancelled canceled "
    "confirmed accepted declined dropped decided pulled backed walked moved showed spoke talked chatted "
    "turned popped stopped mentioned wrote"
    .split()
)
_CONTACT_NOUNS = frozenset("call meeting mtg viewing visit deal file profile details status budget notes fu follow-up followup reminder".split())
_NAME_PRECEDERS_MORE = frozenset(
    "bump bumped tried try hosted host walked walk took take brought bring meet invite invited dm dm'd dmed "
    "pinged whatsapp whatsapped messaged message contact contacted thank thanked brief briefed nudge nudged "
    "upgrade upgraded downgrade downgraded promote promoted demote demoted close closed flag flagged tag tagged "
    "log logged note book booked schedule arrange pull open find get check drop dropped re regarding of from "
    "cc mail mailed reach reached shot fired let inform informed".split()
)


def _neighbour(doc: Doc, i: int, step: int, speller: Speller | None = None) -> tuple[str, int]:
    """The word next to token ``i`` (``step`` +1 or -1) past emoji, shorthand written out and
    typos corrected, and where it is."""
    k = i + step
    while 0 <= k < len(doc):
        w = doc[k].norm_
        if any(c.isalnum() for c in w) or w in (".", "!", "?", ";", ",", "-", ":", "&", "'s"):
            return (speller.correct(w) if speller is not None else SHORTHAND.get(w, w)), k
        if doc[k].is_space and "\n" in doc[k].text:
            return "\n", k
        k += step
    return "", k


def _reads_as_name(doc: Doc, text: str, i: int, word: str, speller: Speller | None = None) -> bool:
    tok = doc[i]
    nxt, nxt_at = _neighbour(doc, i, 1, speller)
    prv, prv_at = _neighbour(doc, i, -1, speller)
    prv2 = _neighbour(doc, prv_at, -1, speller)[0] if prv else ""
    if word in MONTHS and (prv in ("in", "on", "of", "since", "until", "till", "early", "late", "mid", "by") or (
        re.fullmatch(r"\d{1,2}(st|nd|rd|th)?", nxt) and _neighbour(doc, nxt_at, 1)[0] not in ("am", "pm", "a.m.", "p.m.", ":", "h")
    )):
        return False
    capital = text[tok.idx : tok.idx + 1].isupper()
    clause_start = i == 0 or prv in (".", "!", "?", "\n", ";", ",", "-", "and", "then", ":", "")
    if capital and not clause_start:
        return True
    if nxt in _NAME_FOLLOWERS:
        return True
    prv_last = prv.split(" ")[-1] if prv else ""
    if prv in _NAME_PRECEDERS or prv_last in _NAME_PRECEDERS or prv in _NAME_PRECEDERS_MORE or prv == "follow up":
        return True
    if prv == "up" and prv2 == "follow":
        return True
    if prv == "me" and prv2 in ("show", "find", "pull", "bring", "get", "open"):
        return True  # "show me mark"
    if word not in _VERB_WORDS and prv in ("", "the") and nxt in ("", "?", "!", ".", "please", "pls"):
        return True  # the name is all there is: "rose?"
    if word not in _VERB_WORDS:
        # What comes next is something a person does, or a stage they are in ("rose qualified",
        # "hope to negotiating", "summer visited", "Hope will revert").
        after = _neighbour(doc, nxt_at, 1, speller)[0] if nxt else ""
        if nxt in _AFTER_NAME or nxt in _STATUS_WORDS or nxt in _CONTACT_NOUNS:
            return True
        if re.fullmatch(r"[a-z]{3,}ed", nxt) and prv not in ("i", "we", "you", "they", "the", "a", "this", "last", "next"):
            return True
        if nxt in ("to", "as", "into", "now") and after in _STATUS_WORDS:
            return True
    elif word not in _MODAL_WORDS and word != "mark":
        if nxt in _AFTER_NAME and nxt not in ("will", "would", "'ll", "can", "could", "should", "might", "must", "and"):
            return True
    if capital and clause_start and word not in ("mark", "will", "may", "call", "chase", "bill", "rob", "pat", "sue", "hope", "grant", "frank", "drew", "max", "ray", "jack", "case", "price", "new"):
        return True
    return False
