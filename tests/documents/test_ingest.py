import json

import pytest

from crm.errors import InvalidInput
from handlers.documents.ingest import TextSource, ingest_paths, ingest_texts
from tests.documents.pdfgen import HILLSIDE_PAGES, make_pdf


def metadatas(store, doc_id):
    got = store.collection.get(where={"doc_id": doc_id}, include=["metadatas", "documents"])
    return sorted(zip(got["metadatas"], got["documents"]), key=lambda m: m[0]["passage_index"])


def test_a_folder_is_ingested_with_title_project_source_and_heading_on_every_passage(store, fixture_docs):
    report = ingest_paths([fixture_docs], store=store, progress=False)
    assert sorted(d.doc_id for d in report.added) == ["oakwood-grove", "price-sheet", "seaview-court"]
    assert report.passages == store.count() > 3
    rows = metadatas(store, "seaview-court")
    meta, text = rows[0]
    assert meta["title"] == "Seaview Court brochure"
    assert meta["project"] == "Seaview Court"
    assert meta["source"] == str((fixture_docs / "seaview-court.md").resolve())
    assert meta["passage_count"] == len(rows)
    assert [m["heading"] for m, _ in rows] == ["Location · Amenities", "Prices · Payment plan"]
    assert "page" not in meta  # Markdown has no pages


def test_a_file_without_an_id_is_named_after_its_file_and_titled_from_its_heading(store, fixture_docs):
    report = ingest_paths([fixture_docs / "price-sheet.txt"], store=store, progress=False)
    [doc] = report.added
    assert (doc.doc_id, doc.title, doc.project) == ("price-sheet", "Spring price sheet", None)


def test_an_unchanged_file_is_skipped(store, fixture_docs):
    ingest_paths([fixture_docs], store=store, progress=False)
    before = metadatas(store, "seaview-court")
    report = ingest_paths([fixture_docs], store=store, progress=False)
    assert [d.status for d in report.documents] == ["unchanged"] * 3
    assert report.passages == 0
    assert metadatas(store, "seaview-court") == before


def test_a_changed_file_replaces_all_its_passages(store, fixture_docs):
    ingest_paths([fixture_docs], store=store, progress=False)
    path = fixture_docs / "seaview-court.md"
    path.write_text(path.read_text().split("## Location")[0] + "## Update\n\nThe sauna is now open.\n")
    report = ingest_paths([path], store=store, progress=False)
    assert [d.status for d in report.documents] == ["replaced"]
    rows = metadatas(store, "seaview-court")
    assert len(rows) == report.passages == rows[0][0]["passage_count"]
    text = "\n".join(t for _, t in rows)
    assert "sauna is now open" in text and "Cliff Road" not in text
    assert store.document("oakwood-grove") is not None  # other documents untouched


def test_project_given_on_the_command_line_wins_and_a_new_project_reingests(store, fixture_docs):
    ingest_paths([fixture_docs / "price-sheet.txt"], store=store, progress=False)
    report = ingest_paths([fixture_docs / "price-sheet.txt"], store=store, project="Seaview Court",
                          title="Seaview prices", progress=False)
    assert [d.status for d in report.documents] == ["replaced"]
    info = store.document("price-sheet")
    assert (info.project, info.title) == ("Seaview Court", "Seaview prices")


def test_a_title_for_several_documents_is_refused(store, fixture_docs):
    with pytest.raises(InvalidInput, match="single file"):
        ingest_paths([fixture_docs], store=store, title="One title", progress=False)


def test_pdf_pages_without_text_are_reported_and_kept_with_the_document(store, tmp_path):
    path = tmp_path / "hillside.pdf"
    path.write_bytes(make_pdf(HILLSIDE_PAGES, title="Hillside Mews price list"))
    report = ingest_paths([path], store=store, project="Hillside Mews", progress=False)
    [doc] = report.added
    assert doc.pages_without_text == (2,)
    assert report.pages_without_text == [("hillside", 2)]
    assert store.document("hillside").pages_without_text == (2,)
    pages = sorted(m["page"] for m, _ in metadatas(store, "hillside"))
    assert pages == [1, 3]


def test_a_pdf_with_no_text_at_all_is_reported_not_silently_dropped(store, tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([None, None]))
    report = ingest_paths([path], store=store, progress=False)
    [doc] = report.failed
    assert doc.status == "empty"
    assert "no text layer" in doc.reason
    assert doc.pages_without_text == (1, 2)


def test_unreadable_and_unsupported_files_are_reported_and_the_rest_ingested(store, fixture_docs, tmp_path):
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 nonsense")
    (tmp_path / "plan.docx").write_bytes(b"PK")
    report = ingest_paths([fixture_docs / "seaview-court.md", tmp_path / "broken.pdf", tmp_path / "plan.docx",
                           tmp_path / "missing.md"], store=store, progress=False)
    assert [d.doc_id for d in report.added] == ["seaview-court"]
    reasons = {d.doc_id: d.reason for d in report.failed}
    assert "not a readable PDF" in reasons["broken"]
    assert "unsupported file type" in reasons["plan"]
    assert reasons["missing"] == "no such file"


def test_removing_a_document_deletes_its_passages_only(store, fixture_docs):
    ingest_paths([fixture_docs], store=store, progress=False)
    total = store.count()
    removed = store.remove_document("oakwood-grove")
    assert removed > 0 and store.count() == total - removed
    assert sorted(d.doc_id for d in store.documents()) == ["price-sheet", "seaview-court"]
    assert store.remove_document("oakwood-grove") == 0


def test_documents_can_be_listed_by_project(store, fixture_docs):
    ingest_paths([fixture_docs], store=store, progress=False)
    assert [d.doc_id for d in store.documents(project="Oakwood Grove")] == ["oakwood-grove"]


def test_texts_from_an_evaluation_file_are_ingested_with_their_ids(store):
    report = ingest_texts([TextSource(doc_id="beachgate", title="Beachgate brochure", project="Beachgate",
                                      text="Beachgate has a gym and an outdoor pool.")], store=store)
    assert [d.doc_id for d in report.added] == ["beachgate"]
    info = store.document("beachgate")
    assert (info.title, info.project, info.passages) == ("Beachgate brochure", "Beachgate", 1)
    assert json.loads(store.collection.get(ids=["beachgate#00000"])["metadatas"][0]["pages_without_text"]) == []


def test_two_files_with_the_same_id_are_not_allowed_to_overwrite_each_other(store, tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "notes.md").write_text(f"# Notes {folder}\n\nText of folder {folder}.\n")
    report = ingest_paths([tmp_path / "a", tmp_path / "b"], store=store, progress=False)
    assert [d.status for d in report.documents] == ["added", "failed"]
    assert "same document id" in report.documents[1].reason
    assert store.document("notes").title == "Notes a"
