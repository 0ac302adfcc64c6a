"""The CRM's own names, found in a question: leads, companies, agents, projects, unit types and
lead sources. Built from the database for each question (a few small queries), so new leads and
projects are known at once.

A lead's whole name always counts. A first or last name alone counts too, unless it is also
an everyday word ("Max", "Will", "Grace", "Green"): then it must be capitalised or possessive
("Max's budget"), so "max budget" is not Max Müller.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from rapidfuzz import fuzz, process
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.models import Agent, Lead
from handlers.answers.text import fold

# Everyday words that are also first names, surnames or parts of project names: alone, they
# name someone only when written with a capital or as a possessive.
COMMON_WORDS = frozenset("""
a an the i me my we our you your he she it they them his her their this that these those who whom whose
what which when where why how is are was were be been am do does did done have has had will would shall
should can could may might must new old top max min total all any some each every most least more less
best last first next won lost open close closed hot cold warm lead leads deal deals client clients
buyer buyers call calls meeting meetings email emails note notes status stage budget price view views
park court tower towers heights lofts loft residences gardens garden house houses place square quay
village green brown white black grey gray young rich long short king hunt ford scott wright wood
bill mark rose hope faith grace joy june april may august summer winter autumn dawn ruby lily ivy
will bob pat sue jack frank rob ray dean major miles don art chase page price hall bell wall
walker cook baker mason carter taylor fisher turner parker porter hunter archer tanner
""".split())

# Months and weekdays that are also first names: written with a capital anyway.
_CALENDAR_WORDS = frozenset("january february march april may june july august september october november december "
                            "monday tuesday wednesday thursday friday saturday sunday".split())
_DATE_LEAD_INS = frozenset("in since before after during until till of by from last this next early late mid end start "
                           "beginning on through between and to".split())


def _date_context(words: list[str], i: int) -> bool:
    """Whether the word at ``i`` reads as a date: after "in", "since", "last"... or before a day number."""
    before = words[i - 1] if i > 0 else ""
    after = words[i + 1] if i + 1 < len(words) else ""
    return before in _DATE_LEAD_INS or bool(re.fullmatch(r"\d{1,4}(?:st|nd|rd|th)?", after))


_GENERIC_PROJECT_WORDS = frozenset(
    "view views park court tower towers heights lofts loft residences residence gardens garden house "
    "place square quay village point bay hills hill lane street road gate gates the at of and phase "
    "apartments homes estate".split())


@dataclass(frozen=True)
class LeadName:
    id: int
    name: str
    company: str | None
    owner_id: int | None


@dataclass(frozen=True)
class Mention:
    kind: str  # lead | agent | project | unit_type | source
    ids: tuple[int, ...]  # lead or agent ids
    values: tuple[str, ...]  # the CRM values (project names, unit types, sources) or names
    label: str  # what to call it in an answer
    span: tuple[int, int]
    how: str = "full"  # full | first | last | company | possessive | fuzzy | part


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in re.finditer(r"[a-z0-9][a-z0-9'&.-]*[a-z0-9]|[a-z0-9]", text)]


def _strip_possessive(tok: str) -> tuple[str, bool]:
    if tok.endswith("'s"):
        return tok[:-2], True
    if tok.endswith("s'"):
        return tok[:-1], True
    return tok, False


def _words(name: str) -> list[str]:
    return [t for t, _, _ in _tokens(fold(name))]


_UNIT_NUM = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "single": "1",
             "double": "2"}
# "T2" is how Portugal and Spain write a two-bedroom home (T0 is a studio).
UNIT_RE = re.compile(
    r"\b(?P<n>\d|one|two|three|four|five|six)[\s-]*(?:br|bed(?:room)?s?|bd|bhk|b/r)\b|\bt(?P<t>[0-9])s?\b"
    r"|\b(?P<word>studios?|penthouses?|townhouses?|town houses?|villas?|lofts?|duplex(?:es)?|maisonettes?|"
    r"bungalows?|cottages?|apartments?|flats?)\b")


def unit_key(text: str) -> str | None:
    """A canonical key for a unit type: '2BR', '2 bed', 'two-bedroom' -> '2br'; 'Studios' -> 'studio'."""
    m = UNIT_RE.search(fold(text))
    if not m:
        return None
    return _key_of(m)


def unit_keys(text: str) -> frozenset[str]:
    """Every key a unit type holds: '3 Bedroom Villa' -> {'3br', 'villa'}."""
    return frozenset(_key_of(m) for m in UNIT_RE.finditer(fold(text)))


def _key_of(m: re.Match[str]) -> str:
    if m.group("n"):
        return _UNIT_NUM.get(m.group("n"), m.group("n")) + "br"
    if m.group("t"):
        return "studio" if m.group("t") == "0" else m.group("t") + "br"
    word = m.group("word").replace(" ", "")
    if word.endswith("xes"):  # duplexes
        word = word[:-2]
    elif word.endswith("s"):  # penthouses, studios, lofts
        word = word[:-1]
    return {"townhouse": "townhouse", "flat": "apartment"}.get(word, word)


def source_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", fold(text))


_GENERIC_SOURCE_WORDS = frozenset("agent agents ads advert adverts advertising campaign campaigns form forms direct other "
                                  "social media online paid organic search property properties open house houses event "
                                  "events walk lead leads list lists call calls email emails site sites page".split())

_SOURCE_SYNONYMS = {
    "referral": ("referral", "referrals", "referred", "refer", "recommendation", "word of mouth"),
    "website": ("website", "web site", "web", "online", "site", "web form", "webform"),
    "portal": ("portal", "portals", "property portal", "rightmove", "zoopla"),
    "walkin": ("walk-in", "walk in", "walkin", "walk-ins", "walked in"),
    "event": ("event", "events", "open day", "open house", "expo", "fair", "exhibition"),
    "campaign": ("campaign", "campaigns", "newsletter", "mailshot"),
}


@dataclass
class Vocabulary:
    leads: list[LeadName] = field(default_factory=list)
    agents: list[tuple[int, str]] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)
    unit_types: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, session: Session, *, extra_projects: Iterable[str] = ()) -> "Vocabulary":
        leads = [LeadName(*row) for row in session.execute(
            select(Lead.id, Lead.name, Lead.company, Lead.owner_id)).all()]
        agents = [(i, n) for i, n in session.execute(select(Agent.id, Agent.name)).all()]
        projects = {p for (p,) in session.execute(select(Lead.project).distinct()).all() if p}
        projects |= {p for p in extra_projects if p}
        units = sorted({u for (u,) in session.execute(select(Lead.unit_type).distinct()).all() if u})
        sources = sorted({s for (s,) in session.execute(select(Lead.source).distinct()).all() if s})
        return cls(leads=leads, agents=agents, projects=sorted(projects), unit_types=units, sources=sources)

    # -- finding names ------------------------------------------------------------------------
    def find(self, text: str, original: str = "") -> list[Mention]:
        """Mentions in ``text`` (normalised), longest first where they overlap."""
        toks = _tokens(text)
        capitalised = _capitalised_words(original)
        found: list[Mention] = []
        found += self._find_projects(text, toks)
        found += self._find_people(toks, capitalised)
        found += self._find_units(text)
        found += self._find_sources(text)
        return _without_overlaps(found)

    # -- an index of people, built once per vocabulary ---------------------------------------
    def _people_index(self) -> "_PeopleIndex":
        index = self.__dict__.get("_index")
        if index is None:
            index = _PeopleIndex.build(self)
            self.__dict__["_index"] = index
        return index

    def _find_people(self, toks: list[tuple[str, int, int]], capitalised: set[str]) -> list[Mention]:
        index = self._people_index()
        out: list[Mention] = []
        words = [_strip_possessive(t) for t, _, _ in toks]
        plain = [w for w, _ in words]
        # Whole names and companies, exact: look up the names that start with each word.
        for i, w in enumerate(plain):
            for nwords, kind, pid, name, how in index.starting.get(w, ()):
                n = len(nwords)
                if tuple(plain[i:i + n]) == nwords:
                    out.append(Mention(kind, (pid,), (name,), name, (toks[i][1], toks[i + n - 1][2]), how))
        # Single first or last names.
        for i, (w, possessive) in enumerate(words):
            if len(w) < 2:
                continue
            if len(w) > 3 and w.endswith("s") and w not in COMMON_WORDS and (w[:-1], "first") in index.parts \
                    and not any((w, p) in index.parts for p in ("first", "last")) \
                    and (w[:-1] not in COMMON_WORDS or w in capitalised):
                # "zoes budget": a first name's possessive typed without its apostrophe.
                w, possessive = w[:-1], True
            for part in ("first", "last"):
                owners = index.parts.get((w, part))
                if not owners:
                    continue
                if w in COMMON_WORDS and not possessive and w not in capitalised:
                    continue
                if w in _CALENDAR_WORDS and not possessive and _date_context(plain, i):
                    continue  # "leads created in April" is a month, not April Green
                span = (toks[i][1], toks[i][2])
                for kind in ("lead", "agent"):
                    ids = tuple(pid for k, pid, _ in owners if k == kind)
                    names = tuple(n for k, _, n in owners if k == kind)
                    if ids:
                        label = names[0] if len(names) == 1 else w.title()
                        out.append(Mention(kind, ids, names, label, span, "possessive" if possessive else part))
        # Whole names with a typo ("Mary Popins"): rapidfuzz over all names of that length.
        for n, (choices, owners) in index.by_length.items():
            for i in range(len(plain) - n + 1):
                window = " ".join(plain[i:i + n])
                if len(window) < 5:
                    continue
                for _, score, j in process.extract(window, choices, scorer=fuzz.ratio, score_cutoff=88, limit=3):
                    kind, pid, name = owners[j]
                    if choices[j] != window and choices[j][0] == window[0]:
                        out.append(Mention(kind, (pid,), (name,), name, (toks[i][1], toks[i + n - 1][2]), "fuzzy"))
        return out

    def _project_index(self) -> "_ProjectIndex":
        index = self.__dict__.get("_projects_index")
        if index is None:
            index = _ProjectIndex.build(self.projects)
            self.__dict__["_projects_index"] = index
        return index

    def _find_projects(self, text: str, toks: list[tuple[str, int, int]]) -> list[Mention]:
        index = self._project_index()
        out = []
        plain = [_strip_possessive(t)[0] for t, _, _ in toks]
        for i, w in enumerate(plain):
            for pwords, project in index.starting.get(w, ()):
                n = len(pwords)
                if tuple(plain[i:i + n]) == pwords:
                    out.append(Mention("project", (), (project,), project, (toks[i][1], toks[i + n - 1][2])))
            project = index.compact.get(w)  # "beachgate" for "Beach Gate"
            if project:
                out.append(Mention("project", (), (project,), project, (toks[i][1], toks[i][2])))
            project = index.distinctive.get(w)  # one distinctive word of a longer name ("Riverside")
            if project:
                out.append(Mention("project", (), (project,), project, (toks[i][1], toks[i][2]), "part"))
        return out

    def _find_units(self, text: str) -> list[Mention]:
        out = []
        # Adjacent unit words are one phrase ("3 bedroom villa"): a unit type must hold them all.
        phrases: list[tuple[int, int, set[str]]] = []
        for m in UNIT_RE.finditer(text):
            key = _key_of(m)
            if phrases and re.fullmatch(r"[\s-]*", text[phrases[-1][1]:m.start()]):
                start, _, keys = phrases[-1]
                phrases[-1] = (start, m.end(), keys | {key})
            else:
                phrases.append((m.start(), m.end(), {key}))
        held = {u: unit_keys(u) for u in self.unit_types}
        for start, end, keys in phrases:
            values = tuple(u for u in self.unit_types if keys <= held[u])
            if not values and keys <= {"apartment"}:
                continue  # "apartments" alone is not a unit type filter
            label = values[0] if len(values) == 1 else text[start:end]
            out.append(Mention("unit_type", (), values or tuple(sorted(keys)), label, (start, end)))
        # Unit types of the CRM's own that no pattern above knows ("Type B", "Garden duplex"):
        # their words, as written.
        for value in self.unit_types:
            if unit_key(value) is not None:
                continue
            words = _words(value)
            if not words or (len(words) == 1 and (len(words[0]) < 3 or words[0] in COMMON_WORDS)):
                continue
            pattern = r"\b" + r"\s+".join(re.escape(w) for w in words) + r"(?:s|es)?\b"
            for m in re.finditer(pattern, text):
                out.append(Mention("unit_type", (), (value,), value, m.span()))
        return out

    def _find_sources(self, text: str) -> list[Mention]:
        out = []
        by_key = {source_key(s): s for s in self.sources}
        # A word found in one source's name only stands for it ("Facebook" for "Facebook Ads"),
        # and a source named with a known kind of source takes its synonyms ("Agent referral").
        owners: dict[str, list[str]] = {}
        for value in by_key.values():
            for w in set(_words(value)):
                owners.setdefault(w, []).append(value)
        for key, value in by_key.items():
            words = _words(value)
            phrases = set(_SOURCE_SYNONYMS.get(key, ())) | {fold(value)}
            for kind, synonyms in _SOURCE_SYNONYMS.items():
                if kind in words and not any(source_key(v) == kind for v in by_key.values()):
                    phrases |= set(synonyms)
            phrases |= {w for w in words if len(w) >= 4 and w not in _GENERIC_SOURCE_WORDS and len(owners[w]) == 1
                        and len(words) > 1}
            for phrase in sorted(phrases, key=len, reverse=True):
                for m in re.finditer(rf"\b{re.escape(phrase)}(?:s|es)?\b", text):
                    out.append(Mention("source", (), (value,), value, m.span()))
        return out

    def lead_names_for(self, ids: Sequence[int]) -> list[str]:
        wanted = set(ids)
        return [l.name for l in self.leads if l.id in wanted]


@dataclass
class _ProjectIndex:
    starting: dict[str, list[tuple[tuple[str, ...], str]]]  # first word -> (words, project)
    compact: dict[str, str]  # words run together -> project
    distinctive: dict[str, str]  # a word found in one multi-word project name only -> project

    @classmethod
    def build(cls, projects: Sequence[str]) -> "_ProjectIndex":
        starting: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        compact: dict[str, str] = {}
        owners: dict[str, list[str]] = {}
        for project in projects:
            pwords = tuple(_words(project))
            if not pwords:
                continue
            starting.setdefault(pwords[0], []).append((pwords, project))
            joined = "".join(pwords)
            if len(pwords) > 1 and len(joined) >= 6:
                compact[joined] = project
            for w in set(pwords):
                if len(w) >= 5 and w not in _GENERIC_PROJECT_WORDS and w not in COMMON_WORDS:
                    owners.setdefault(w, []).append(project)
        distinctive = {w: ps[0] for w, ps in owners.items() if len(ps) == 1 and len(_words(ps[0])) > 1}
        return cls(starting=starting, compact=compact, distinctive=distinctive)


@dataclass
class _PeopleIndex:
    starting: dict[str, list[tuple[tuple[str, ...], str, int, str, str]]]  # first word -> names/companies
    parts: dict[tuple[str, str], list[tuple[str, int, str]]]  # (word, first|last) -> people
    by_length: dict[int, tuple[list[str], list[tuple[str, int, str]]]]  # words -> (names, owners)

    @classmethod
    def build(cls, vocab: "Vocabulary") -> "_PeopleIndex":
        starting: dict[str, list[tuple[tuple[str, ...], str, int, str, str]]] = {}
        parts: dict[tuple[str, str], list[tuple[str, int, str]]] = {}
        by_length: dict[int, tuple[list[str], list[tuple[str, int, str]]]] = {}
        people = [("lead", l.id, l.name, l.company) for l in vocab.leads]
        people += [("agent", a_id, name, None) for a_id, name in vocab.agents]
        for kind, pid, name, company in people:
            nwords = tuple(_words(name))
            if not nwords:
                continue
            starting.setdefault(nwords[0], []).append((nwords, kind, pid, name, "full"))
            if company:
                cwords = tuple(_words(_strip_company_suffix(company)))
                if cwords and len("".join(cwords)) >= 4 and not (len(cwords) == 1 and cwords[0] in COMMON_WORDS):
                    starting.setdefault(cwords[0], []).append((cwords, kind, pid, name, "company"))
            if len(nwords) >= 2:
                parts.setdefault((nwords[0], "first"), []).append((kind, pid, name))
                parts.setdefault((nwords[-1], "last"), []).append((kind, pid, name))
                choices, owners = by_length.setdefault(len(nwords), ([], []))
                choices.append(" ".join(nwords))
                owners.append((kind, pid, name))
        return cls(starting=starting, parts=parts, by_length=by_length)


def vocabulary_fingerprint(session: Session) -> tuple[Any, ...]:
    """Changes whenever a lead or agent is added, removed or edited (``updated_at`` moves on
    every ORM update), so a cached vocabulary can be reused until then."""
    leads = session.execute(select(func.count(Lead.id), func.max(Lead.id), func.max(Lead.updated_at))).one()
    agents = session.execute(select(func.count(Agent.id), func.max(Agent.id))).one()
    return (*leads, *agents)


def _capitalised_words(original: str) -> set[str]:
    """Words written with a capital letter, except the first word of the question."""
    words = re.findall(r"[^\W\d_][\w'-]*", original)
    return {fold(_strip_possessive(w)[0]) for w in words[1:] if w[:1].isupper()}


def _strip_company_suffix(company: str) -> str:
    words = company.split()
    while len(words) > 1 and fold(words[-1]).strip(".") in ("ltd", "limited", "llc", "inc", "plc", "gmbh",
                                                              "co", "corp", "sa", "bv", "ag", "&", "and"):
        words.pop()
    return " ".join(words)


_KIND_RANK = {"full": 0, "company": 1, "fuzzy": 2, "possessive": 3, "first": 4, "last": 4, "part": 5}


def _without_overlaps(mentions: list[Mention]) -> list[Mention]:
    """Keep the longest mention where several overlap; on equal length prefer whole names, then
    projects over people, leads over agents (an agent is named mostly with "owned by")."""
    kind_rank = {"project": 0, "lead": 1, "agent": 2, "unit_type": 3, "source": 4}
    ordered = sorted(mentions, key=lambda m: (-(m.span[1] - m.span[0]), _KIND_RANK.get(m.how, 9),
                                              kind_rank.get(m.kind, 9)))
    kept: list[Mention] = []
    for m in ordered:
        clash = [k for k in kept if m.span[0] < k.span[1] and k.span[0] < m.span[1]]
        if not clash:
            kept.append(m)
        elif m.kind == "agent" and any(k.kind == "lead" and k.span == m.span for k in clash):
            kept.append(m)  # the same word names a lead and an agent: the parser decides by context
    return sorted(kept, key=lambda m: m.span)
