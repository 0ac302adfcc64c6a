"""Find the passages that answer a question: dense + keyword candidates, then a rerank.

Dense vectors find paraphrases ("fitness centre" for "gym") but blur names and numbers, and
in a large store the one passage that shares the question's exact words can sit below many
similar ones. So candidates come from three places:

- the dense top ``CANDIDATES`` of the whole store;
- the dense top of the projects the question names, so their passages are in the pool even
  among many projects;
- the BM25 top ``CANDIDATES`` of the keyword index (``lexical.py``).

and each is scored ``dense + LEXICAL_WEIGHT * lexical + project``, where

- ``lexical`` is the share of the question's terms, weighted by their rarity in the whole
  store (BM25's idf), found in the passage, its heading or its title;
- ``project`` lifts passages of a project the question names and lowers passages of another
  named project (general documents, labelled with no single project, stay put).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from handlers.documents.lexical import LexicalIndex
from handlers.documents.store import DocumentStore, StoredPassage
from handlers.documents.text import terms

CANDIDATES = 24
LEXICAL_WEIGHT = 0.35
PROJECT_BONUS = 0.12
OTHER_PROJECT_PENALTY = 0.10
# Labels used for documents that belong to no single project (playbooks, FAQs).
GENERAL_PROJECTS = frozenset({"all projects", "all", "general", "any", "company", ""})


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


def lexical_scores(question: str, passages: Sequence[StoredPassage], *, index: LexicalIndex) -> list[float]:
    """For each passage, the idf-weighted share of the question's terms it holds."""
    q_terms = list(dict.fromkeys(terms(question)))
    if not q_terms or not passages:
        return [0.0] * len(passages)
    weights = {t: index.idf(t) for t in q_terms}
    total = sum(weights.values()) or 1.0
    bags = [set(terms(" ".join((str(p.metadata.get("title", "")), str(p.metadata.get("heading", "")), p.text))))
            for p in passages]
    return [sum(w for t, w in weights.items() if t in bag) / total for bag in bags]


def retrieve(question: str, *, store: DocumentStore, k: int = 4, project: str | None = None,
             candidates: int = CANDIDATES) -> list[RetrievedPassage]:
    """The ``k`` best passages, best first. ``project`` restricts the search to one project."""
    if not question.strip() or store.count() == 0:
        return []
    vector = store.embed([question])[0]
    documents = store.cached_documents()
    all_projects = sorted({d.project for d in documents if d.project})
    where: dict[str, Any] | None = {"project": project} if project else None
    named = [] if project else projects_named(question, all_projects)
    pool: dict[str, StoredPassage] = {p.id: p for p in store.query(vector, n=candidates, where=where)}
    if named:
        for p in store.query(vector, n=candidates, where={"project": {"$in": named}}):
            pool.setdefault(p.id, p)
    index = store.lexical_index()
    keyword_ids = [pid for pid, _ in index.search(question, n=candidates) if pid not in pool]
    for p in store.passages(keyword_ids, near=np.asarray(vector, dtype=np.float32)):
        if project is None or p.metadata.get("project") == project:
            pool[p.id] = p
    passages = list(pool.values())
    lexical = lexical_scores(question, passages, index=index)
    named_set = {n.casefold() for n in named}
    ranked = []
    for p, lex in zip(passages, lexical):
        dense = p.similarity
        score = dense + LEXICAL_WEIGHT * lex
        proj = str(p.metadata.get("project") or "").casefold()
        if named_set:
            if proj in named_set:
                score += PROJECT_BONUS
            elif proj not in GENERAL_PROJECTS:
                score -= OTHER_PROJECT_PENALTY
        ranked.append(RetrievedPassage.from_stored(p, score=score, dense=dense, lexical=lex))
    ranked.sort(key=lambda r: r.score, reverse=True)
    return ranked[:k]
