"""The agent's decision on a drafted answer: sent once, threaded under the lead's email, or discarded."""
from __future__ import annotations

import email
import email.policy
import mailbox

from sqlalchemy import select

from crm.models import EmailDraft, Interaction
from handlers.campaigns.transport import MaildirTransport
from handlers.email_in.drafts import DraftText, decide_draft
from handlers.email_in.inbox import process, store_raw
from handlers.email_in.threading import token_of_message_id
from tests.email_in.support import DOMAINS, NOW, fixture, understander


class Documents:
    def draft(self, question, *, lead):  # noqa: ANN001, ANN201
        return DraftText(True, "Yes: Harbour View has a residents' gym on the ground floor.")


def _draft(session, owner, lead) -> EmailDraft:  # noqa: ANN001
    msg = store_raw(session, fixture("apple_mail_question.eml", lead=lead), source="smtp", mail_from=lead.email,
                    rcpt_to=[f"reply+{lead.token}@crmbot.local"])
    process(session, msg.id, understander=understander(), now=NOW, domains=DOMAINS, answerer=Documents())
    return session.scalar(select(EmailDraft).where(EmailDraft.lead_id == lead.id))


def _decide(session, draft, decision, actor, outbox, **kw):  # noqa: ANN001, ANN003, ANN202
    return decide_draft(session, draft.id, decision, actor=actor, transport=MaildirTransport(outbox),
                        mail_from="crmbot@crmbot.local", domain="crmbot.local", now=NOW, **kw)


def _sent(outbox) -> list[email.message.EmailMessage]:  # noqa: ANN001
    box = mailbox.Maildir(outbox, create=False)
    return [email.message_from_bytes(box.get_bytes(k), policy=email.policy.default) for k in box.keys()]


def test_sending_a_draft_emails_the_lead_in_the_same_thread_and_logs_it(session, make_agent, make_lead, tmp_path):
    owner = make_agent("Alex Morgan")
    lead = make_lead("Priya Patel", owner=owner)
    draft = _draft(session, owner, lead)

    outcome = _decide(session, draft, "send", owner, tmp_path / "outbox")

    assert outcome.status == "sent" and draft.status == "sent"
    [sent] = _sent(tmp_path / "outbox")
    assert sent["To"] == lead.email and sent["Subject"] == "Re: Harbour View launch"
    assert sent["In-Reply-To"] == "<8F1D2C3B-4A5E-46F7-9A8B-0C1D2E3F4A5B@icloud.com>"
    assert sent["Reply-To"] == f"reply+{lead.token}@crmbot.local"
    assert token_of_message_id(sent["Message-ID"]) == lead.token  # the lead's answer threads back
    assert "residents' gym" in sent.get_content() and "Alex Morgan" in sent.get_content()
    logged = session.scalars(select(Interaction).where(Interaction.lead_id == lead.id,
                                                       Interaction.agent_id == owner.id)).all()
    assert len(logged) == 1 and logged[0].summary.startswith("Answered by email")


def test_a_draft_is_sent_once_however_often_send_is_pressed(session, make_agent, make_lead, tmp_path):
    owner = make_agent()
    lead = make_lead("Priya Patel", owner=owner)
    draft = _draft(session, owner, lead)

    first = _decide(session, draft, "send", owner, tmp_path / "outbox")
    second = _decide(session, draft, "send", owner, tmp_path / "outbox")

    assert (first.status, second.status) == ("sent", "already")
    assert len(_sent(tmp_path / "outbox")) == 1


def test_an_edited_answer_is_sent_in_the_agents_words(session, make_agent, make_lead, tmp_path):
    owner = make_agent()
    lead = make_lead("Priya Patel", owner=owner)
    draft = _draft(session, owner, lead)

    asked = _decide(session, draft, "edit", owner, tmp_path / "outbox")
    sent = _decide(session, draft, "send", owner, tmp_path / "outbox", body="Yes, and a pool too.")

    assert asked.status == "needs_text" and "residents' gym" in asked.detail["body"]
    assert sent.status == "sent" and "a pool too" in _sent(tmp_path / "outbox")[0].get_content()


def test_a_discarded_draft_sends_nothing(session, make_agent, make_lead, tmp_path):
    owner = make_agent()
    lead = make_lead("Priya Patel", owner=owner)
    draft = _draft(session, owner, lead)

    assert _decide(session, draft, "discard", owner, tmp_path / "outbox").status == "discarded"
    assert _decide(session, draft, "send", owner, tmp_path / "outbox").status == "already"
    assert not (tmp_path / "outbox").exists() or _sent(tmp_path / "outbox") == []


def test_another_agent_cannot_send_someone_elses_draft(session, make_agent, make_lead, tmp_path):
    owner, other = make_agent("Alex Morgan"), make_agent("Sam Lee")
    lead = make_lead("Priya Patel", owner=owner)
    draft = _draft(session, owner, lead)

    assert _decide(session, draft, "send", other, tmp_path / "outbox").status == "refused"
    assert draft.status == "pending"


def test_the_buttons_of_a_notification_work_through_one_entry_point(session, make_agent, make_lead, tmp_path):
    import json

    from crm.models import Notification
    from handlers.email_in.decisions import decide, is_email_action

    owner = make_agent()
    lead = make_lead("Priya Patel", owner=owner)
    draft = _draft(session, owner, lead)
    note = session.scalar(select(Notification).where(Notification.agent_id == owner.id))
    button = note.payload["choices"][0]
    assert button["label"] == "Send"
    send = json.loads(button["value"])
    assert is_email_action(send)

    reply = decide(session, send, actor=owner, transport=MaildirTransport(tmp_path / "outbox"),
                   mail_from="crmbot@crmbot.local", domain="crmbot.local", now=NOW)

    assert reply.kind == "done" and reply.text.startswith("Sent.")
    assert draft.status == "sent"
    again = decide(session, send, actor=owner, transport=MaildirTransport(tmp_path / "outbox"),
                   mail_from="crmbot@crmbot.local", domain="crmbot.local", now=NOW)
    assert again.text == "That was already dealt with."
