from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.models import AuditEntry, FollowUp, Interaction, Plan
from handlers.actions import create_plan, decide_plan, undo_last


@pytest.fixture
def alex(make_agent):
    return make_agent("Alex Morgan")


@pytest.fixture
def john(make_lead, alex, now):
    return make_lead("John Doe", owner=alex, company="Acme Ltd", status="contacted",
                     last_contacted_at=now - timedelta(days=2))


def _run(session, alex, john, now):
    plan = create_plan(session, agent=alex, conversation_key="k", channel="console", now=now, actions=[
        {"type": "update_status", "lead_id": john.id, "to": "negotiating"},
        {"type": "log_interaction", "lead_id": john.id, "kind": "call", "summary": "went well"},
        {"type": "schedule_follow_up", "lead_id": john.id, "title": "send the contract",
         "due_at": (now + timedelta(days=1)).isoformat()},
    ])
    decide_plan(session, plan.id, "confirm", actor=alex, channel="console", now=now)
    return plan


def test_undo_reverts_every_change_of_the_last_plan_and_is_audited(session, alex, john, now):
    before_contact = john.last_contacted_at
    plan = _run(session, alex, john, now)
    out = undo_last(session, actor=alex, channel="console", window_minutes=10, now=now + timedelta(minutes=3))
    assert out.status == "undone" and out.plan_id == plan.id
    session.refresh(john)
    assert john.status == "contacted" and john.last_contacted_at == before_contact
    assert session.scalar(select(func.count()).select_from(Interaction).where(Interaction.lead_id == john.id)) == 0
    assert session.scalar(select(func.count()).select_from(FollowUp).where(FollowUp.lead_id == john.id)) == 0
    assert session.get(Plan, plan.id).status == "undone"
    undo_rows = list(session.scalars(select(AuditEntry).where(AuditEntry.plan_id == out.undo_plan_id)))
    status = next(r for r in undo_rows if r.field == "status")
    assert (status.old_value, status.new_value, status.actor_id) == ("negotiating", "contacted", alex.id)
    assert {(r.entity, r.new_value) for r in undo_rows if r.entity != "leads"} == {
        ("interactions", None), ("follow_ups", None)}
    assert session.get(Plan, out.undo_plan_id).source == "undo"


def test_undo_twice_does_not_undo_an_older_plan(session, alex, john, now):
    _run(session, alex, john, now)
    undo_last(session, actor=alex, channel="console", window_minutes=10, now=now)
    again = undo_last(session, actor=alex, channel="console", window_minutes=10, now=now)
    assert again.status == "already_undone"


def test_undo_outside_the_window_changes_nothing(session, alex, john, now):
    _run(session, alex, john, now)
    out = undo_last(session, actor=alex, channel="console", window_minutes=10, now=now + timedelta(minutes=11))
    assert out.status == "too_old"
    session.refresh(john)
    assert john.status == "negotiating"


def test_undo_refuses_when_a_field_was_changed_since(session, alex, john, now):
    _run(session, alex, john, now)
    john.status = "qualified"
    session.flush()
    out = undo_last(session, actor=alex, channel="console", window_minutes=10, now=now)
    assert out.status == "conflict" and out.detail["field"] == "status" and out.detail["value"] == "qualified"
    assert session.scalar(select(func.count()).select_from(Interaction).where(Interaction.lead_id == john.id)) == 1


def test_undo_with_no_executed_plan_says_there_is_nothing(session, alex, john, now):
    create_plan(session, agent=alex, conversation_key="k", channel="console", now=now,
                actions=[{"type": "update_status", "lead_id": john.id, "to": "qualified"}])
    assert undo_last(session, actor=alex, channel="console", window_minutes=10, now=now).status == "nothing"


def test_undo_only_touches_the_agents_own_plans(session, alex, john, make_agent, now):
    _run(session, alex, john, now)
    sam = make_agent("Sam Lee")
    assert undo_last(session, actor=sam, channel="console", window_minutes=10, now=now).status == "nothing"


def test_undo_picks_the_latest_plan_even_when_two_were_decided_in_the_same_instant(session, alex, john, now):
    first = _run(session, alex, john, now)
    undo_last(session, actor=alex, channel="console", window_minutes=10, now=now)
    second = create_plan(session, agent=alex, conversation_key="k", channel="console", now=now,
                         actions=[{"type": "update_status", "lead_id": john.id, "to": "closed_won"}])
    decide_plan(session, second.id, "confirm", actor=alex, channel="console", now=now)
    out = undo_last(session, actor=alex, channel="console", window_minutes=10, now=now)
    assert out.status == "undone" and out.plan_id == second.id != first.id
    session.refresh(john)
    assert john.status == "contacted"
