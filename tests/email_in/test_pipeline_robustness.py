"""Nothing is ever lost: odd, huge, broken and duplicate messages are stored and marked, never a crash."""
from __future__ import annotations

import random

from sqlalchemy import func, select

from crm.models import InboundMessage, Interaction
from handlers.email_in.inbox import listing, message_key, process, retry, store_raw
from tests.email_in.support import DOMAINS, NOW, big_message, fixture, understander


def _store(session, raw: bytes) -> InboundMessage:
    msg = store_raw(session, raw, source="smtp", mail_from="x@example.com", rcpt_to=["crmbot@crmbot.local"])
    assert msg is not None
    return msg


def _process(session, msg_id: int, **kw) -> InboundMessage:
    kw.setdefault("understander", understander())
    return process(session, msg_id, now=NOW, domains=DOMAINS, **kw)


def test_malformed_mime_is_stored_parsed_as_far_as_possible_and_handled(session, make_agent, make_lead):
    lead = make_lead("Broken Client", owner=make_agent())
    raw = fixture("malformed_mime.eml", lead=lead)

    msg = _process(session, _store(session, raw).id)

    assert msg.raw == raw
    assert (msg.state, msg.lead_id) == ("processed", lead.id)
    assert "meet on Friday" in msg.visible_text


def test_binary_garbage_is_stored_and_marked_failed_with_a_reason(session):
    raw = random.Random(7).randbytes(4096)

    msg = _process(session, _store(session, raw).id)

    assert msg.raw == raw and msg.state == "failed" and msg.error
    assert msg.message_id.startswith("<sha256.")


def test_an_empty_message_is_stored_and_marked_failed(session):
    msg = _process(session, _store(session, b"").id)

    assert (msg.state, msg.size) == ("failed", 0) and "no email headers" in msg.error


def test_an_empty_body_from_a_lead_is_logged_and_the_owner_told(session, make_agent, make_lead):
    lead = make_lead("Quiet Lead", owner=make_agent())

    msg = _process(session, _store(session, fixture("empty_body.eml", lead=lead)).id)

    assert (msg.state, msg.classification, msg.lead_id) == ("processed", "empty", lead.id)
    assert session.scalar(select(Interaction).where(Interaction.lead_id == lead.id)) is not None


def test_a_30_mb_message_is_stored_whole_and_handled(session, make_agent, make_lead):
    lead = make_lead("Big Sender", owner=make_agent())
    raw = big_message(lead.email)
    assert len(raw) > 30 * 1024 * 1024

    msg = _process(session, _store(session, raw).id)

    assert msg.size == len(raw) and msg.state == "processed" and msg.lead_id == lead.id
    assert "plans attached" in msg.visible_text


def test_a_message_already_stored_is_dropped_by_its_message_id(session):
    raw = fixture("unknown_sender.eml")
    first = _store(session, raw)
    again = store_raw(session, b"Received: from relay\n" + raw, source="imap", mail_from=None, rcpt_to=None)

    assert again is None
    assert session.scalar(select(func.count()).select_from(InboundMessage)) == 1
    assert first.message_id == "<unknown-0001@unknown.example>"


def test_a_message_without_message_id_is_keyed_on_its_content_not_its_trace_headers(session):
    raw = b"From: a@example.com\nSubject: hi\n\nhello\n"
    assert message_key(b"Received: from x by y\n" + raw) == message_key(raw)
    assert message_key(raw) != message_key(raw.replace(b"hello", b"hullo"))
    _store(session, raw)
    assert store_raw(session, b"Received: from x by y\n" + raw, source="smtp", mail_from=None, rcpt_to=None) is None


def test_a_failure_keeps_the_message_failed_with_the_reason_and_retry_handles_it(session, make_agent, make_lead):
    class Broken:
        def understand(self, *a, **kw):
            raise RuntimeError("model file missing")

    lead = make_lead("Ann Other", owner=make_agent())
    msg = _store(session, fixture("plain_other.eml", lead=lead))

    failed = _process(session, msg.id, understander=Broken())

    assert failed.state == "failed" and failed.error == "understanding failed: RuntimeError"
    assert "model file" not in failed.error  # the reason names the stage, the log has the details
    assert session.scalar(select(Interaction).where(Interaction.lead_id == lead.id)) is None  # rolled back
    assert [m.id for m in listing(session, states=["failed"])] == [msg.id]

    again = retry(session, msg.id, understander=understander(), now=NOW, domains=DOMAINS)

    assert again.state == "processed" and again.error is None and again.attempts == 2
    assert session.scalar(select(Interaction).where(Interaction.lead_id == lead.id)) is not None


def test_a_processed_message_is_not_handled_twice(session, make_agent, make_lead):
    lead = make_lead("Ann Other", owner=make_agent())
    msg = _store(session, fixture("plain_other.eml", lead=lead))
    _process(session, msg.id)

    again = _process(session, msg.id)

    assert again.state == "processed" and again.attempts == 1
    assert session.scalar(select(func.count()).select_from(Interaction)) == 1


def test_nul_characters_and_broken_encodings_never_stop_a_message_being_stored(session, make_agent, make_lead):
    lead = make_lead("Nul Sender", owner=make_agent())
    raw = (f"From: Nul\x00 Sender <{lead.email}>\nSubject: Re: \x00hello \udcff\nMessage-ID: <nul\x00id@example.com>\n"
           "Content-Type: text/plain; charset=utf-8\n\nCan we talk?\x00 Thanks\n").encode("utf-8", "surrogateescape")

    msg = _process(session, _store(session, raw).id)

    assert msg.state == "processed" and msg.lead_id == lead.id
    assert "\x00" not in msg.visible_text and "\x00" not in msg.message_id
