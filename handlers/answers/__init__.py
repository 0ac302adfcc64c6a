"""Answering questions from the CRM's data (safe, scoped SQL) and from documents (with sources)."""
from __future__ import annotations

from typing import Any

from handlers.answers.answerer import Answered, Answerer


def build_answerer(ctx: Any) -> Answerer:
    """The answerer an entry point uses: the configured LLM if any (OPENAI_BASE_URL /
    OPENAI_API_KEY), and the document store of the settings, opened on first use."""
    from handlers.documents.llm import chat_model_from_settings

    return Answerer(ctx=ctx, llm=chat_model_from_settings(ctx.settings))


__all__ = ["Answerer", "Answered", "build_answerer"]
