"""Where passages live: one Chroma collection per embedding space.

Local use gets a ``PersistentClient`` under the data directory. Chroma's persistent client is
not safe across processes (stale reads, "readonly database" errors), so several processes
(web + worker + CLI) must share a Chroma server through ``HttpClient``: that is what setting
``CHROMA_HOST`` selects.

Every passage carries its document's fields, and passage 0 of a document doubles as the
document's record (sha256, passage count, pages without text), so a document and its passages
are replaced together and no second registry can drift from the collection.

Each write also stores a new random token in a one-record state collection. Reading it costs
about a millisecond, so every process (sharing a server) sees at once when its cached document
list and keyword index are stale, without re-reading them on every question.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence
from urllib.parse import urlsplit

import numpy as np

from handlers.documents.embedding import (
    EmbeddingChoice,
    MiniLMEmbeddingFunction,
    OpenAICompatibleEmbeddingFunction,
    embedding_function_for,
)
from handlers.documents.lexical import LexicalIndex

Embedder = MiniLMEmbeddingFunction | OpenAICompatibleEmbeddingFunction

COLLECTION_PREFIX = "crmbot-passages"
STATE_PREFIX = "crmbot-state"


@dataclass(frozen=True)
class DocumentInfo:
    doc_id: str
    title: str
    project: str | None
    source: str | None
    kind: str
    sha256: str
    passages: int
    pages_without_text: tuple[int, ...]
    ingested_at: str
    pipeline: int = 0

    @classmethod
    def from_metadata(cls, meta: dict[str, Any]) -> "DocumentInfo":
        return cls(
            doc_id=str(meta["doc_id"]), title=str(meta.get("title") or meta["doc_id"]),
            project=meta.get("project") or None, source=meta.get("source") or None,
            kind=str(meta.get("kind") or ""), sha256=str(meta.get("sha256") or ""),
            passages=int(meta.get("passage_count") or 0),
            pages_without_text=tuple(json.loads(meta.get("pages_without_text") or "[]")),
            ingested_at=str(meta.get("ingested_at") or ""),
            pipeline=int(meta.get("pipeline") or 0),
        )


@dataclass(frozen=True)
class StoredPassage:
    id: str
    text: str
    metadata: dict[str, Any]
    distance: float | None = None

    @property
    def similarity(self) -> float:
        """Cosine similarity (the collection's space is cosine: distance = 1 - cosine)."""
        return 1.0 - float(self.distance) if self.distance is not None else 0.0


@dataclass
class DocumentStore:
    """A Chroma client, the embedding function, and the collection they share."""

    client: Any
    embedder: Embedder
    _collection: Any = field(default=None, repr=False)
    _state: Any = field(default=None, repr=False)
    _documents_cache: tuple[str | None, list[DocumentInfo]] | None = field(default=None, repr=False)
    _lexical: LexicalIndex | None = field(default=None, repr=False)

    @property
    def collection_name(self) -> str:
        return f"{COLLECTION_PREFIX}-{self.embedder.key}"

    @property
    def collection(self) -> Any:
        if self._collection is None:
            # Always name our function: chromadb's default would download a model.
            self._collection = self.client.get_or_create_collection(
                self.collection_name,
                embedding_function=self.embedder,
                configuration={"hnsw": {"space": "cosine"}},
            )
        return self._collection

    @property
    def state_collection(self) -> Any:
        if self._state is None:
            # One record, written with a fixed one-dimensional vector and never searched; our
            # function is named only so that chromadb's default is never attached to it.
            self._state = self.client.get_or_create_collection(
                f"{STATE_PREFIX}-{self.embedder.key}", embedding_function=self.embedder)
        return self._state

    def state_token(self) -> str | None:
        """Changes on every write to the store, from any process."""
        got = self.state_collection.get(ids=["state"], include=["metadatas"])
        metas = got["metadatas"] or []
        return str(metas[0].get("token")) if metas and metas[0] else None

    def _changed(self) -> None:
        self.state_collection.upsert(ids=["state"], embeddings=[[1.0]], metadatas=[{"token": uuid.uuid4().hex}])
        self._documents_cache = None

    def warm(self) -> None:
        """Load the model, the document list and the keyword index now (a long-running process
        calls this at start so its first question does not wait: ~2-4 s with 10,000 passages)."""
        self.embed(["warm up"])
        self.cached_documents()
        self.lexical_index()

    # -- vectors -----------------------------------------------------------------------------
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.embedder.encode(list(texts))

    # -- documents ---------------------------------------------------------------------------
    def documents(self, *, project: str | None = None) -> list[DocumentInfo]:
        where: dict[str, Any] = {"passage_index": 0}
        if project:
            where = {"$and": [where, {"project": project}]}
        got = self.collection.get(where=where, include=["metadatas"])
        docs = [DocumentInfo.from_metadata(m) for m in got["metadatas"] or []]
        return sorted(docs, key=lambda d: (d.project or "", d.title.lower(), d.doc_id))

    def cached_documents(self) -> list[DocumentInfo]:
        """The document list, re-read only when the store changed (in any process)."""
        token = self.state_token()
        if self._documents_cache is None or self._documents_cache[0] != token:
            self._documents_cache = (token, self.documents())
        return self._documents_cache[1]

    def lexical_index(self) -> LexicalIndex:
        """The keyword index of all passages, rebuilt only when the store changed."""
        token = self.state_token()
        if self._lexical is None or self._lexical.fingerprint != token:
            self._lexical = LexicalIndex.build(self._searchable_passages(), fingerprint=token)
        return self._lexical

    def _searchable_passages(self) -> Iterable[tuple[str, str]]:
        page = self._max_batch()
        offset = 0
        while True:
            got = self.collection.get(include=["documents", "metadatas"], limit=page, offset=offset)
            for pid, text, meta in zip(got["ids"], got["documents"], got["metadatas"]):
                meta = meta or {}
                yield pid, f"{meta.get('title', '')}\n{meta.get('heading', '')}\n{text or ''}"
            if len(got["ids"]) < page:
                return
            offset += page

    def document(self, doc_id: str) -> DocumentInfo | None:
        got = self.collection.get(where={"$and": [{"doc_id": doc_id}, {"passage_index": 0}]},
                                  include=["metadatas"])
        metas = got["metadatas"] or []
        return DocumentInfo.from_metadata(metas[0]) if metas else None

    def remove_document(self, doc_id: str) -> int:
        """Delete a document's passages; returns how many there were."""
        ids = self.collection.get(where={"doc_id": doc_id}, include=[])["ids"]
        for batch in _batches(ids, self._max_batch()):
            self.collection.delete(ids=batch)
        if ids:
            self._changed()
        return len(ids)

    def replace_document(self, doc_id: str, *, ids: Sequence[str], texts: Sequence[str],
                         embeddings: np.ndarray, metadatas: Sequence[dict[str, Any]]) -> None:
        """Swap a document's passages for new ones (old ones first: ids may be reused)."""
        self.remove_document(doc_id)
        size = self._max_batch()
        for start in range(0, len(ids), size):
            end = start + size
            self.collection.add(ids=list(ids[start:end]), documents=list(texts[start:end]),
                                embeddings=embeddings[start:end], metadatas=list(metadatas[start:end]))
        self._changed()

    # -- search ------------------------------------------------------------------------------
    def query(self, embedding: np.ndarray, *, n: int, where: dict[str, Any] | None = None) -> list[StoredPassage]:
        # Chroma returns fewer than n_results when it holds fewer, and nothing when empty.
        got = self.collection.query(query_embeddings=[embedding], n_results=n, where=where,
                                    include=["documents", "metadatas", "distances"])
        return [StoredPassage(id=i, text=t or "", metadata=m or {}, distance=d)
                for i, t, m, d in zip(got["ids"][0], got["documents"][0], got["metadatas"][0],
                                      got["distances"][0])]

    def passages(self, ids: Sequence[str], *, near: np.ndarray | None = None) -> list[StoredPassage]:
        """Passages by id; with ``near``, each carries its cosine distance to that vector."""
        if not ids:
            return []
        include = ["documents", "metadatas"] + (["embeddings"] if near is not None else [])
        got = self.collection.get(ids=list(ids), include=include)
        vectors = got.get("embeddings") if near is not None else None
        by_id = {}
        for n, (i, t, m) in enumerate(zip(got["ids"], got["documents"], got["metadatas"])):
            distance = None
            if vectors is not None:
                distance = 1.0 - float(np.dot(np.asarray(vectors[n], dtype=np.float32), near))
            by_id[i] = StoredPassage(id=i, text=t or "", metadata=m or {}, distance=distance)
        return [by_id[i] for i in ids if i in by_id]

    def count(self) -> int:
        return int(self.collection.count())

    def _max_batch(self) -> int:
        try:
            return max(1, min(5000, int(self.client.get_max_batch_size())))
        except Exception:  # older servers do not report it; 1000 is safely below every limit
            return 1000


def _batches(items: Sequence[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False)


def open_store(*, path: Path | str | None = None, host: str | None = None, port: int = 8000,
               embedder: Embedder | None = None) -> DocumentStore:
    """A store on a Chroma server when ``host`` is given, else a local one under ``path``."""
    import chromadb

    embedder = embedder or MiniLMEmbeddingFunction()
    if host:
        parts = urlsplit(host if "://" in host else f"http://{host}")
        client = chromadb.HttpClient(host=parts.hostname or host, port=parts.port or port,
                                     ssl=parts.scheme == "https", settings=_chroma_settings())
    else:
        if path is None:
            raise ValueError("a local document store needs a path")
        Path(path).mkdir(parents=True, exist_ok=True)
        client = chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
    return DocumentStore(client=client, embedder=embedder)


def store_from_settings(settings: Any) -> DocumentStore:
    """The store and embedding function that ``Settings`` select (CHROMA_HOST,
    CRMBOT_EMBEDDING_MODEL + OPENAI_BASE_URL/OPENAI_API_KEY, CRMBOT_DATA_DIR)."""
    embedder = embedding_function_for(EmbeddingChoice(
        model=settings.embedding_model, base_url=settings.openai_base_url,
        api_key=settings.openai_api_key))
    return open_store(path=settings.chroma_path, host=settings.chroma_host, port=settings.chroma_port,
                      embedder=embedder)
