"""Find lead names in a message: a spaCy PhraseMatcher over the CRM's own names, first and last
names, companies and email addresses, matched on folded lowercase tokens so that "john doe",
"JOHN DOE" and "Zoe" (for Zoë) are all found; plus a typo-tolerant pass for single words."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from bot.understanding.text import fold

COMPANY_SUFFIXES = frozenset(
    "ltd limited llc llp inc incorporated plc gmbh co corp corporation company sa bv ag group "
    "holdings studio studios partners partnership pty srl spa pvt private pte fze fzco fz-llc fzllc dmcc "
    "kk oy ab as nv sarl sas ltda lda bhd sdn lp".split()
)


@dataclass(frozen=True)
class LeadRow:
    id: int
    name: str
    email: str | None
    company: str | None
    owner_id: int | None


@dataclass
class Entry:
    """One phrase that names leads, and how: field is name|first_name|last_name|company|email."""

    field: str
    queries: set[str] = field(default_factory=set)  # what to hand to crm.lookup.find_leads
    lead_ids: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Mention:
    start: int  # token indices in the doc, end exclusive
    end: int
    key: str
    fuzzy: bool = False


def token_norm(text: str) -> str:
    """The matching form of one token: folded, abbreviation dots dropped ("co." -> "co")."""
    t = fold(text)
    if len(t) > 1 and t.endswith(".") and "@" not in t:
        t = t.rstrip(".")
    return t


class Gazetteer:
    def __init__(self, nlp, rows: list[LeadRow]) -> None:
        self.nlp = nlp
        self.rows = {r.id: r for r in rows}
        self.entries: dict[str, Entry] = {}
        self._single: dict[str, str] = {}  # one-word keys, for the typo pass
        self.name_keys: dict[int, str] = {}  # lead id -> the key of its full name
        for r in rows:
            self._add_lead(r)
        self.matcher = PhraseMatcher(nlp.vocab, attr="NORM")
        for key in self.entries:
            self.matcher.add(key, [self._pattern(key)])
        self._single_keys = tuple(self._single)

    def _pattern(self, key: str) -> Doc:
        doc = self.nlp.make_doc(key)
        for t in doc:
            t.norm_ = token_norm(t.text)
        return doc

    def _key(self, phrase: str) -> str:
        return " ".join(token_norm(t.text) for t in self.nlp.make_doc(fold(phrase).strip()))

    def _put(self, phrase: str, fld: str, query: str, lead_id: int) -> None:
        key = self._key(phrase)
        if not key or len(key) < 2:
            return
        entry = self.entries.get(key)
        if entry is None:
            entry = self.entries[key] = Entry(fld)
        elif _RANK[fld] < _RANK[entry.field]:
            entry.field = fld
        entry.queries.add(query)
        entry.lead_ids.add(lead_id)
        if " " not in key and key.isalpha() and len(key) >= 4:
            self._single[key] = key

    def _add_lead(self, r: LeadRow) -> None:
        name = (r.name or "").strip()
        if name:
            self._put(name, "name", name, r.id)
            self.name_keys[r.id] = self._key(name)
            plain = re.sub(r"[^\w\s-]", "", fold(name))
            if plain != fold(name):
                self._put(plain, "name", name, r.id)
            parts = fold(name).split()
            # Keys are folded to match what people type; queries keep the letters as written, for
            # crm.lookup to fold its own way ("Søren").
            oparts = name.split() if len(name.split()) == len(parts) else parts
            if parts:
                first, first_q = parts[0], oparts[0]
                self._put(first, "first_name", first_q, r.id)
                if len(first) >= 4:
                    self._put(first + "s", "first_name", first_q, r.id)  # "Olivers in negotiation"
            if len(parts) > 1:
                last, last_q = parts[-1], oparts[-1]
                self._put(last, "last_name", last_q, r.id)
                stripped = re.sub(r"[^\w-]", "", last)
                if stripped != last:
                    self._put(stripped, "last_name", last_q, r.id)
                # Ways of writing the name that crm.lookup does not know are looked up by the full name.
                if "-" in stripped.strip("-"):
                    # "Sharma-Wells" is also written "Sharma Wells", and either half alone.
                    self._put(" ".join(stripped.split("-")), "last_name", name, r.id)
                    self._put(parts[0] + " " + " ".join(stripped.split("-")), "name", name, r.id)
                    for h in stripped.split("-"):
                        if len(h) >= 3:
                            self._put(h, "last_name", name, r.id)
                if len(stripped) >= 3 and stripped.isalpha():
                    self._put("the " + stripped + ("es" if stripped.endswith("s") else "s"), "last_name", name, r.id)  # "the Raos"
                initial = re.sub(r"[^\w]", "", last)[:1]
                if initial.isalpha():
                    self._put(parts[0] + " " + initial, "first_name", name, r.id)  # "Mark T"
        if r.email:
            self._put(r.email, "email", r.email, r.id)
        if r.company:
            company = r.company.strip()
            self._put(company, "company", company, r.id)
            words = fold(company).replace("&", " & ").split()
            while len(words) > 1 and words[-1].strip(".") in COMPANY_SUFFIXES:
                words.pop()
            while len(words) > 1 and words[-1] in ("&", "and"):
                words.pop()
            if words:
                self._put(" ".join(words), "company", company, r.id)
                if " & " in fold(company):
                    self._put(fold(company).replace("&", "and"), "company", company, r.id)
                if len(words) > 1 and len(words[0]) >= 4:
                    self._put(words[0], "company", company, r.id)

    # -- matching -----------------------------------------------------------------------------
    def find(self, doc: Doc, text: str | None = None) -> list[Mention]:
        """Non-overlapping mentions, longest first, in text order. With the original ``text``, a
        surname's initial counts only written as one ("Mark T", not "mark t")."""
        found = []
        for match_id, start, end in self.matcher(doc):
            key = self.nlp.vocab.strings[match_id]
            last = doc[end - 1]
            if text is not None and end - start > 1 and len(last.norm_) == 1 and not text[last.idx : last.idx + 1].isupper():
                continue
            found.append(Mention(start, end, key))
        found.sort(key=lambda m: (-(m.end - m.start), m.start))
        taken: set[int] = set()
        kept: list[Mention] = []
        for m in found:
            if any(i in taken for i in range(m.start, m.end)):
                continue
            kept.append(m)
            taken.update(range(m.start, m.end))
        kept.sort(key=lambda m: m.start)
        return kept

    def joined(self, first: str, second: str) -> str | None:
        """Two names side by side that fit one lead only ("sarah" + a misspelt "whitfeld"): the key of
        that lead's full name, so that the pair is read as one mention."""
        a, b = self.entries.get(first), self.entries.get(second)
        if a is None or b is None or a.field == "email" or b.field == "email":
            return None
        both = a.lead_ids & b.lead_ids
        if len(both) != 1:
            return None
        return self.name_keys.get(next(iter(both)))

    def fuzzy(self, word: str) -> str | None:
        """The one-word key a misspelt name was meant to be ("jonh" -> "john")."""
        if len(word) < 4 or not self._single_keys:
            return None
        limit = 2 if len(word) >= 7 else 1
        hits = process.extract(word, self._single_keys, scorer=OSA.distance, score_cutoff=limit, limit=3)
        if not hits:
            return None
        best = min(h[1] for h in hits)
        top = [h[0] for h in hits if h[1] == best]
        return top[0] if len(top) == 1 else None


_RANK = {"email": 0, "name": 1, "company": 2, "first_name": 3, "last_name": 4}
