import pytest

from handlers.documents.parse import (
    UnreadableDocument,
    parse_file,
    parse_html,
    parse_markdown,
    parse_plain,
    split_front_matter,
)
from tests.documents.conftest import FIXTURES
from tests.documents.pdfgen import HILLSIDE_PAGES, make_pdf


def test_markdown_front_matter_gives_id_title_and_project():
    doc = parse_file(FIXTURES / "seaview-court.md")
    assert (doc.doc_id, doc.title, doc.project) == ("seaview-court", "Seaview Court brochure", "Seaview Court")


def test_markdown_blocks_keep_their_heading_path_without_repeating_the_title():
    doc = parse_markdown("# Guide\n\nIntro.\n\n## Parking\n\n### Visitors\n\nVisitor bays by the gate.\n")
    assert [(b.text, b.headings) for b in doc.blocks] == [
        ("Intro.", ()), ("Visitor bays by the gate.", ("Parking", "Visitors"))]
    assert doc.title == "Guide"


def test_markdown_tables_become_one_readable_line_per_row():
    doc = parse_file(FIXTURES / "seaview-court.md")
    rows = [b.text for b in doc.blocks if b.headings == ("Prices",)]
    assert rows == ["Home: 1 bedroom; Size: 51 sq m; Price from: £289,000",
                    "Home: 2 bedroom; Size: 76 sq m; Price from: £415,000",
                    "Home: Penthouse; Size: 120 sq m; Price from: £780,000"]


def test_markdown_links_and_emphasis_are_reduced_to_their_words():
    doc = parse_file(FIXTURES / "seaview-court.md")
    intro = doc.blocks[0].text
    assert "designed by Arden Studio and is built to Passivhaus standards" in intro
    assert "](" not in intro and "**" not in intro


def test_markdown_list_items_are_separate_blocks():
    doc = parse_file(FIXTURES / "seaview-court.md")
    amenities = [b.text for b in doc.blocks if b.headings == ("Amenities",)]
    assert "Concierge from 8am to 6pm on weekdays" in amenities
    assert "Parcel room with cold lockers" in amenities


def test_front_matter_is_only_read_at_the_very_top():
    meta, body = split_front_matter("Intro\n---\nid: x\n---\n")
    assert meta == {} and body.startswith("Intro")


def test_html_uses_meta_tags_and_skips_scripts_styles_and_navigation():
    doc = parse_file(FIXTURES / "oakwood-grove.html")
    assert (doc.doc_id, doc.title, doc.project) == ("oakwood-grove", "Oakwood Grove brochure", "Oakwood Grove")
    text = " ".join(b.text for b in doc.blocks)
    assert "tracking" not in text and "color: red" not in text and "Cookie settings" not in text
    assert "House: The Fern; Bedrooms: 3; Price from: £410,000" in [b.text for b in doc.blocks]


def test_html_line_breaks_split_blocks_and_headings_carry_over():
    doc = parse_html("<h2>Amenities</h2><p>A gym.<br>A pool.</p><h2>Handover</h2><p>In <b>May</b>.</p>")
    assert [(b.text, b.headings) for b in doc.blocks] == [
        ("A gym.", ("Amenities",)), ("A pool.", ("Amenities",)), ("In May.", ("Handover",))]


def test_plain_text_finds_an_underlined_title_and_capital_headings():
    doc = parse_file(FIXTURES / "price-sheet.txt")
    assert doc.title == "Spring price sheet"
    by_heading = {b.headings: b.text for b in doc.blocks}
    assert set(by_heading) == {(), ("SEAVIEW COURT",), ("OAKWOOD GROVE",)}
    assert "£780,000" in by_heading[("SEAVIEW COURT",)]
    assert "£545,000" in by_heading[("OAKWOOD GROVE",)]


def test_plain_text_without_headings_is_split_into_paragraphs():
    doc = parse_plain("First paragraph here.\n\nSecond paragraph,\nwrapped over two lines.\n")
    assert [b.text for b in doc.blocks] == ["First paragraph here.", "Second paragraph, wrapped over two lines."]


def test_pdf_pages_without_a_text_layer_are_listed_and_pages_are_numbered(tmp_path):
    path = tmp_path / "hillside.pdf"
    path.write_bytes(make_pdf(HILLSIDE_PAGES, title="Hillside Mews price list"))
    doc = parse_file(path)
    assert doc.title == "Hillside Mews price list"
    assert doc.pages == 3 and doc.pages_without_text == [2]
    assert {b.page for b in doc.blocks} == {1, 3}
    payment = [b for b in doc.blocks if b.page == 3][0]
    assert payment.headings == ("Payment Plan",)
    assert "10% on exchange of contracts and 90% on completion" in payment.text


def test_a_broken_pdf_is_reported_as_unreadable(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\nthis is not really a pdf")
    with pytest.raises(UnreadableDocument, match="broken.pdf"):
        parse_file(path)


def test_an_unsupported_file_type_is_refused(tmp_path):
    path = tmp_path / "plan.docx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(UnreadableDocument, match="unsupported"):
        parse_file(path)
