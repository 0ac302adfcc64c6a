"""A lead's reply, from stored bytes to the CRM change or the proposal its owner confirms."""
from __future__ import annotations

import json

from sqlalchemy import select

from crm.models import AuditEntry, EmailDraft, InboundMessage, Interaction, Notification, OutboxMessage, Plan
from handlers.email_in.inbox import process, store_raw
from tests.email_in.support import DOMAINS, NOW, fixture, sent_to, understander


def _receive(session, raw: bytes, *, rcpt=("crmbot@crmbot.local",), answerer=None) -> InboundMessage:
    msg = store_raw(session, raw, source="smtp", mail_from="sender@example.com", rcpt_to=list(rcpt))
    assert msg is not None
    return process(session, msg.id, understander=understander(), now=NOW, domains=DOMAINS, answerer=answerer)


def _notes(session, agent_id: int) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.agent_id == agent_id)
                                .order_by(Notification.id)))


def test_an_unsubscribe_reply_opts_the_lead_out_at_once_with_an_audit_row(session, make_agent, make_lead):
    owner = make_agent()
    lead = make_lead("Jurgen Muller", owner=owner)
    out = sent_to(session, lead)
    queued = OutboxMessage(lead_id=lead.id, to_address=lead.email, message_id="<next-campaign@crmbot.local>",
                           state="pending")
    session.add(queued)
    session.flush()

    msg = _receive(session, fixture("thunderbird_unsubscribe.eml", lead=lead, msgid=out.message_id))

    assert (msg.state, msg.classification, msg.lead_id) == ("processed", "unsubscribe", lead.id)
    assert lead.opted_out_at is not None
    audit = session.scalars(select(AuditEntry).where(AuditEntry.entity == "leads", AuditEntry.entity_id == lead.id,
                                                     AuditEntry.field == "opted_out_at")).all()
    assert len(audit) == 1 and audit[0].channel == "email"
    assert queued.state == "skipped"
    [note] = _notes(session, owner.id)
    assert note.kind == "info" and "opted out" in note.payload["text"]


def test_not_interested_becomes_a_closed_lost_proposal_for_the_owner(session, make_agent, make_lead):
    owner = make_agent()
    lead = make_lead("John Doe", owner=owner, status="contacted")
    out = sent_to(session, lead)

    msg = _receive(session, fixture("gmail_not_interested.eml", lead=lead, msgid=out.message_id))

    assert (msg.state, msg.classification, msg.outbox_id) == ("processed", "not_interested", out.id)
    assert lead.status == "contacted"  # nothing changes until the owner confirms
    plan = session.scalar(select(Plan).where(Plan.source == "lead_reply"))
    assert plan.agent_id == owner.id and plan.status == "pending"
    assert plan.actions[0]["type"] == "update_status" and plan.actions[0]["to"] == "closed_lost"
    [note] = _notes(session, owner.id)
    assert note.kind == "proposal" and note.plan_id == plan.id
    assert [json.loads(c["value"]) for c in note.payload["choices"]] == [
        {"decision": "confirm", "plan_id": plan.id}, {"decision": "cancel", "plan_id": plan.id}]


def test_confirming_the_proposal_marks_the_lead_closed_lost(session, make_agent, make_lead):
    from handlers.actions.plans import decide_plan

    owner = make_agent()
    lead = make_lead("John Doe", owner=owner, status="contacted")
    out = sent_to(session, lead)
    _receive(session, fixture("gmail_not_interested.eml", lead=lead, msgid=out.message_id))
    plan = session.scalar(select(Plan).where(Plan.source == "lead_reply"))

    outcome = decide_plan(session, plan.id, "confirm", actor=owner, channel="slack", now=NOW)

    assert outcome.status == "executed" and lead.status == "closed_lost"


def test_a_meeting_request_proposes_a_follow_up_at_the_time_asked(session, make_agent, make_lead):
    owner = make_agent(tz="Europe/London")
    lead = make_lead("Jane Smith", owner=owner)
    out = sent_to(session, lead)

    msg = _receive(session, fixture("outlook_meeting.eml", lead=lead, msgid=out.message_id))

    assert msg.classification == "meeting_request" and msg.lead_id == lead.id
    plan = session.scalar(select(Plan).where(Plan.source == "lead_reply"))
    [action] = plan.actions
    assert action["type"] == "schedule_follow_up"
    # "Friday at 3pm" from Wednesday 18 November 2026, in the owner's zone (GMT in November).
    assert action["due_at"].startswith("2026-11-20T15:00")
    assert _notes(session, owner.id)[0].plan_id == plan.id


def test_a_question_gets_a_drafted_answer_for_the_agent_to_send_edit_or_discard(session, make_agent, make_lead):
    from handlers.email_in.drafts import DraftText

    class Documents:
        def draft(self, question, *, lead):
            assert "gym" in question
            return DraftText(True, "Yes: Harbour View has a residents' gym on the ground floor.")

    owner = make_agent()
    lead = make_lead("Priya Patel", owner=owner)

    msg = _receive(session, fixture("apple_mail_question.eml", lead=lead), rcpt=[f"reply+{lead.token}@crmbot.local"],
                   answerer=Documents())

    assert msg.classification == "question" and msg.lead_id == lead.id
    draft = session.scalar(select(EmailDraft).where(EmailDraft.lead_id == lead.id))
    assert draft.status == "pending" and draft.found and "residents' gym" in draft.body
    assert draft.to_address == lead.email and draft.subject == "Re: Harbour View launch"
    [note] = _notes(session, owner.id)
    assert note.kind == "proposal" and "residents' gym" in note.payload["text"]
    decisions = [json.loads(c["value"]) for c in note.payload["choices"]]
    assert [d["decision"] for d in decisions] == ["send", "edit", "discard"]
    assert {d["draft_id"] for d in decisions} == {draft.id}


def test_a_question_the_documents_cannot_answer_still_reaches_the_agent(session, make_agent, make_lead):
    owner = make_agent()
    lead = make_lead("Priya Patel", owner=owner)

    msg = _receive(session, fixture("apple_mail_question.eml", lead=lead), rcpt=[f"reply+{lead.token}@crmbot.local"])

    assert msg.classification == "question"
    draft = session.scalar(select(EmailDraft).where(EmailDraft.lead_id == lead.id))
    assert not draft.found and draft.body == ""
    [note] = _notes(session, owner.id)
    assert "waiting for your reply" in note.payload["text"]
    assert [json.loads(c["value"])["decision"] for c in note.payload["choices"]] == ["edit", "discard"]


def test_an_interested_html_only_reply_is_logged_and_the_owner_told(session, make_agent, make_lead):
    owner = make_agent()
    lead = make_lead("Maria Garcia", owner=owner)
    out = sent_to(session, lead)

    msg = _receive(session, fixture("html_only_interested.eml", lead=lead, msgid=out.message_id))

    assert msg.classification == "interested"
    assert "very interested" in msg.visible_text and "300,000" not in msg.visible_text
    [note] = _notes(session, owner.id)
    assert note.kind == "lead_reply" and "sounds interested" in note.payload["text"]
    assert session.scalar(select(Plan)) is None


def test_every_reply_is_logged_as_an_email_interaction_and_moves_last_contacted(session, make_agent, make_lead):
    owner = make_agent()
    lead = make_lead("Ann Other", owner=owner)

    msg = _receive(session, fixture("plain_other.eml", lead=lead))

    assert msg.classification == "other" and msg.lead_id == lead.id
    [interaction] = session.scalars(select(Interaction).where(Interaction.lead_id == lead.id)).all()
    assert (interaction.kind, interaction.channel, interaction.inbound_id) == ("email", "email", msg.id)
    assert "forwarded it to my wife" in interaction.summary
    assert lead.last_contacted_at is not None and lead.last_contacted_at.isoformat().startswith("2026-11-18T15:05")
