"""Answer a question from the documents, always with the passages it came from.

Without an LLM the answer is extractive: the sentences of the retrieved passages that best
match the question (by meaning and by shared rare words), in document order. With an LLM the
answer is written from the retrieved passages only (prompt in templates/answers/), and the
model is told to say so when they do not hold the answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol, Sequence

import numpy as np

from handlers.documents.retrieve import RetrievedPassage, retrieve
from handlers.documents.store import DocumentStore
from handlers.documents.text import sentences, terms

# Below these the documents are taken not to hold the answer. Measured on the demo set
# (bench/documents_questions.json): every answerable question's best passage has dense >= 0.30
# or lexical >= 0.5, off-topic questions stay under dense 0.12; the best sentence of an
# answerable question has topical >= 0.30 or lexical/heading match >= 0.5, while 4 of 5 questions
# about a named project's missing features ("a helipad at Beachgate?") stay under topical 0.28.
# The extractive mode is a heuristic: an LLM, when configured, judges this better.
MIN_DENSE = 0.30
MIN_LEXICAL = 0.50
MIN_TOPICAL = 0.30
MAX_SENTENCES = 3
SENTENCE_PASSAGES = 2  # sentences are drawn from the best passages only
PASSAGE_MARGIN = 0.05  # ...the second only when it scored within this of the first
SENTENCE_MARGIN = 0.12  # further sentences must score within this of the best one
MAX_EMBEDDED_SENTENCES = 8
NOT_FOUND_MARKER = "NOT_IN_DOCUMENTS"


class ChatModel(Protocol):
    """Any chat completion client: OpenAI-style messages in, the reply text out."""

    def complete(self, messages: list[dict[str, str]]) -> str: ...


@dataclass(frozen=True)
class Citation:
    doc_id: str
    title: str
    project: str | None
    page: int | None
    heading: str
    passage: str
    score: float

    @classmethod
    def of(cls, p: RetrievedPassage) -> "Citation":
        return cls(doc_id=p.doc_id, title=p.title, project=p.project, page=p.page, heading=p.heading,
                   passage=p.text, score=round(p.score, 4))


@dataclass
class DocumentAnswer:
    question: str
    found: bool
    text: str  # the answer: extracted sentences, or the LLM's grounded answer; "" when not found
    mode: str  # extractive | llm
    citations: list[Citation] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(c.doc_id for c in self.citations))


@dataclass(frozen=True)
class ScoredSentence:
    text: str
    rank: int  # of its passage
    position: int  # within its passage
    dense: float  # cosine with the question
    topical: float  # cosine with the question without its project/document names
    lexical: float
    heading_match: float  # share of the question's terms in its passage's heading
    score: float


def answer_from_documents(question: str, *, store: DocumentStore, k: int = 4, llm: ChatModel | None = None,
                          project: str | None = None) -> DocumentAnswer:
    passages = retrieve(question, store=store, k=k, project=project)
    citations = [Citation.of(p) for p in passages]
    if not passages or not _answerable(passages[0]):
        return DocumentAnswer(question=question, found=False, text="", mode="llm" if llm else "extractive",
                              citations=citations)
    if llm is not None:
        return _llm_answer(question, passages, llm=llm)
    scored = score_sentences(question, passages, store=store)
    if not scored or not _sentence_answers(scored[0]):
        return DocumentAnswer(question=question, found=False, text="", mode="extractive", citations=citations)
    picked = pick_sentences(scored)
    # The passage the answer came from is cited first.
    citations.insert(0, citations.pop(scored[0].rank))
    return DocumentAnswer(question=question, found=True, text=" ".join(picked), mode="extractive",
                          citations=citations, sentences=picked)


def _answerable(best: RetrievedPassage) -> bool:
    return best.dense >= MIN_DENSE or best.lexical >= MIN_LEXICAL


def _sentence_answers(best: ScoredSentence) -> bool:
    return best.topical >= MIN_TOPICAL or best.lexical >= MIN_LEXICAL or best.heading_match >= MIN_LEXICAL


def focus(question: str, passages: Sequence[RetrievedPassage]) -> str:
    """The question without the names of the projects and documents it is about: those words
    pick the passage, but every sentence of it shares them, so they cannot pick a sentence."""
    names = {n for p in passages for n in (p.project, p.title) if n}
    out = question
    for name in sorted(names, key=len, reverse=True):
        out = re.sub(rf"\b{re.escape(name)}(?:'s)?\b", " ", out, flags=re.I)
    out = re.sub(r"\s+", " ", out).strip()
    return out if terms(out) else question


def _sentence_like(s: str, headings: set[str]) -> bool:
    """Headings inlined in a passage ('Amenities', 'Is the fee refundable?') are not answers."""
    if s.rstrip().endswith("?") or s.strip().casefold() in headings:
        return False
    return len(s.split()) > 4 or any(ch.isdigit() for ch in s) or s.rstrip()[-1:] in ".!"


def pick_sentences(scored: Sequence[ScoredSentence], *, limit: int = MAX_SENTENCES) -> list[str]:
    """The best sentence plus others of its passage nearly as good, in text order."""
    if not scored:
        return []
    best = scored[0]
    chosen = [best]
    for cand in scored[1:]:
        if len(chosen) >= limit or cand.score < best.score - SENTENCE_MARGIN:
            break
        if cand.rank == best.rank:  # stay within the passage that answers
            chosen.append(cand)
    return [c.text for c in sorted(chosen, key=lambda c: (c.rank, c.position))]


def _heading_parts(heading: str) -> set[str]:
    return {part.strip().casefold() for part in re.split(r" > | · ", heading) if part.strip()}


def score_sentences(question: str, passages: Sequence[RetrievedPassage], *,
                    store: DocumentStore) -> list[ScoredSentence]:
    """Sentences of the best passage (and of the next, when it scored nearly as well), best first."""
    if not passages:
        return []
    pool = [p for i, p in enumerate(passages[:SENTENCE_PASSAGES])
            if i == 0 or p.score >= passages[0].score - PASSAGE_MARGIN]
    q = focus(question, passages)
    cands = [(rank, pos, s) for rank, p in enumerate(pool) for pos, s in enumerate(sentences(p.text))
             if _sentence_like(s, _heading_parts(p.heading))]
    if not cands:
        return []
    lexical = _term_overlap(q, [c[2] for c in cands])
    if len(cands) > MAX_EMBEDDED_SENTENCES:
        # Embedding costs ~2 ms a sentence here: embed only the likeliest by words and order.
        keep = sorted(range(len(cands)), key=lambda i: (-lexical[i], cands[i][0], cands[i][1]))
        keep = sorted(keep[:MAX_EMBEDDED_SENTENCES])
        cands = [cands[i] for i in keep]
        lexical = lexical[keep]
    # Meaning is compared with the whole question: without its names it can read as nonsense.
    # The focused question tells whether a sentence is about what was asked, not just about
    # the project named ("Does Beachgate have a helipad?").
    vectors = store.embed([question, q] + [c[2] for c in cands])
    dense = vectors[2:] @ vectors[0]
    topical = vectors[2:] @ vectors[1]
    q_terms = set(terms(q))
    heading_match = [len(q_terms & set(terms(p.heading))) / max(1, len(q_terms)) for p in pool]
    out = []
    for (rank, pos, text), d, t, lex in zip(cands, dense, topical, lexical):
        # A small prior for the better passage breaks ties between near-identical sentences.
        score = 0.5 * float(d) + 0.5 * float(t) + 0.5 * float(lex) + 0.03 * (len(pool) - rank)
        out.append(ScoredSentence(text=text, rank=rank, position=pos, dense=float(d), topical=float(t),
                                  lexical=float(lex), heading_match=heading_match[rank], score=score))
    return sorted(out, key=lambda c: c.score, reverse=True)


def _term_overlap(question: str, texts: Sequence[str]) -> np.ndarray:
    q_terms = set(terms(question))
    if not q_terms:
        return np.zeros(len(texts))
    bags = [set(terms(t)) for t in texts]
    n = len(bags)
    weight = {t: np.log(1.0 + n / (1 + sum(t in b for b in bags))) for t in q_terms}
    total = sum(weight.values()) or 1.0
    return np.array([sum(w for t, w in weight.items() if t in b) / total for b in bags])


def _llm_answer(question: str, passages: Sequence[RetrievedPassage], *, llm: ChatModel) -> DocumentAnswer:
    from bot.templating import render

    system = render("answers/documents_system.j2", not_found=NOT_FOUND_MARKER)
    user = render("answers/documents_user.j2", question=question, passages=passages)
    reply = llm.complete([{"role": "system", "content": system}, {"role": "user", "content": user}]).strip()
    if not reply or NOT_FOUND_MARKER in reply:
        return DocumentAnswer(question=question, found=False, text="", mode="llm",
                              citations=[Citation.of(p) for p in passages])
    # Keep the passages the model cited ([1], [2] ...), in the order it cited them.
    cited = [int(n) - 1 for n in re.findall(r"\[(\d+)\]", reply) if 0 < int(n) <= len(passages)]
    order = list(dict.fromkeys(cited)) or list(range(len(passages)))
    return DocumentAnswer(question=question, found=True, text=reply, mode="llm",
                          citations=[Citation.of(passages[i]) for i in order])


def render_document_answer(answer: DocumentAnswer, *, with_sources: bool = True) -> str:
    """The reply text: the answer (or that there is none), and its sources unless the channel
    shows them itself from ``Reply.sources``."""
    from bot.templating import render

    return render("answers/documents.j2", answer=answer, with_sources=with_sources)
