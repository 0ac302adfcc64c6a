"""A keyword index (BM25) over every passage in the store, kept in memory.

Dense search alone misses passages whose wording a question shares exactly but whose meaning
sits among thousands of similar passages ("How quickly must we call a new enquiry?" among ten
thousand brochure paragraphs). BM25 (Robertson & Zaragoza, "The Probabilistic Relevance
Framework: BM25 and Beyond", 2009; k1 = 1.2, b = 0.75) finds those, and its document
frequencies give each question word a weight for the rerank.

Chroma's own ``$contains`` filter is case-sensitive substring matching without ranking, so the
index is built here from the collection's passages: about a second per 10,000 passages, once
per process and again only when the store changed.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from handlers.documents.text import terms

K1 = 1.2
B = 0.75


@dataclass
class LexicalIndex:
    ids: list[str]
    postings: dict[str, tuple[np.ndarray, np.ndarray]]  # term -> (passage positions, term counts)
    lengths: np.ndarray
    fingerprint: object = None

    def __post_init__(self) -> None:
        self.position = {pid: i for i, pid in enumerate(self.ids)}

    @classmethod
    def build(cls, passages: Iterable[tuple[str, str]], *, fingerprint: object = None) -> "LexicalIndex":
        """``passages``: (id, searchable text) pairs."""
        ids: list[str] = []
        lengths: list[int] = []
        raw: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        for pos, (pid, text) in enumerate(passages):
            ids.append(pid)
            counts = Counter(terms(text))
            lengths.append(sum(counts.values()))
            for term, n in counts.items():
                plist = raw[term]
                plist[0].append(pos)
                plist[1].append(n)
        postings = {t: (np.asarray(p, dtype=np.int32), np.asarray(c, dtype=np.float32)) for t, (p, c) in raw.items()}
        return cls(ids=ids, postings=postings, lengths=np.asarray(lengths, dtype=np.float32),
                   fingerprint=fingerprint)

    @property
    def size(self) -> int:
        return len(self.ids)

    def idf(self, term: str) -> float:
        df = len(self.postings[term][0]) if term in self.postings else 0
        return math.log(1.0 + (self.size - df + 0.5) / (df + 0.5))

    def coverage(self, query: str, ids: list[str]) -> list[float]:
        """For each passage, the idf-weighted share of the query's terms it holds (0..1)."""
        q_terms = list(dict.fromkeys(terms(query)))
        weights = [self.idf(t) for t in q_terms]
        total = sum(weights)
        if not ids or total <= 0:
            return [0.0] * len(ids)
        positions = np.array([self.position.get(pid, -1) for pid in ids], dtype=np.int32)
        held = np.zeros(len(ids), dtype=np.float64)
        for term, weight in zip(q_terms, weights):
            if term in self.postings:
                held += weight * np.isin(positions, self.postings[term][0])
        return (held / total).tolist()

    def search(self, query: str, *, n: int) -> list[tuple[str, float]]:
        """The ``n`` best passages for the query's terms, as (id, BM25 score), best first."""
        q_terms = [t for t in dict.fromkeys(terms(query)) if t in self.postings]
        if not q_terms or not self.size:
            return []
        scores = np.zeros(self.size, dtype=np.float32)
        norm = K1 * (1 - B + B * self.lengths / max(1.0, float(self.lengths.mean())))
        for term in q_terms:
            positions, counts = self.postings[term]
            scores[positions] += self.idf(term) * counts * (K1 + 1) / (counts + norm[positions])
        n = min(n, int((scores > 0).sum()))
        if n == 0:
            return []
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top])]
        return [(self.ids[i], float(scores[i])) for i in top]
