import os
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

import pytest

from handlers.email_in.parsing import ParsedEmail, parse_email

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "email"


def parse(name: str) -> ParsedEmail:
    return parse_email((FIXTURES / name).read_bytes())


def test_a_gmail_reply_gives_threading_headers_sender_and_new_text():
    parsed = parse("gmail_reply.eml")
    assert parsed.message_id == "<CAF=reply-1234@mail.gmail.example>"
    assert parsed.in_reply_to == ("<msg-88.c3d4@crm.example>",)
    assert parsed.references == ("<campaign-7.a1b2@crm.example>", "<msg-88.c3d4@crm.example>")
    assert parsed.thread_ids == ("<msg-88.c3d4@crm.example>", "<campaign-7.a1b2@crm.example>")
    assert parsed.from_name == "José García"
    assert parsed.from_address == "jose.garcia@lead.example"
    assert parsed.to == ("reply+t0k3n42@crm.example",)
    assert parsed.delivered_to == ("reply+t0k3n42@crm.example",)
    assert parsed.subject == "Re: Viewing at Beachgate"
    assert parsed.date == datetime(2026, 11, 3, 9, 2, 41, tzinfo=timezone.utc)
    assert parsed.visible_text == "Yes, Saturday at 11 works for me. Could you also bring the floor plans?"
    assert "> Would you like to view the flat" in parsed.text
    assert parsed.html is not None and "gmail_quote" in parsed.html
    assert parsed.defects == ()


@pytest.mark.parametrize(
    ("name", "visible"),
    [
        ("outlook_reply.eml", "Please send me the brochure and the price list.\n\nKind regards,\nPriya Shah"),
        ("apple_mail_reply.eml", "Can we move it to Sunday morning instead?\n\nSent from my iPhone"),
        ("thunderbird_reply.eml", "Not any more, we bought a house elsewhere. Please take me off your list."),
    ],
)
def test_replies_from_each_client_keep_only_the_new_text(name, visible):
    assert parse(name).visible_text == visible


@pytest.mark.parametrize(
    ("name", "sender", "subject", "visible"),
    [
        ("latin1_reply.eml", "Hélène Dupré", "Rép. : Disponibilités", "Merci, je préfère mardi après-midi."),
        ("windows1252_reply.eml", "Dieter Kruger", "AW: Angebot – Wohnung 3",
         "Das Angebot über 950.000 € passt – „bitte“ schicken Sie den Vertrag."),
        ("koi8r_reply.eml", "Ольга Иванова", "Re: Квартира", "Да, интересно. Позвоните мне завтра после обеда."),
        ("shiftjis_reply.eml", "山田 太郎", "Re: 内見のご案内", "土曜日の午前中で大丈夫です。よろしくお願いします。"),
    ],
)
def test_non_utf8_charsets_and_encoded_headers_are_decoded(name, sender, subject, visible):
    parsed = parse(name)
    assert parsed.from_name == sender
    assert parsed.subject == subject
    assert parsed.visible_text == visible
    assert parsed.defects == ()


def test_utf8_bytes_labelled_as_latin1_are_read_as_utf8():
    assert parse("mislabelled_charset.eml").visible_text == "Grüße aus Köln, Donnerstag passt."


def test_an_unknown_charset_is_decoded_anyway_and_noted():
    parsed = parse("unknown_charset.eml")
    assert parsed.visible_text == "Café on Friday? Déjà vu."
    assert "unknown charset 'x-no-such-charset'" in parsed.defects


def test_an_html_only_body_is_turned_into_text():
    parsed = parse("html_only_reply.eml")
    assert parsed.text_from_html is True
    assert parsed.text.startswith("We are no longer looking, sorry.\nTom")
    assert "From: Alex Morgan" in parsed.text
    assert parsed.visible_text == "We are no longer looking, sorry.\nTom"


def test_attachments_are_listed_with_name_type_and_size():
    parsed = parse("attachments.eml")
    assert parsed.visible_text == "Signed contract attached."
    names = {(a.filename, a.content_type, a.disposition) for a in parsed.attachments}
    assert names == {(None, "image/png", "inline"), ("Vertrag Müller.pdf", "application/pdf", "attachment")}
    pdf = next(a for a in parsed.attachments if a.content_type == "application/pdf")
    assert pdf.size == 9 + 256 * 4
    image = next(a for a in parsed.attachments if a.content_type == "image/png")
    assert image.content_id == "<logo@lead.example>"


def test_malformed_mime_is_repaired_where_possible_and_noted():
    parsed = parse("malformed_mime.eml")
    assert parsed.visible_text == "I would like to accept the offer."
    assert parsed.from_address == "broken@lead.example"
    assert parsed.date is None
    assert [a.filename for a in parsed.attachments] == ["offer.pdf"]
    assert "stray line in the header section ignored" in parsed.defects
    assert any("boundary" in d for d in parsed.defects)


def test_binary_garbage_comes_back_as_a_parsed_email_with_defects():
    parsed = parse("binary_garbage.bin")
    assert parsed.message_id is None
    assert parsed.from_address is None
    assert "no headers" in parsed.defects
    assert "body looks like binary data" in parsed.defects
    assert parsed.size == 4096


def test_an_empty_body_is_noted():
    parsed = parse("empty_body.eml")
    assert parsed.text == ""
    assert parsed.visible_text == ""
    assert parsed.defects == ("empty body",)
    assert parsed.message_id == "<empty-001@lead.example>"


def test_empty_input_gives_an_empty_parsed_email():
    parsed = parse_email(b"")
    assert parsed.size == 0
    assert parsed.visible_text == ""
    assert "empty body" in parsed.defects


def test_a_30_megabyte_message_is_parsed_and_its_attachment_noted():
    message = EmailMessage()
    message["From"] = "Lead <lead@lead.example>"
    message["To"] = "reply+t0k3n58@crm.example"
    message["Subject"] = "Re: plans"
    message["Message-ID"] = "<big-001@lead.example>"
    message.set_content("Here are the plans.\n\nOn Tue, Nov 3, 2026 at 9:12 AM, Alex <alex@agency.example> wrote:\n> Plans?\n")
    message.add_attachment(os.urandom(23 * 1024 * 1024), maintype="application", subtype="zip", filename="plans.zip")
    raw = message.as_bytes()
    assert len(raw) > 30 * 1000 * 1000
    parsed = parse_email(raw)
    assert parsed.visible_text == "Here are the plans."
    assert [(a.filename, a.size) for a in parsed.attachments] == [("plans.zip", 23 * 1024 * 1024)]


def test_a_huge_text_body_is_cut_for_reading_and_noted():
    raw = b"From: a@lead.example\r\nSubject: long\r\n\r\n" + (b"word " * 200 + b"\r\n") * 6000
    parsed = parse_email(raw)
    assert len(parsed.text) <= 1_000_000
    assert "text body truncated for reading" in parsed.defects


def test_raw_8bit_headers_and_string_input_are_accepted():
    raw = "From: Zoë <zoe@lead.example>\nSubject: Grüße\nMessage-ID: bare-id@lead.example\n\nHallo\n"
    parsed = parse_email(raw)
    assert parsed.from_name == "Zoë"
    assert parsed.subject == "Grüße"
    assert parsed.message_id == "<bare-id@lead.example>"
    assert parsed.visible_text == "Hallo"


def test_headers_can_be_read_by_name_in_any_case():
    parsed = parse("auto_reply.eml")
    assert parsed.header("auto-submitted") == "auto-replied"
    assert parsed.header_all("X-AUTO-RESPONSE-SUPPRESS") == ("All",)
    assert parsed.header("X-Missing") is None


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir() if p.is_file()))
def test_no_fixture_makes_parsing_raise(name):
    parsed = parse(name)
    assert isinstance(parsed.defects, tuple)
    assert isinstance(parsed.visible_text, str)
