"""Ingest files (or in-memory texts) into the document store.

A document is identified by its ``id`` (front matter / ``<meta name="doc-id">``) or else by its
file name. Its sha256, title, project and the splitting version are kept with its passages:
when all match, the document is skipped; otherwise its passages are replaced as a whole.
Pages of a PDF with no text layer (scans) are reported, never silently dropped.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from crm.errors import InvalidInput
from handlers.documents.parse import KINDS, ParsedDocument, UnreadableDocument, kind_of, parse_file, parse_text_as
from handlers.documents.passages import Passage, split_passages
from handlers.documents.progress import progress_bar
from handlers.documents.store import DocumentInfo, DocumentStore

# Bump when parsing or splitting changes, so unchanged files are split again on next ingest.
PIPELINE_VERSION = 1
EMBED_CHUNK = 256  # passages embedded per progress step (the model batches by 32 inside)


@dataclass(frozen=True)
class TextSource:
    """A document given as text (e.g. from an evaluation file) rather than a path."""

    doc_id: str
    text: str
    title: str | None = None
    project: str | None = None
    kind: str = "markdown"
    source: str | None = None


@dataclass
class DocumentResult:
    doc_id: str
    title: str
    project: str | None
    source: str | None
    status: str  # added | replaced | unchanged | empty | failed
    passages: int = 0
    pages_without_text: tuple[int, ...] = ()
    reason: str | None = None


@dataclass
class IngestReport:
    documents: list[DocumentResult] = field(default_factory=list)
    seconds: float = 0.0

    def _with(self, *statuses: str) -> list[DocumentResult]:
        return [d for d in self.documents if d.status in statuses]

    @property
    def added(self) -> list[DocumentResult]:
        return self._with("added")

    @property
    def replaced(self) -> list[DocumentResult]:
        return self._with("replaced")

    @property
    def unchanged(self) -> list[DocumentResult]:
        return self._with("unchanged")

    @property
    def failed(self) -> list[DocumentResult]:
        return self._with("failed", "empty")

    @property
    def passages(self) -> int:
        return sum(d.passages for d in self._with("added", "replaced"))

    @property
    def pages_without_text(self) -> list[tuple[str, int]]:
        return [(d.doc_id, p) for d in self.documents for p in d.pages_without_text]

    @property
    def passages_per_second(self) -> float:
        return self.passages / self.seconds if self.seconds > 0 else 0.0


@dataclass
class _Pending:
    result: DocumentResult
    sha256: str
    kind: str
    passages: list[Passage]
    vectors: np.ndarray | None = None


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:120] or "document"


def humanize(stem: str) -> str:
    return re.sub(r"[-_]+", " ", stem).strip().title() or stem


def expand_paths(paths: Iterable[Path | str]) -> tuple[list[Path], list[DocumentResult]]:
    """Files to ingest (directories walked for supported types) and paths that cannot be."""
    files: list[Path] = []
    problems: list[DocumentResult] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and kind_of(p)
                                and not any(part.startswith(".") for part in p.relative_to(path).parts)))
        elif path.is_file():
            if kind_of(path):
                files.append(path)
            else:
                problems.append(_failure(path, f"unsupported file type (use {', '.join(sorted(KINDS))})"))
        else:
            problems.append(_failure(path, "no such file"))
    return list(dict.fromkeys(files)), problems


def _failure(path: Path, reason: str) -> DocumentResult:
    return DocumentResult(doc_id=slugify(path.stem), title=path.name, project=None,
                          source=str(path), status="failed", reason=reason)


def ingest_paths(paths: Sequence[Path | str], *, store: DocumentStore, project: str | None = None,
                 title: str | None = None, progress: bool = True) -> IngestReport:
    """Ingest files and directories. ``project``/``title`` override what the files say;
    ``title`` names a single document, so it is refused when several are given."""
    started = time.perf_counter()
    files, problems = expand_paths(paths)
    if title and len(files) > 1:
        raise InvalidInput("--title names one document; give a single file")
    pending: list[_Pending] = []
    report = IngestReport(documents=list(problems))
    for path in progress_bar(files, desc="reading", unit="file", enabled=progress and len(files) > 1):
        try:
            raw_bytes = path.read_bytes()
            parsed = parse_file(path)
        except UnreadableDocument as exc:
            report.documents.append(_failure(path, str(exc)))
            continue
        except OSError:
            report.documents.append(_failure(path, "cannot be read"))
            continue
        pending.append(_prepare(parsed, sha256=hashlib.sha256(raw_bytes).hexdigest(),
                                fallback_id=slugify(path.stem), fallback_title=humanize(path.stem),
                                source=str(path.resolve()), project=project, title=title))
    _store_all(pending, store=store, progress=progress, report=report)
    report.seconds = time.perf_counter() - started
    return report


def ingest_texts(sources: Iterable[TextSource], *, store: DocumentStore, progress: bool = False) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport()
    pending = []
    for src in sources:
        parsed = parse_text_as(src.kind, src.text)
        sha = hashlib.sha256(src.text.encode("utf-8")).hexdigest()
        pending.append(_prepare(parsed, sha256=sha, fallback_id=src.doc_id, fallback_title=src.doc_id,
                                source=src.source, project=src.project, title=src.title, doc_id=src.doc_id))
    _store_all(pending, store=store, progress=progress, report=report)
    report.seconds = time.perf_counter() - started
    return report


def _prepare(parsed: ParsedDocument, *, sha256: str, fallback_id: str, fallback_title: str,
             source: str | None, project: str | None, title: str | None, doc_id: str | None = None) -> _Pending:
    result = DocumentResult(
        doc_id=doc_id or (slugify(parsed.doc_id) if parsed.doc_id else fallback_id),
        title=title or parsed.title or fallback_title,
        project=project or parsed.project,
        source=source, status="added",
        pages_without_text=tuple(parsed.pages_without_text),
    )
    passages = split_passages(parsed.blocks)
    return _Pending(result=result, sha256=sha256, kind=parsed.kind, passages=passages)


def _is_unchanged(existing: DocumentInfo, item: _Pending) -> bool:
    return (existing.sha256 == item.sha256 and existing.title == item.result.title
            and existing.project == item.result.project and existing.source == item.result.source
            and existing.pipeline == PIPELINE_VERSION)


def _store_all(pending: list[_Pending], *, store: DocumentStore, progress: bool, report: IngestReport) -> None:
    work: list[_Pending] = []
    seen: dict[str, str | None] = {}
    for item in pending:
        doc = item.result
        if doc.doc_id in seen:
            # Two files with one id (same name in two folders): the second would silently replace the first.
            doc.status, doc.reason = "failed", f"same document id as {seen[doc.doc_id]}; give it an id in its front matter"
            report.documents.append(doc)
            continue
        seen[doc.doc_id] = doc.source
        existing = store.document(doc.doc_id)
        doc.status = "added" if existing is None else "replaced"
        if existing is not None and _is_unchanged(existing, item):
            doc.status = "unchanged"
            doc.passages = len(item.passages)
        elif not item.passages:
            doc.status = "empty"
            doc.reason = "no text layer on any page (scanned?)" if doc.pages_without_text else "no text found"
            store.remove_document(doc.doc_id)
        else:
            work.append(item)
        report.documents.append(doc)
    total = sum(len(item.passages) for item in work)
    with progress_bar(total=total, desc="embedding", unit="passage", enabled=progress and total > EMBED_CHUNK) as bar:
        # Documents are embedded in groups of about EMBED_CHUNK passages and written as each
        # group is done, so an interrupted ingest keeps what it finished.
        for group in _groups(work, EMBED_CHUNK):
            texts = [embedding_text(item.result, p) for item in group for p in item.passages]
            vectors = store.embed(texts)
            offset = 0
            for item in group:
                n = len(item.passages)
                item.vectors = vectors[offset:offset + n]
                offset += n
                _write(item, store=store)
                item.result.passages = n
            bar.update(len(texts))


def _groups(items: list[_Pending], size: int) -> Iterator[list[_Pending]]:
    group: list[_Pending] = []
    count = 0
    for item in items:
        group.append(item)
        count += len(item.passages)
        if count >= size:
            yield group
            group, count = [], 0
    if group:
        yield group


def embedding_text(doc: DocumentResult, passage: Passage) -> str:
    """What the model reads: the passage under its document title and heading path, so a
    question naming the project or the section ('Beachgate ... gym') lands on it."""
    header = doc.title
    if doc.project and doc.project.casefold() not in header.casefold():
        header = f"{doc.project}: {header}"
    if passage.heading:
        header = f"{header} > {passage.heading}"
    return f"{header}\n{passage.text}"


def passage_id(doc_id: str, index: int) -> str:
    return f"{doc_id}#{index:05d}"


def _write(item: _Pending, *, store: DocumentStore) -> None:
    doc = item.result
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    base = {
        "doc_id": doc.doc_id, "title": doc.title, "project": doc.project or "", "source": doc.source or "",
        "kind": item.kind, "sha256": item.sha256, "passage_count": len(item.passages),
        "pages_without_text": json.dumps(list(doc.pages_without_text)), "ingested_at": now,
        "pipeline": PIPELINE_VERSION,
    }
    metadatas = []
    for p in item.passages:
        meta = dict(base, passage_index=p.index, heading=p.heading)
        if p.page is not None:
            meta["page"] = p.page
        metadatas.append(meta)
    assert item.vectors is not None
    store.replace_document(doc.doc_id, ids=[passage_id(doc.doc_id, p.index) for p in item.passages],
                           texts=[p.text for p in item.passages], embeddings=item.vectors,
                           metadatas=metadatas)
