"""Fixtures for the document tests: a real Chroma store in a temporary directory, the fixture
documents, and (for the multi-process path) a real Chroma server started from the venv."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from handlers.documents.store import DocumentStore, open_store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "documents"


@pytest.fixture
def fixture_docs(tmp_path: Path) -> Path:
    """A private copy of the fixture documents, so tests may change them."""
    target = tmp_path / "docs"
    shutil.copytree(FIXTURES, target)
    return target


@pytest.fixture
def store(tmp_path: Path) -> DocumentStore:
    return open_store(path=tmp_path / "chroma")


@pytest.fixture(scope="module")
def loaded_store(tmp_path_factory: pytest.TempPathFactory) -> DocumentStore:
    """The fixture documents ingested once for the read-only tests of a module."""
    from handlers.documents.ingest import ingest_paths

    s = open_store(path=tmp_path_factory.mktemp("chroma"))
    report = ingest_paths([FIXTURES], store=s, progress=False)
    assert not report.failed
    return s


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A real Chroma server (`chroma run`, shipped with chromadb) on a free local port."""
    port = _free_port()
    exe = Path(sys.executable).with_name("chroma")
    log = tmp_path_factory.mktemp("chroma-server") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(exe), "run", "--path", str(log.parent / "data"), "--host", "127.0.0.1",
                                 "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("chroma server did not start:\n" + log.read_text(errors="replace"))
            time.sleep(0.1)
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
