from pathlib import Path

import pytest

from handlers.email_in import bounces
from handlers.email_in.bounces import classify, classify_bytes
from handlers.email_in.parsing import parse_email

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "email"


def classify_fixture(name: str) -> bounces.Classification:
    return classify_bytes((FIXTURES / name).read_bytes())


def test_a_dsn_for_an_unknown_mailbox_is_a_hard_bounce_with_its_recipient():
    result = classify_fixture("dsn_bounce.eml")
    assert result.kind == bounces.BOUNCE
    assert result.hard_bounce is True
    assert result.bounced_addresses == ("nobody@lead.example",)
    (recipient,) = result.recipients
    assert recipient.original_address == "nobody@lead.example"
    assert (recipient.action, recipient.status, recipient.smtp_code, recipient.reason) == (
        "failed", "5.1.1", "550", "userunknown")
    assert "Recipient address rejected: User unknown" in recipient.diagnostic
    assert result.original_message_id == "<campaign-7.nobody@crm.example>"
    assert result.is_automatic is True


def test_a_delayed_delivery_is_a_soft_bounce_without_failed_addresses():
    result = classify_fixture("dsn_delayed.eml")
    assert result.kind == bounces.BOUNCE
    assert result.hard_bounce is False
    assert result.bounced_addresses == ()
    (recipient,) = result.recipients
    assert (recipient.address, recipient.action, recipient.status, recipient.reason) == (
        "full@lead.example", "delayed", "4.2.2", "mailboxfull")


def test_a_plain_text_bounce_from_mailer_daemon_is_read_from_its_wording():
    result = classify_fixture("text_bounce.eml")
    assert result.kind == bounces.BOUNCE
    assert result.bounced_addresses == ("gone@lead.example",)
    assert result.recipients[0].status == "5.1.1"
    assert result.hard_bounce is True


def test_a_bounce_is_recognised_before_its_auto_submitted_header():
    raw = (FIXTURES / "text_bounce.eml").read_bytes()
    assert b"Auto-Submitted: auto-replied" in raw
    assert classify_bytes(raw).kind == bounces.BOUNCE


def test_a_feedback_report_is_a_complaint_with_its_type():
    result = classify_fixture("complaint.eml")
    assert result.kind == bounces.COMPLAINT
    assert result.feedback_type == "abuse"
    assert result.original_message_id == "<campaign-7.someone@crm.example>"


def test_an_auto_submitted_message_is_an_auto_reply():
    result = classify_fixture("auto_reply.eml")
    assert result.kind == bounces.AUTO_REPLY
    assert "Auto-Submitted: auto-replied" in result.evidence


def test_an_out_of_office_subject_is_an_auto_reply_without_any_header():
    result = classify_fixture("out_of_office.eml")
    assert result.kind == bounces.AUTO_REPLY
    assert result.evidence[0].startswith("subject:")


@pytest.mark.parametrize(
    ("headers", "evidence"),
    [
        ("X-Autoreply: yes\n", "X-Autoreply: yes"),
        ("X-Autorespond: Vacation\n", "X-Autorespond: Vacation"),
        ("Precedence: auto_reply\n", "Precedence: auto_reply"),
        ("X-Apple-Action: VACATION\n", "X-Apple-Action: vacation"),
        ("Auto-Submitted: auto-generated\n", "Auto-Submitted: auto-generated"),
    ],
)
def test_rfc_3834_and_vendor_headers_mark_auto_replies(headers, evidence):
    raw = f"From: a@lead.example\nSubject: Re: Offer\n{headers}\nThanks for your message.\n".encode()
    result = classify_bytes(raw)
    assert result.kind == bounces.AUTO_REPLY
    assert evidence in result.evidence


def test_out_of_office_wording_alone_marks_an_auto_reply():
    raw = b"From: a@lead.example\nSubject: Re: Offer\n\nI am currently out of the office until Monday.\n"
    assert classify_bytes(raw).kind == bounces.AUTO_REPLY


def test_auto_submitted_no_is_a_person():
    raw = b"From: a@lead.example\nSubject: Re: Offer\nAuto-Submitted: no\n\nYes please, send it.\n"
    assert classify_bytes(raw).kind == bounces.PERSONAL


def test_bulk_precedence_is_automatic_but_not_an_auto_reply():
    raw = b"From: list@lists.example\nSubject: Digest\nPrecedence: bulk\n\nToday on the list.\n"
    result = classify_bytes(raw)
    assert result.kind == bounces.BULK
    assert result.is_automatic is True


@pytest.mark.parametrize(
    "name",
    ["gmail_reply.eml", "outlook_reply.eml", "apple_mail_reply.eml", "thunderbird_reply.eml", "latin1_reply.eml",
     "html_only_reply.eml", "attachments.eml"],
)
def test_replies_written_by_people_are_personal(name):
    result = classify_fixture(name)
    assert result.kind == bounces.PERSONAL
    assert result.is_automatic is False


def test_a_reply_that_talks_about_an_office_is_still_personal():
    raw = b"From: a@lead.example\nSubject: Re: Offer\n\nI will be in the office on Monday, call me then.\n"
    assert classify_bytes(raw).kind == bounces.PERSONAL


@pytest.mark.parametrize("name", ["binary_garbage.bin", "malformed_mime.eml", "empty_body.eml"])
def test_broken_messages_classify_without_raising(name):
    assert classify_fixture(name).kind == bounces.PERSONAL


def test_a_message_without_a_mime_tree_is_classified_from_its_fields():
    parsed = parse_email(b"From: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail Returned to Sender\n\n"
                         b"Delivery to the following recipient failed permanently:\n\n    lost@lead.example\n\n"
                         b"550 5.1.1 The email account that you tried to reach does not exist.\n")
    result = classify(parsed)
    assert result.kind == bounces.BOUNCE
    assert result.bounced_addresses == ("lost@lead.example",)
