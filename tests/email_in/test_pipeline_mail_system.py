"""Mail from mail systems is handled before any reading of intent: bounces, auto-replies, loops."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from crm.models import AuditEntry, InboundMessage, Interaction, Notification, Plan
from handlers.email_in.inbox import process, store_raw
from tests.email_in.support import DOMAINS, NOW, fixture, sent_to, understander


def _receive(session, raw: bytes, *, now=NOW, mail_from="sender@example.com") -> InboundMessage:
    msg = store_raw(session, raw, source="smtp", mail_from=mail_from, rcpt_to=["crmbot@crmbot.local"])
    assert msg is not None
    return process(session, msg.id, understander=understander(), now=now, domains=DOMAINS)


def test_a_dsn_bounce_marks_the_leads_address_bouncing_with_an_audit_row(session, make_agent, make_lead):
    owner = make_agent()
    lead = make_lead("Gone Away", owner=owner)
    out = sent_to(session, lead)

    msg = _receive(session, fixture("dsn_bounce.eml", lead=lead, msgid=out.message_id), mail_from="")

    assert (msg.state, msg.classification, msg.lead_id, msg.outbox_id) == ("processed", "bounce", lead.id, out.id)
    assert lead.email_bouncing is True
    [audit] = session.scalars(select(AuditEntry).where(AuditEntry.field == "email_bouncing")).all()
    assert (audit.entity_id, audit.new_value, audit.channel) == (lead.id, "True", "email")
    assert session.scalar(select(func.count()).select_from(Interaction)) == 0  # a bounce is not a contact
    [note] = session.scalars(select(Notification).where(Notification.agent_id == owner.id)).all()
    assert "bounced" in note.payload["text"] and "5.1.1" in note.payload["text"]


def test_a_bounce_is_matched_by_the_failed_address_when_the_original_id_is_unknown(session, make_agent, make_lead):
    lead = make_lead("Gone Away", owner=make_agent())

    msg = _receive(session, fixture("dsn_bounce.eml", lead=lead, msgid="<someone-elses@example.org>"), mail_from="")

    assert (msg.classification, msg.lead_id) == ("bounce", lead.id) and lead.email_bouncing is True


def test_a_bounce_for_an_address_no_lead_has_is_kept_and_ignored(session):
    msg = _receive(session, fixture("dsn_bounce.eml"), mail_from="")

    assert (msg.state, msg.classification, msg.lead_id) == ("ignored", "bounce", None)


def test_an_auto_reply_is_logged_on_the_lead_and_nobody_is_asked_anything(session, make_agent, make_lead):
    owner = make_agent()
    lead = make_lead("Tom Baker", owner=owner)
    out = sent_to(session, lead)

    msg = _receive(session, fixture("auto_reply.eml", lead=lead, msgid=out.message_id))

    assert (msg.state, msg.classification, msg.lead_id) == ("processed", "auto_reply", lead.id)
    [interaction] = session.scalars(select(Interaction).where(Interaction.lead_id == lead.id)).all()
    assert interaction.summary.startswith("Automatic reply")
    assert lead.last_contacted_at is None  # an out-of-office is not the lead talking
    assert session.scalar(select(func.count()).select_from(Notification)) == 0
    assert session.scalar(select(func.count()).select_from(Plan)) == 0


def test_a_sender_over_twenty_messages_in_two_hours_is_ignored_as_a_loop(session, make_agent, make_lead):
    owner = make_agent()
    lead = make_lead("Chatty Lead", owner=owner)
    template = fixture("plain_other.eml", lead=lead)
    states = []
    for i in range(22):
        raw = template.replace(b"<plain-other-0001@example.com>", f"<loop-{i}@example.com>".encode())
        states.append(_receive(session, raw, now=NOW + timedelta(minutes=i)).state)

    assert states[:20] == ["processed"] * 20
    assert states[20:] == ["ignored", "ignored"]
    ignored = session.scalars(select(InboundMessage).where(InboundMessage.state == "ignored")).all()
    assert {m.classification for m in ignored} == {"loop"}


def test_the_loop_window_slides_so_a_sender_is_heard_again_later(session, make_agent, make_lead):
    lead = make_lead("Chatty Lead", owner=make_agent())
    template = fixture("plain_other.eml", lead=lead)
    for i in range(21):
        raw = template.replace(b"<plain-other-0001@example.com>", f"<loop-{i}@example.com>".encode())
        store_raw(session, raw, source="imap", mail_from=None, rcpt_to=None,
                  received_at=NOW - timedelta(hours=3))
    for m in session.scalars(select(InboundMessage)):
        m.from_address = lead.email
    session.flush()

    msg = _receive(session, template, now=NOW)

    assert msg.state == "processed"


def test_a_spam_complaint_opts_the_lead_out(session, make_agent, make_lead):
    lead = make_lead("Annoyed Lead", owner=make_agent())
    out = sent_to(session, lead)

    msg = _receive(session, fixture("spam_complaint.eml", lead=lead, msgid=out.message_id))

    assert (msg.state, msg.classification, msg.lead_id) == ("processed", "complaint", lead.id)
    assert lead.opted_out_at is not None
