import pytest

from bot.cli import main
from tests.documents.pdfgen import HILLSIDE_PAGES, make_pdf


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CRMBOT_DATA_DIR", str(tmp_path / "var"))
    for name in ("CHROMA_HOST", "OPENAI_API_KEY", "OPENAI_BASE_URL", "CRMBOT_EMBEDDING_MODEL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "var"


def test_ingest_then_list_ask_and_remove(data_dir, fixture_docs, tmp_path, capsys):
    pdf = tmp_path / "hillside.pdf"
    pdf.write_bytes(make_pdf(HILLSIDE_PAGES, title="Hillside Mews price list"))
    assert main(["ingest", str(fixture_docs), str(pdf)]) == 0
    out = capsys.readouterr().out
    assert "added     seaview-court: Seaview Court brochure (Seaview Court)" in out
    assert "pages without a text layer (not searchable; scanned?): 2" in out
    assert "4 added, 0 replaced, 0 unchanged, 0 skipped" in out

    assert main(["ingest", str(fixture_docs / "seaview-court.md")]) == 0
    assert "unchanged seaview-court" in capsys.readouterr().out

    assert main(["docs", "list"]) == 0
    listing = capsys.readouterr().out
    for doc_id in ("hillside", "oakwood-grove", "price-sheet", "seaview-court"):
        assert doc_id in listing
    assert "1 pages without text" in listing

    assert main(["docs", "ask", "Does", "Oakwood", "Grove", "have", "a", "pool?"]) == 0
    reply = capsys.readouterr().out
    assert "heated indoor swimming pool" in reply and "[oakwood-grove]" in reply

    assert main(["docs", "remove", "oakwood-grove"]) == 0
    assert "removed oakwood-grove" in capsys.readouterr().out
    assert main(["docs", "list", "--project", "Oakwood Grove"]) == 0
    assert "no documents" in capsys.readouterr().out


def test_removing_an_unknown_document_is_one_clear_error(data_dir, capsys):
    assert main(["docs", "remove", "nothing-here"]) == 1
    assert "no document with id nothing-here" in capsys.readouterr().err


def test_ingest_with_a_project_and_title_for_one_file(data_dir, fixture_docs, capsys):
    assert main(["ingest", str(fixture_docs / "price-sheet.txt"), "--project", "Seaview Court",
                 "--title", "Seaview spring prices"]) == 0
    assert "price-sheet: Seaview spring prices (Seaview Court)" in capsys.readouterr().out


def test_ingest_of_only_bad_files_fails(data_dir, tmp_path, capsys):
    (tmp_path / "plan.docx").write_bytes(b"PK")
    assert main(["ingest", str(tmp_path / "plan.docx")]) == 1
    assert "unsupported file type" in capsys.readouterr().out
