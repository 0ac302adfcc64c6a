"""Answers from documents: offline embeddings, a Chroma store, ingestion, retrieval, answers.

    store = store_from_settings(settings)          # local Chroma, or a server when CHROMA_HOST is set
    ingest_paths([Path("docs")], store=store)      # PDF, Markdown, text, HTML
    answer = answer_from_documents("Does Beachgate have a gym?", store=store)

Names are loaded on first use so that importing the package stays cheap (chromadb and
onnxruntime load only when documents are actually used).
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "answer_from_documents": "handlers.documents.answer",
    "render_document_answer": "handlers.documents.answer",
    "DocumentAnswer": "handlers.documents.answer",
    "Citation": "handlers.documents.answer",
    "ingest_paths": "handlers.documents.ingest",
    "ingest_texts": "handlers.documents.ingest",
    "IngestReport": "handlers.documents.ingest",
    "TextSource": "handlers.documents.ingest",
    "retrieve": "handlers.documents.retrieve",
    "RetrievedPassage": "handlers.documents.retrieve",
    "DocumentStore": "handlers.documents.store",
    "open_store": "handlers.documents.store",
    "store_from_settings": "handlers.documents.store",
    "OpenAICompatibleChat": "handlers.documents.llm",
    "chat_model_from_settings": "handlers.documents.llm",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
