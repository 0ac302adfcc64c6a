from datetime import timedelta

import pytest

from crm.models import AuditEntry, FollowUp, Interaction
from handlers.actions import NotOwner, complete_follow_up, lead_card, snooze_follow_up
from sqlalchemy import select


@pytest.fixture
def alex(make_agent):
    return make_agent("Alex Morgan")


def test_the_card_shows_status_owner_last_contact_open_follow_ups_and_last_three_interactions(
        session, alex, make_lead, now):
    john = make_lead("John Doe", owner=alex, company="Acme Ltd", status="negotiating", last_contacted_at=now)
    for i in range(5):
        session.add(Interaction(lead=john, agent=alex, kind="call", summary=f"call {i}",
                                occurred_at=now - timedelta(days=5 - i)))
    session.add(FollowUp(lead=john, agent=alex, title="send the contract", due_at=now - timedelta(hours=1)))
    session.add(FollowUp(lead=john, agent=alex, title="done one", due_at=now, status="done"))
    session.flush()
    card = lead_card(session, john.id, actor=alex, now=now)
    assert (card.status, card.owner_name, card.last_contacted_at) == ("negotiating", "Alex Morgan", now)
    assert [f.title for f in card.follow_ups] == ["send the contract"] and card.follow_ups[0].overdue
    assert [i.summary for i in card.interactions] == ["call 4", "call 3", "call 2"]


def test_the_card_of_another_agents_lead_is_refused(session, alex, make_agent, make_lead, now):
    lead = make_lead("Mary Poppins", owner=make_agent("Sam Lee"))
    with pytest.raises(NotOwner):
        lead_card(session, lead.id, actor=alex, now=now)


def test_done_and_snooze_are_audited_and_idempotent(session, alex, make_lead, now):
    john = make_lead("John Doe", owner=alex)
    fu = FollowUp(lead=john, agent=alex, title="call back", due_at=now, reminded_at=now)
    session.add(fu)
    session.flush()
    snoozed = snooze_follow_up(session, fu.id, actor=alex, channel="console", now=now)
    assert snoozed.status == "snoozed" and fu.reminded_at is None and fu.snoozed_until == now + timedelta(hours=1)
    assert complete_follow_up(session, fu.id, actor=alex, channel="console", now=now).status == "done"
    assert complete_follow_up(session, fu.id, actor=alex, channel="console", now=now).status == "already_done"
    fields = set(session.scalars(select(AuditEntry.field).where(AuditEntry.entity == "follow_ups",
                                                                AuditEntry.entity_id == fu.id)))
    assert {"status", "snoozed_until", "reminded_at", "completed_at"} <= fields


def test_another_agents_follow_up_cannot_be_closed(session, alex, make_agent, make_lead, now):
    sam = make_agent("Sam Lee")
    fu = FollowUp(lead=make_lead("Mary Poppins", owner=sam), agent=sam, title="x", due_at=now)
    session.add(fu)
    session.flush()
    assert complete_follow_up(session, fu.id, actor=alex, channel="console").status == "refused"
    assert fu.status == "open"
