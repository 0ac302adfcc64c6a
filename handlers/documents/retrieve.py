"""Find the passages that answer a question: dense search, then a keyword and project rerank.

Dense vectors find paraphrases ("fitness centre" for "gym") but blur names and numbers, so a
question about Beachgate's gym can rank Harbour View's gym first. The rerank adds:

- a lexical score: the share of the question's content terms (weighted by rarity in the
  candidate pool) found in the passage, its heading or its title;
- a project score: passages of a project the question names move up, passages of another
  named project move down (general documents, with no or another project label, stay put).

Candidates come from the whole store plus, when the question names a project, from that
project alone, so its passages are in the pool even in a store of many projects.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Sequence

from handlers.documents.store import DocumentStore, StoredPassage
from handlers.documents.text import terms

CANDIDATES = 24
LEXICAL_WEIGHT = 0.35
PROJECT_BONUS = 0.12
OTHER_PROJECT_PENALTY = 0.10


@dataclass(frozen=True)
class RetrievedPassage:
    id: str
    doc_id: str
    title: str
    project: str | None
    page: int | None
    heading: str
    text: str
    score: float
    dense: float
    lexical: float

    @classmethod
    def from_stored(cls, p: StoredPassage, *, score: float, dense: float, lexical: float) -> "RetrievedPassage":
        m = p.metadata
        page = m.get("page")
        return cls(id=p.id, doc_id=str(m.get("doc_id", "")), title=str(m.get("title", "")),
                   project=m.get("project") or None, page=int(page) if page is not None else None,
                   heading=str(m.get("heading") or ""), text=p.text, score=score, dense=dense, lexical=lexical)


def _normal(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", text.casefold()).strip() + " "


def projects_named(question: str, projects: Sequence[str]) -> list[str]:
    """Projects whose name appears in the question (words, case and spacing ignored)."""
    q = _normal(question)
    q_compact = q.replace(" ", "")
    found = []
    for name in projects:
        n = _normal(name)
        if n.strip() and (n in q or (len(n.replace(" ", "")) >= 6 and n.replace(" ", "") in q_compact)):
            found.append(name)
    return found


def lexical_scores(question: str, passages: Sequence[StoredPassage]) -> list[float]:
    q_terms = list(dict.fromkeys(terms(question)))
    if not q_terms or not passages:
        return [0.0] * len(passages)
    bags = [set(terms(" ".join((str(p.metadata.get("title", "")), str(p.metadata.get("heading", "")), p.text))))
            for p in passages]
    n = len(bags)
    weights = {t: math.log(1.0 + n / (1 + sum(t in b for b in bags))) + 0.1 for t in q_terms}
    total = sum(weights.values())
    return [sum(w for t, w in weights.items() if t in bag) / total for bag in bags]


def retrieve(question: str, *, store: DocumentStore, k: int = 4, project: str | None = None,
             candidates: int = CANDIDATES) -> list[RetrievedPassage]:
    """The ``k`` best passages, best first. ``project`` restricts the search to one project."""
    if not question.strip() or store.count() == 0:
        return []
    vector = store.embed([question])[0]
    where: dict[str, Any] | None = {"project": project} if project else None
    named = [] if project else projects_named(
        question, sorted({d.project for d in store.cached_documents() if d.project}))
    pool: dict[str, StoredPassage] = {p.id: p for p in store.query(vector, n=candidates, where=where)}
    if named:
        for p in store.query(vector, n=candidates, where={"project": {"$in": named}}):
            pool.setdefault(p.id, p)
    passages = list(pool.values())
    lexical = lexical_scores(question, passages)
    named_set = {n.casefold() for n in named}
    all_projects = {d.project.casefold() for d in store.cached_documents() if d.project}
    ranked = []
    for p, lex in zip(passages, lexical):
        dense = p.similarity
        score = dense + LEXICAL_WEIGHT * lex
        proj = str(p.metadata.get("project") or "").casefold()
        if named_set:
            if proj in named_set:
                score += PROJECT_BONUS
            elif proj in all_projects and _normal(proj).strip() and proj not in _GENERAL_PROJECTS:
                score -= OTHER_PROJECT_PENALTY
        ranked.append(RetrievedPassage.from_stored(p, score=score, dense=dense, lexical=lex))
    ranked.sort(key=lambda r: r.score, reverse=True)
    return ranked[:k]


# Labels used for documents that belong to no single project (playbooks, FAQs).
_GENERAL_PROJECTS = {"all projects", "all", "general", "any", "company", ""}
