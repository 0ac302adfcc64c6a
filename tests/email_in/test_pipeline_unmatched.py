"""Email from someone who is not a lead: kept, listed for an admin, and a lead on request."""
from __future__ import annotations

import json

from sqlalchemy import select

from crm.models import AuditEntry, Interaction, Lead, Notification
from handlers.email_in.inbox import listing, process, store_raw
from handlers.email_in.unmatched import create_lead_from
from tests.email_in.support import DOMAINS, NOW, fixture, understander


def _receive(session, raw: bytes):
    msg = store_raw(session, raw, source="imap", mail_from=None, rcpt_to=None)
    return process(session, msg.id, understander=understander(), now=NOW, domains=DOMAINS)


def test_an_unknown_sender_is_kept_unmatched_and_the_admins_get_a_create_lead_proposal(session, make_agent):
    admin = make_agent("Ada Admin", role="admin")
    agent = make_agent("Alex Morgan")

    msg = _receive(session, fixture("unknown_sender.eml"))

    assert (msg.state, msg.lead_id) == ("unmatched", None)
    assert [m.id for m in listing(session, states=["unmatched"])] == [msg.id]
    [note] = session.scalars(select(Notification)).all()
    assert note.agent_id == admin.id and note.agent_id != agent.id and note.inbound_id == msg.id
    assert "sam.stranger@unknown.example" in note.payload["text"]
    actions = [json.loads(c["value"]) for c in note.payload["choices"]]
    assert actions[0] == {"decision": "create_lead", "inbound_id": msg.id}


def test_admins_hear_of_an_unknown_sender_once_not_for_every_message(session, make_agent):
    make_agent("Ada Admin", role="admin")
    raw = fixture("unknown_sender.eml")
    _receive(session, raw)
    _receive(session, raw.replace(b"<unknown-0001@", b"<unknown-0002@"))

    assert len(session.scalars(select(Notification)).all()) == 1


def test_creating_the_lead_handles_the_kept_message_on_the_new_lead(session, make_agent):
    admin = make_agent("Ada Admin", role="admin")
    owner = make_agent("Alex Morgan")
    msg = _receive(session, fixture("unknown_sender.eml"))

    created = create_lead_from(session, msg.id, actor=admin, owner=owner, understander=understander(), now=NOW,
                               domains=DOMAINS)

    lead = created.lead
    assert (lead.name, lead.email, lead.owner_id, lead.source) == ("Sam Stranger", "sam.stranger@unknown.example",
                                                                   owner.id, "email")
    assert created.message.state == "processed" and created.message.lead_id == lead.id
    assert session.scalar(select(Interaction).where(Interaction.lead_id == lead.id)) is not None
    fields = set(session.scalars(select(AuditEntry.field).where(AuditEntry.entity == "leads",
                                                                AuditEntry.entity_id == lead.id)))
    assert {"name", "email", "owner_id"} <= fields
    assert session.scalar(select(Lead).where(Lead.email == "sam.stranger@unknown.example")).token


def test_the_create_lead_and_ignore_buttons_work_for_admins_only(session, make_agent):
    from handlers.email_in.decisions import decide

    admin = make_agent("Ada Admin", role="admin")
    agent = make_agent("Alex Morgan")
    first = _receive(session, fixture("unknown_sender.eml"))
    second = _receive(session, fixture("unknown_sender.eml").replace(b"<unknown-0001@", b"<unknown-0002@")
                      .replace(b"sam.stranger@", b"other.stranger@"))
    kw = dict(transport=None, mail_from="crmbot@crmbot.local", domain="crmbot.local", understander=understander(),
              now=NOW, domains=DOMAINS)

    refused = decide(session, {"inbound_id": second.id, "decision": "ignore"}, actor=agent, **kw)
    ignored = decide(session, {"inbound_id": second.id, "decision": "ignore"}, actor=admin, **kw)
    created = decide(session, {"inbound_id": first.id, "decision": "create_lead"}, actor=admin, **kw)

    assert refused.kind == "error" and ignored.text.startswith("Ignored")
    assert second.state == "ignored"
    assert created.kind == "done" and "Sam Stranger" in created.text and first.state == "processed"
