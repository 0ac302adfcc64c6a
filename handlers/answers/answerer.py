"""Answer a question from the CRM's data or from the documents, with where it came from.

Order: refuse anything that tries to write; parse the question as a data question; route
(data or documents) by offline rules that know the CRM's lead names, the documents' projects
and titles, and which of the words the parser could not place the documents hold; answer data
questions with the offline parse (or, when an LLM is configured and the parser could not place
every word, with guarded text-to-SQL); answer document questions through ``handlers.documents``.
Every reply's words come from templates/answers/.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from bot.messages import Reply, Source
from bot.templating import render
from crm.models import Agent
from handlers.answers.data_query import DataAnswer, run_spec
from handlers.answers.data_spec import QuerySpec, parse_data_question
from handlers.answers.refusal import is_write_attempt
from handlers.answers.route import RouteDecision, route_question, title_key
from handlers.answers.sql_guard import SQLRefused
from handlers.answers.text import format_number, normalise_question
from handlers.answers.text_to_sql import SqlAnswer, answer_with_sql
from handlers.answers.vocabulary import Vocabulary, vocabulary_fingerprint

log = logging.getLogger(__name__)

EXCERPT_CHARS = 240


@dataclass
class Answered:
    """Everything about one answer: the reply, and the data behind it for evaluation."""

    question: str
    route: str  # data | documents | refused
    reply: Reply
    decision: RouteDecision | None = None
    data: DataAnswer | None = None
    sql_answer: SqlAnswer | None = None
    documents: Any = None  # handlers.documents.answer.DocumentAnswer

    @property
    def value(self) -> Any:
        if self.data is not None:
            return self.data.value
        if self.sql_answer is not None:
            return self.sql_answer.value
        return None

    @property
    def leads(self) -> list[str]:
        if self.data is not None:
            return list(self.data.leads)
        if self.sql_answer is not None:
            return self.sql_answer.leads
        return []

    @property
    def sql(self) -> str | None:
        if self.data is not None:
            return self.data.sql_text
        if self.sql_answer is not None:
            return self.sql_answer.sql
        return None

    @property
    def sources(self) -> list[str]:
        return list(self.documents.sources) if self.documents is not None else []


class Answerer:
    def __init__(self, *, ctx: Any, store: Any = None, llm: Any = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.ctx = ctx
        self._store = store
        self.llm = llm
        self.clock = clock
        self._vocab_cache: tuple[tuple[Any, ...], Vocabulary] | None = None
        self._names_cache: tuple[Any, list[str], list[str]] | None = None

    # -- the document store, opened on first use (it loads the embedding model) ---------------
    @property
    def store(self) -> Any:
        if self._store is None:
            from handlers.documents.store import store_from_settings

            self._store = store_from_settings(self.ctx.settings)
        return self._store

    def _document_names(self) -> tuple[list[str], list[str]]:
        """Projects and title keys of the ingested documents, recomputed only when the store's
        (cached) list of documents changes."""
        try:
            docs = self.store.cached_documents()
        except Exception:  # the store may be unreachable (a Chroma server down): data still works
            log.warning("document store unavailable", exc_info=True)
            return [], []
        if self._names_cache is None or self._names_cache[0] is not docs:
            projects = sorted({d.project for d in docs if d.project})
            titles = sorted({title_key(d.title) for d in docs if d.title})
            self._names_cache = (docs, projects, titles)
        return self._names_cache[1], self._names_cache[2]

    # -- answering ----------------------------------------------------------------------------
    def answer(self, question: str, *, session: Session, agent: Agent, now: datetime | None = None) -> Reply:
        return self.respond(question, session=session, agent=agent, now=now).reply

    def respond(self, question: str, *, session: Session, agent: Agent, now: datetime | None = None) -> Answered:
        now = self._local_now(agent, now)
        if is_write_attempt(question):
            return Answered(question, "refused", _refusal())
        text = normalise_question(question)
        projects, titles = self._document_names()
        vocab = self._vocabulary(session, projects)
        mentions = vocab.find(text, question)
        spec = parse_data_question(question, text, vocab=vocab, now=now, asker_id=agent.id, mentions=mentions)
        own = None if agent.is_admin else frozenset(l.id for l in vocab.leads if l.owner_id == agent.id)
        decision = route_question(text, mentions=mentions, titles=titles,
                                  doc_words=self._document_words(spec.unknown_words), asker_lead_ids=own)
        if decision.route == "data":
            return self._data(question, spec, session=session, agent=agent, now=now, vocab=vocab, decision=decision)
        return self._documents(question, decision=decision)

    def _document_words(self, words: tuple[str, ...]) -> list[str]:
        """The words among ``words`` that some document passage holds (as the keyword index
        stems them); none when no document is ingested or the store cannot be read."""
        if not words:
            return []
        from handlers.documents.text import terms

        try:
            if not self.store.cached_documents():
                return []
            postings = self.store.lexical_index().postings
        except Exception:  # the store may be unreachable: routing then goes by rules alone
            log.warning("document store unavailable", exc_info=True)
            return []
        return [w for w in words if any(t in postings for t in terms(w))]

    def _vocabulary(self, session: Session, projects: list[str]) -> Vocabulary:
        """The CRM's names, reloaded whenever leads or agents changed (a one-row query tells)."""
        key = (id(session.get_bind()), tuple(projects), *vocabulary_fingerprint(session))
        cached = self._vocab_cache
        if cached is not None and cached[0] == key:
            return cached[1]
        vocab = Vocabulary.load(session, extra_projects=projects)
        self._vocab_cache = (key, vocab)
        return vocab

    def _local_now(self, agent: Agent, now: datetime | None) -> datetime:
        try:
            tz = ZoneInfo(agent.timezone or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            tz = ZoneInfo("UTC")
        if now is None:
            now = self.clock() if self.clock else datetime.now(tz)
        if now.tzinfo is None:
            return now.replace(tzinfo=tz)
        return now.astimezone(tz)

    def _data(self, question: str, spec: QuerySpec, *, session: Session, agent: Agent, now: datetime,
              vocab: Vocabulary, decision: RouteDecision) -> Answered:
        if self.llm is not None and not spec.confident:
            try:
                sql_answer = answer_with_sql(question, llm=self.llm, session=session, agent=agent, now=now,
                                             own_only=spec.mine)
            except SQLRefused as refused:
                return Answered(question, "data", _refusal(str(refused)), decision=decision)
            except Exception:  # the model's endpoint failed: the offline answer is still worth giving
                log.warning("text-to-SQL failed; answering offline", exc_info=True)
                sql_answer = None
            if sql_answer is not None:
                return Answered(question, "data", _sql_reply(sql_answer, yours=not agent.is_admin or spec.mine),
                                decision=decision, sql_answer=sql_answer)
        if spec.recognised == 0 and spec.unknown_words and not spec.lead_ids:
            reply = Reply(text=render("answers/unanswerable.j2", kind="data"), kind="answer")
            return Answered(question, "data", reply, decision=decision)
        data = run_spec(question, spec, session=session, agent=agent, now=now, vocab=vocab)
        return Answered(question, "data", _data_reply(data, agent=agent, now=now), decision=decision, data=data)

    def _documents(self, question: str, *, decision: RouteDecision) -> Answered:
        from handlers.documents.answer import answer_from_documents, render_document_answer

        try:
            doc = answer_from_documents(question, store=self.store, k=4, llm=self.llm)
        except Exception:
            log.warning("document answer failed", exc_info=True)
            reply = Reply(text=render("answers/unanswerable.j2", kind="documents_unavailable"), kind="answer",
                          ephemeral=True)
            return Answered(question, "documents", reply, decision=decision)
        sources = tuple(Source(title=c.title, ref=c.doc_id, detail=_citation_detail(c), excerpt=_excerpt(c.passage))
                        for c in doc.citations)
        reply = Reply(text=render_document_answer(doc, with_sources=False), kind="answer", sources=sources)
        return Answered(question, "documents", reply, decision=decision, documents=doc)


# --- replies -----------------------------------------------------------------------------------

def _refusal(reason: str = "") -> Reply:
    return Reply(text=render("answers/refusal.j2", reason=reason), kind="answer", ephemeral=True)


def value_text(value: Any, *, tz: Any = None) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return "–".join(format_number(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return format_number(value)
    if isinstance(value, datetime):
        return (value.astimezone(tz) if tz else value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _order_words(spec: QuerySpec) -> str:
    column, descending = spec.order or ("budget", True)
    if column.startswith("budget"):
        return ("highest " if descending else "lowest ") + ("minimum budget" if column == "budget_min" else "budget")
    if column == "created_at":
        return "newest" if descending else "oldest"
    return "most recently contacted" if descending else "longest since contact"


def _data_reply(data: DataAnswer, *, agent: Agent, now: datetime) -> Reply:
    tz = now.tzinfo
    yours = data.scope == "own"
    field_words = ""
    if data.kind == "field" and len(data.leads) == 1:
        row = data.table[1] if len(data.table) > 1 else ()
        field_words = render("answers/data_field.j2", field=data.spec.field or "summary", lead=data.leads[0],
                             value=data.value, value_text=value_text(data.value, tz=tz), row=row,
                             overdue=isinstance(data.value, datetime) and data.value.tzinfo is not None and data.value < now)
    kinds = data.spec.interaction_kinds
    text = render("answers/data.j2", a=data, value_text=value_text(data.value, tz=tz), yours=yours,
                  order_text=_order_words(data.spec), field_words=field_words,
                  kinds_text=" or ".join(k + "s" for k in kinds) if kinds else "interactions")
    show_table = data.kind not in ("count", "sum", "avg", "max", "min", "not_allowed", "not_found") or (
        data.kind == "count" and data.total_rows > 0)
    table = data.table if show_table and len(data.table) > 1 else ()
    return Reply(text=text, kind="answer", table=table,
                 sources=(Source(title="CRM data", ref="sql", detail=data.sql_text),) if data.sql else ())


def _sql_reply(answer: SqlAnswer, *, yours: bool) -> Reply:
    rows = answer.result.rows
    single = value_text(answer.value) if answer.value is not None else ""
    text = render("answers/sql_answer.j2", answer=answer, value_text=single, yours=yours)
    table: tuple[tuple[str, ...], ...] = ()
    if rows and not single:
        table = (tuple(answer.result.columns), *[tuple(value_text(v) if v is not None else "-" for v in r)
                                                  for r in rows[:20]])
    return Reply(text=text, kind="answer", table=table, sources=(Source(title="CRM data", ref="sql", detail=answer.sql),))


def _citation_detail(c: Any) -> str:
    parts = [p for p in (c.project, f"p. {c.page}" if c.page else "", c.heading) if p]
    return " · ".join(parts)


def _excerpt(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"
