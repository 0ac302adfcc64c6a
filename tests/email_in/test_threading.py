"""Routing a reply to its lead: In-Reply-To, then References, then reply+token, then the sender."""
from __future__ import annotations

import pytest

from handlers.email_in.threading import (
    MAX_REFERENCES,
    make_message_id,
    message_ids,
    reply_address,
    route,
    token_of_address,
    token_of_message_id,
)
from tests.email_in.support import DOMAINS, sent_to


def _route(session, *, in_reply_to=None, references=None, recipients=(), sender=None):
    return route(session, in_reply_to=in_reply_to, references=references, recipients=recipients, sender=sender,
                 domains=DOMAINS)


def test_message_ids_and_reply_addresses_carry_the_leads_token():
    mid = make_message_id("CRMbot.local", "AbC_d-123456")
    assert mid.startswith("<crm.AbC_d-123456.") and mid.endswith("@crmbot.local>")
    assert token_of_message_id(mid) == "AbC_d-123456"
    assert make_message_id("crmbot.local", "AbC_d-123456") != mid  # unique per message
    addr = reply_address("crmbot.local", "AbC_d-123456")
    assert addr == "reply+AbC_d-123456@crmbot.local"
    assert token_of_address(addr, domains=DOMAINS) == "AbC_d-123456"
    assert token_of_address("reply+AbC_d-123456@elsewhere.example", domains=DOMAINS) is None


def test_campaign_message_ids_are_recognised_too():
    assert token_of_message_id("<c12.AbC_d-123456.0a1b2c3d4e5f@crmbot.local>") == "AbC_d-123456"
    assert token_of_message_id("<CAJ8mK2x1gmail0001@mail.gmail.com>") is None


def test_a_token_that_could_break_a_header_is_refused():
    with pytest.raises(ValueError):
        make_message_id("crmbot.local", "bad token>\r\nBcc: x")


def test_in_reply_to_wins_over_every_other_clue(session, make_lead):
    first, second, third = make_lead("First Lead"), make_lead("Second Lead"), make_lead("Third Lead")
    out = sent_to(session, first)

    found = _route(session, in_reply_to=out.message_id, references=[sent_to(session, second).message_id],
                   recipients=[reply_address("crmbot.local", third.token)], sender=third.email)

    assert (found.lead, found.outbox_id, found.matched_on) == (first, out.id, "in_reply_to")


def test_the_newest_reference_is_tried_first(session, make_lead):
    older, newer = make_lead("Older Lead"), make_lead("Newer Lead")
    refs = [sent_to(session, older).message_id, "<someone@else.example>", sent_to(session, newer).message_id]

    found = _route(session, in_reply_to="<unknown@else.example>", references=refs)

    assert (found.lead, found.matched_on) == (newer, "references")


def test_only_the_last_32_references_are_looked_at(session, make_lead):
    lead = make_lead("Long Thread")
    refs = [sent_to(session, lead).message_id] + [f"<r{i}@x.example>" for i in range(MAX_REFERENCES)]

    assert not _route(session, references=refs).matched
    assert _route(session, references=refs[:MAX_REFERENCES]).lead == lead


def test_a_message_id_of_ours_not_in_the_outbox_still_routes_by_its_token(session, make_lead):
    lead = make_lead("Hand Sent")

    found = _route(session, in_reply_to=make_message_id("crmbot.local", lead.token))

    assert (found.lead, found.outbox_id) == (lead, None)


def test_a_reply_address_routes_when_the_thread_headers_are_gone(session, make_lead):
    lead = make_lead("Forwarder")

    found = _route(session, recipients=["crmbot@crmbot.local", reply_address("crmbot.local", lead.token).upper()],
                   sender="someone.else@example.com")

    assert (found.lead, found.matched_on) == (lead, "reply_address")


def test_the_sender_address_is_the_last_resort_and_ignores_case(session, make_lead):
    lead = make_lead("Plain Sender")

    found = _route(session, sender=lead.email.upper())

    assert (found.lead, found.matched_on) == (lead, "sender")
    assert not _route(session, sender="stranger@example.com").matched


def test_thread_headers_are_read_with_or_without_brackets():
    assert message_ids("<a@b> <c@d>") == ["<a@b>", "<c@d>"]
    assert message_ids("a@b") == ["<a@b>"]
    assert message_ids("") == [] and message_ids(None) == []
