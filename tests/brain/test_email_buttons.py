"""Buttons on a lead's email notification reach the email handlers through the same brain."""
from mailbox import Maildir

from bot.messages import Message
from crm.models import EmailDraft, Interaction


def _draft(team, lead_key: str = "John Doe") -> int:  # noqa: ANN001
    with team.ctx.sessions.begin() as s:
        d = EmailDraft(lead_id=team.leads[lead_key], agent_id=team.agents["alex"], to_address="john@acme.example",
                       subject="Re: Harbour View", body="Yes, Harbour View has a residents' gym.", found=True)
        s.add(d)
        s.flush()
        return d.id


def _press(brain, team, action):  # noqa: ANN001, ANN202
    return brain.handle(Message(text="", agent_id=team.agents["alex"], channel="slack",
                                conversation_key="slack:D1:U1", action=action))


def test_sending_a_drafted_answer_mails_it_once_and_logs_it(team, make_brain):
    brain = make_brain(team)
    draft_id = _draft(team)
    (reply,) = _press(brain, team, {"draft_id": draft_id, "decision": "send"})
    assert reply.kind == "done"
    (again,) = _press(brain, team, {"draft_id": draft_id, "decision": "send"})
    assert again.kind == "info"
    sent = list(Maildir(str(team.ctx.settings.maildir), create=False))
    assert len(sent) == 1 and "residents' gym" in sent[0].get_payload(decode=True).decode()
    with team.ctx.sessions() as s:
        assert s.get(EmailDraft, draft_id).status == "sent"
        assert s.query(Interaction).filter_by(lead_id=team.leads["John Doe"], kind="email").count() >= 1


def test_discarding_a_draft_sends_nothing(team, make_brain):
    brain = make_brain(team)
    draft_id = _draft(team)
    (reply,) = _press(brain, team, {"draft_id": draft_id, "decision": "discard"})
    assert reply.kind == "info"
    with team.ctx.sessions() as s:
        assert s.get(EmailDraft, draft_id).status == "discarded"
    assert not team.ctx.settings.maildir.exists() or not list(Maildir(str(team.ctx.settings.maildir)))
