"""The demo documents and their question set (bench/documents_questions.json) stay answerable."""
import json
from pathlib import Path

import pytest

from handlers.documents.answer import answer_from_documents
from handlers.documents.ingest import ingest_paths
from handlers.documents.retrieve import retrieve
from handlers.documents.store import open_store

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = json.loads((ROOT / "bench" / "documents_questions.json").read_text())["questions"]


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    store = open_store(path=tmp_path_factory.mktemp("demo-chroma"))
    report = ingest_paths([ROOT / "data" / "demo" / "documents"], store=store, progress=False)
    assert not report.failed
    return store


def test_every_demo_document_has_a_title_and_a_project(demo_store):
    docs = demo_store.documents()
    assert {d.doc_id for d in docs} >= {"harbour-view", "beachgate", "maple-heights", "riverside-lofts",
                                        "cedar-park", "sales-playbook"}
    assert all(d.title and d.project for d in docs)


def test_the_right_document_is_in_the_top_four_for_nearly_every_question(demo_store):
    hits = 0
    for q in QUESTIONS:
        got = retrieve(q["q"], store=demo_store, k=4)
        hits += any(p.doc_id == q["source"] and all(w.lower() in p.text.lower() for w in q["contains"])
                    for p in got)
    assert hits / len(QUESTIONS) >= 0.95


def test_most_extractive_answers_quote_the_expected_words(demo_store):
    good = 0
    for q in QUESTIONS:
        answer = answer_from_documents(q["q"], store=demo_store)
        good += answer.found and all(w.lower() in answer.text.lower() for w in q["contains"])
    assert good / len(QUESTIONS) >= 0.85
