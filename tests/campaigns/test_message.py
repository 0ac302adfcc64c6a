"""The payload builder: what a standard parser reads back from the bytes we send."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from handlers.campaigns.message import (
    as_email_message,
    ascii_address,
    build_email,
    campaign_message_id,
    unsubscribe_mailto,
    unsubscribe_url,
)
from handlers.email_in.threading import token_of_address, token_of_message_id

TOKEN = "Qx3-_abcDEF123456"


def build(**overrides):  # noqa: ANN003, ANN201
    kw = dict(
        sender="Alex Morgan <alex@agency.example>", to_address="zoe@brightwave.example", to_name="Zoë O'Brien",
        subject="Beachgate: new 2BR released, Zoë", text="Hello Zoë,\n.\nA line starting with a dot above.",
        html="<p>Hello Zoë</p>", message_id=campaign_message_id("crmbot.test", TOKEN, campaign_id=7),
        reply_to=f"reply+{TOKEN}@crmbot.test", list_unsubscribe_url=unsubscribe_url("https://crm.example.test", TOKEN),
        list_unsubscribe_mailto=unsubscribe_mailto("crmbot.test", TOKEN),
        date=datetime(2026, 11, 18, 9, 0, tzinfo=timezone.utc),
    )
    kw.update(overrides)
    return build_email(**kw)


def test_the_message_carries_rfc_8058_one_click_unsubscribe_and_threading_headers():
    out = build()
    msg = as_email_message(out.raw)
    assert msg["List-Unsubscribe"] == (f"<https://crm.example.test/unsubscribe/{TOKEN}>, "
                                       f"<mailto:reply+{TOKEN}@crmbot.test?subject=unsubscribe>")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["Reply-To"] == f"reply+{TOKEN}@crmbot.test"
    assert msg["Message-ID"] == out.message_id
    assert msg["Date"] == "Wed, 18 Nov 2026 09:00:00 +0000"
    assert msg["MIME-Version"] == "1.0"


def test_the_email_in_side_reads_our_ids_and_reply_address_back_to_the_lead():
    out = build()
    msg = as_email_message(out.raw)
    assert token_of_message_id(msg["Message-ID"], domains=["crmbot.test"]) == TOKEN
    assert token_of_address(msg["Reply-To"], domains=["crmbot.test"]) == TOKEN
    assert token_of_message_id(campaign_message_id("crmbot.test", TOKEN), domains=["crmbot.test"]) == TOKEN


def test_non_ascii_names_and_subjects_survive_the_round_trip():
    msg = as_email_message(build().raw)
    assert msg["Subject"] == "Beachgate: new 2BR released, Zoë"
    assert str(msg["To"]) == "Zoë O'Brien <zoe@brightwave.example>"
    assert str(msg["From"]) == "Alex Morgan <alex@agency.example>"
    assert msg.get_body(("plain",)).get_content().startswith("Hello Zoë,\r\n.\r\nA line")
    assert msg.get_body(("html",)).get_content().strip() == "<p>Hello Zoë</p>"


def test_every_line_is_short_and_seven_bit():
    long_subject = "Harbour View: " + "a remarkably long subject line that goes on " * 4
    out = build(subject=long_subject, text="word " * 400)
    lines = out.raw.split(b"\r\n")
    assert all(len(line) <= 78 for line in lines)
    assert all(b < 128 for b in out.raw)
    assert as_email_message(out.raw)["Subject"] == " ".join(long_subject.split())


def test_without_html_the_message_is_plain_text():
    msg = as_email_message(build(html=None).raw)
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content().startswith("Hello Zoë")


def test_an_internationalised_domain_goes_out_in_its_idna_form():
    out = build(to_address="max@müller.example")
    assert out.rcpt == "max@xn--mller-kva.example"
    assert ascii_address("Max@Example.COM") == "Max@Example.COM"


@pytest.mark.parametrize("bad", ["jöe@example.com", "no-at-sign", "a b@example.com", "x@y.example>\r\nBcc: z@z"])
def test_addresses_that_smtp_cannot_carry_safely_are_refused(bad):
    with pytest.raises(ValueError):
        build(to_address=bad)


def test_a_line_break_in_a_header_value_is_refused():
    with pytest.raises(ValueError):
        build(reply_to="reply+x@crmbot.test\r\nBcc: everyone@example.com")


def test_the_envelope_sender_defaults_to_the_from_address():
    assert build().mail_from == "alex@agency.example"
    assert build(envelope_from="reply+x@crmbot.test").mail_from == "reply+x@crmbot.test"


@pytest.mark.parametrize("name", ["Smith, John", "J. R. \"Bob\" Dobbs", "Zoë O'Brien", "Plain Name", ""])
def test_display_names_that_need_quoting_or_encoding_are_read_back_as_given(name):
    msg = as_email_message(build(to_name=name).raw)
    assert msg["To"].addresses[0].display_name == name
    assert msg["To"].addresses[0].addr_spec == "zoe@brightwave.example"


def test_a_line_break_in_an_extra_header_is_refused():
    with pytest.raises(ValueError):
        build(extra_headers=(("X-Test", "yes\r\nBcc: everyone@example.com"),))


def test_a_long_non_ascii_subject_is_folded_into_encoded_words_and_read_back():
    subject = "Maple Heights: nouvelles maisons à prix réduit pour vous, Zoë " * 3
    out = build(subject=subject)
    assert all(len(line) <= 78 for line in out.raw.split(b"\r\n"))
    assert as_email_message(out.raw)["Subject"] == " ".join(subject.split())
