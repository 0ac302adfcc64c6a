"""Find the passages that answer a question: dense + keyword candidates, then a rerank.

Dense vectors find paraphrases ("fitness centre" for "gym") but blur names and numbers, and
in a large store the one passage that shares the question's exact words can sit below many
similar ones. So candidates come from two places:

- the dense top ``CANDIDATES`` of the store;
- the BM25 top ``CANDIDATES`` of the keyword index (``lexical.py``), which also brings in the
  passages of a project the question names (its name is a rare word). A dense query filtered
  to the named project found nothing more on the benchmark and cost 8 ms with 10,000 passages.

and each is scored ``dense + LEXICAL_WEIGHT * lexical + project``, where

- ``lexical`` is the share of the question's terms, weighted by their rarity in the whole
  store (BM25's idf), found in the passage, its heading or its title;
- ``project`` lifts passages of a project the question names (and passages of general
  documents, labelled with no single project, that name it) and lowers passages of another
  named project.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Sequence

import numpy as np

from handlers.documents.store import DocumentStore, StoredPassage

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


@lru_cache(maxsize=8)
def _project_patterns(projects: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(name, normalised, without spaces) per project; computed once per list of projects."""
    out = []
    for name in projects:
        n = _normal(name)
        if n.strip():
            out.append((name, n, n.replace(" ", "")))
    return out


def projects_named(question: str, projects: Sequence[str]) -> list[str]:
    """Projects whose name appears in the question (words, case and spacing ignored)."""
    q = _normal(question)
    q_compact = q.replace(" ", "")
    return [name for name, n, compact in _project_patterns(tuple(projects))
            if n in q or (len(compact) >= 6 and compact in q_compact)]


def retrieve(question: str, *, store: DocumentStore, k: int = 4, project: str | None = None,
             candidates: int = CANDIDATES) -> list[RetrievedPassage]:
    """The ``k`` best passages, best first. ``project`` restricts the search to one project."""
    documents = store.cached_documents()
    if not question.strip() or not documents:
        return []
    vector = store.embed([question])[0]
    all_projects = tuple(sorted({d.project for d in documents if d.project}))
    where: dict[str, Any] | None = {"project": project} if project else None
    named = [] if project else projects_named(question, all_projects)
    pool: dict[str, StoredPassage] = {p.id: p for p in store.query(vector, n=candidates, where=where)}
    index = store.lexical_index()
    keyword_ids = [pid for pid, _ in index.search(question, n=candidates) if pid not in pool]
    for p in store.passages(keyword_ids, near=np.asarray(vector, dtype=np.float32)):
        if project is None or p.metadata.get("project") == project:
            pool[p.id] = p
    passages = list(pool.values())
    lexical = index.coverage(question, [p.id for p in passages])
    named_set = {n.casefold() for n in named}
    ranked = []
    for p, lex in zip(passages, lexical):
        dense = p.similarity
        score = dense + LEXICAL_WEIGHT * lex
        proj = str(p.metadata.get("project") or "").casefold()
        if named_set:
            if proj in named_set or (proj in GENERAL_PROJECTS and projects_named(p.text, named)):
                # A general document (FAQ, playbook) passage that names the project counts too.
                score += PROJECT_BONUS
            elif proj not in GENERAL_PROJECTS:
                score -= OTHER_PROJECT_PENALTY
        ranked.append(RetrievedPassage.from_stored(p, score=score, dense=dense, lexical=lex))
    ranked.sort(key=lambda r: r.score, reverse=True)
    return ranked[:k]
