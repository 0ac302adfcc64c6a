"""What makes an email personal beyond the lead's fields: the best passages about the lead's
project from the team's documents, and (only when asked for and an LLM is configured) a short
paragraph written from those passages.

Both are optional and neither may stop a campaign: if the documents or the LLM are unavailable
the email goes out without them. The paragraph is only written when there are passages to
ground it in; the prompt (templates/campaigns/prompts/) tells the model to use nothing else.
Results are cached per (project, unit type), so a 10,000-lead campaign asks a handful of times
for passages, not 10,000.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Protocol

from jinja2.utils import concat

from bot.templating import template_env

log = logging.getLogger("crmbot.campaigns")

QUERY_TEMPLATE = "campaigns/prompts/passage_query.j2"
PARAGRAPH_TEMPLATE = "campaigns/prompts/personal_paragraph.j2"
MAX_PARAGRAPH_CHARS = 700
MAX_PASSAGE_CHARS = 400
CACHE_LIMIT = 256


class PassageFinder(Protocol):
    def __call__(self, *, query: str, project: str, limit: int) -> list[dict[str, str]]: ...


class ChatModel(Protocol):
    def complete(self, messages: list[dict[str, str]]) -> str: ...


def documents_finder(settings: Any) -> PassageFinder | None:
    """Passages from the document store (opened on first use: it loads an embedding model)."""
    try:
        from handlers.documents.retrieve import retrieve
        from handlers.documents.store import store_from_settings
    except ImportError:
        return None
    store = None

    def find(*, query: str, project: str, limit: int) -> list[dict[str, str]]:
        nonlocal store
        if store is None:
            store = store_from_settings(settings)
        return [{"text": p.text, "title": p.title, "heading": p.heading}
                for p in retrieve(query, store=store, k=limit, project=project)]

    return find


def chat_from_settings(settings: Any) -> ChatModel | None:
    try:
        from handlers.documents.llm import chat_model_from_settings
    except ImportError:
        return None
    return chat_model_from_settings(settings)


class Personaliser:
    def __init__(self, *, finder: PassageFinder | None = None, chat: ChatModel | None = None,
                 finder_factory: Callable[[], PassageFinder | None] | None = None) -> None:
        self._finder = finder
        self._finder_factory = finder_factory
        self.chat = chat
        self._passages: dict[tuple[str, str, int], list[dict[str, str]]] = {}
        self._paragraphs: dict[tuple[Any, ...], str] = {}

    def passages(self, *, lead: dict[str, Any], limit: int) -> list[dict[str, str]]:
        project = (lead.get("project") or "").strip()
        if limit <= 0 or not project:
            return []
        query = _render_block(QUERY_TEMPLATE, "query", lead=lead)
        key = (project.casefold(), query, limit)
        if key not in self._passages:
            if len(self._passages) > CACHE_LIMIT:
                self._passages.clear()
            self._passages[key] = self._find(query=query, project=project, limit=limit)
        return self._passages[key]

    def _find(self, *, query: str, project: str, limit: int) -> list[dict[str, str]]:
        if self._finder is None and self._finder_factory is not None:
            self._finder = self._finder_factory()
            self._finder_factory = None
        if self._finder is None:
            return []
        try:
            found = self._finder(query=query, project=project, limit=limit)
        except Exception:  # the documents are a nicety; the email goes out without them
            log.warning("passages unavailable", exc_info=True, extra={"project": project})
            return []
        return [{**p, "text": _clip(" ".join(str(p.get("text", "")).split()), MAX_PASSAGE_CHARS)} for p in found]

    def paragraph(self, *, lead: dict[str, Any], agent: dict[str, Any], campaign_name: str,
                  passages: list[dict[str, str]]) -> str:
        if self.chat is None or not passages:
            return ""
        key = (lead.get("email"), campaign_name, tuple(p["text"] for p in passages))
        if key in self._paragraphs:
            return self._paragraphs[key]
        ctx = {"lead": lead, "agent": agent, "campaign_name": campaign_name, "passages": passages}
        messages = [{"role": "system", "content": _render_block(PARAGRAPH_TEMPLATE, "system", **ctx)},
                    {"role": "user", "content": _render_block(PARAGRAPH_TEMPLATE, "user", **ctx)}]
        try:
            text = self.chat.complete(messages)
        except Exception:  # an LLM outage must not hold up a campaign
            log.warning("personal paragraph unavailable", exc_info=True)
            return ""
        paragraph = _clip(" ".join(text.split()), MAX_PARAGRAPH_CHARS)
        if len(self._paragraphs) > CACHE_LIMIT:
            self._paragraphs.clear()
        self._paragraphs[key] = paragraph
        return paragraph


def _render_block(name: str, block: str, **ctx: Any) -> str:
    template = template_env().get_template(name)
    return concat(template.blocks[block](template.new_context(ctx))).strip()


def _clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending at a sentence (or else a word) boundary."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    end = max(head.rfind(". "), head.rfind("! "), head.rfind("? "))
    if end > limit // 2:
        return head[: end + 1]
    return head.rsplit(" ", 1)[0].rstrip(",;:") + "…"
