from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.models import AuditEntry, FollowUp, Interaction, Plan
from handlers.actions import (
    InvalidAction,
    LeadNotFound,
    NotOwner,
    UnknownKind,
    UnknownStatus,
    create_plan,
    decide_plan,
)


def _audit(session, plan_id):
    return list(session.scalars(select(AuditEntry).where(AuditEntry.plan_id == plan_id).order_by(AuditEntry.id)))


@pytest.fixture
def alex(make_agent):
    return make_agent("Alex Morgan")


@pytest.fixture
def john(make_lead, alex):
    return make_lead("John Doe", owner=alex, company="Acme Ltd", status="contacted")


def _multi(john, now):
    return [
        {"type": "update_status", "lead_id": john.id, "to": "negotiating"},
        {"type": "log_interaction", "lead_id": john.id, "kind": "call", "summary": "went well"},
        {"type": "schedule_follow_up", "lead_id": john.id, "title": "send the contract",
         "due_at": (now + timedelta(hours=17, minutes=30)).isoformat()},
    ]


def test_a_plan_lists_every_change_on_one_line_in_the_agents_time_zone(session, alex, john, now):
    plan = create_plan(session, actions=_multi(john, now), agent=alex, conversation_key="console:alex",
                       channel="console", now=now)
    assert plan.status == "pending"
    assert plan.summary == ("John Doe (Acme Ltd): status contacted → negotiating · log call 'went well' · "
                            "follow-up 'send the contract' Thu 19 Nov 09:00")
    assert plan.expires_at == now + timedelta(minutes=30)
    assert plan.actions[0] == {"type": "update_status", "lead_id": john.id, "lead_name": "John Doe",
                               "from": "contacted", "to": "negotiating"}


def test_making_a_plan_changes_nothing_in_the_crm(session, alex, john, now):
    create_plan(session, actions=_multi(john, now), agent=alex, conversation_key="k", channel="console", now=now)
    session.refresh(john)
    assert john.status == "contacted"
    assert session.scalar(select(func.count()).select_from(Interaction)) == 0
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_confirming_runs_every_action_with_one_audit_row_per_changed_field(session, alex, john, now):
    plan = create_plan(session, actions=_multi(john, now), agent=alex, conversation_key="k", channel="console",
                       now=now)
    out = decide_plan(session, plan.id, "confirm", actor=alex, channel="console", now=now + timedelta(minutes=1))
    assert out.status == "executed" and out.plan_status == "executed"
    session.refresh(john)
    assert john.status == "negotiating"
    assert john.last_contacted_at == now
    inter = session.scalars(select(Interaction).where(Interaction.lead_id == john.id)).one()
    assert (inter.kind, inter.summary, inter.plan_id, inter.agent_id) == ("call", "went well", plan.id, alex.id)
    fu = session.scalars(select(FollowUp).where(FollowUp.lead_id == john.id)).one()
    assert fu.title == "send the contract" and fu.status == "open" and fu.agent_id == alex.id
    rows = _audit(session, plan.id)
    fields = [(r.entity, r.field) for r in rows]
    assert ("leads", "status") in fields and ("leads", "last_contacted_at") in fields
    assert ("interactions", "summary") in fields and ("follow_ups", "due_at") in fields
    status_row = next(r for r in rows if r.field == "status")
    assert (status_row.old_value, status_row.new_value, status_row.actor_id) == ("contacted", "negotiating", alex.id)
    assert out.audit_rows == len(rows)


def test_a_second_confirmation_does_nothing(session, alex, john, now):
    plan = create_plan(session, actions=_multi(john, now), agent=alex, conversation_key="k", channel="console",
                       now=now)
    decide_plan(session, plan.id, "confirm", actor=alex, channel="console", now=now)
    before = len(_audit(session, plan.id))
    again = decide_plan(session, plan.id, "confirm", actor=alex, channel="slack", now=now)
    assert again.status == "already" and again.plan_status == "executed"
    assert len(_audit(session, plan.id)) == before
    assert session.scalar(select(func.count()).select_from(Interaction)) == 1


def test_cancelling_changes_nothing_and_cannot_be_confirmed_after(session, alex, john, now):
    plan = create_plan(session, actions=_multi(john, now), agent=alex, conversation_key="k", channel="console",
                       now=now)
    assert decide_plan(session, plan.id, "cancel", actor=alex, channel="console", now=now).status == "cancelled"
    late = decide_plan(session, plan.id, "confirm", actor=alex, channel="console", now=now)
    assert late.status == "already" and late.plan_status == "cancelled"
    session.refresh(john)
    assert john.status == "contacted" and _audit(session, plan.id) == []


def test_a_plan_confirmed_after_its_time_to_live_expires_and_changes_nothing(session, alex, john, now):
    plan = create_plan(session, actions=_multi(john, now), agent=alex, conversation_key="k", channel="console",
                       now=now, ttl_minutes=5)
    out = decide_plan(session, plan.id, "yes", actor=alex, channel="console", now=now + timedelta(minutes=5))
    assert out.status == "expired"
    session.refresh(john)
    assert john.status == "contacted"
    assert session.get(Plan, plan.id).status == "expired"


def test_it_refuses_a_lead_owned_by_someone_else_naming_the_owner(session, alex, make_agent, make_lead):
    sam = make_agent("Sam Lee")
    smith = make_lead("John Smith", owner=sam)
    with pytest.raises(NotOwner) as err:
        create_plan(session, actions=[{"type": "update_status", "lead_id": smith.id, "to": "qualified"}],
                    agent=alex, conversation_key="k", channel="console")
    assert err.value.owner_name == "Sam Lee" and err.value.lead_name == "John Smith"


def test_an_admin_may_plan_for_any_lead(session, make_agent, john, now):
    dana = make_agent("Dana Whitfield", role="admin")
    plan = create_plan(session, actions=[{"type": "update_status", "lead_id": john.id, "to": "qualified"}],
                       agent=dana, conversation_key="k", channel="console", now=now)
    assert decide_plan(session, plan.id, "confirm", actor=dana, channel="console", now=now).status == "executed"
    assert _audit(session, plan.id)[0].actor_label == dana.email


def test_only_the_plans_agent_or_an_admin_may_decide_it(session, alex, john, make_agent, now):
    sam = make_agent("Sam Lee")
    plan = create_plan(session, actions=_multi(john, now), agent=alex, conversation_key="k", channel="console",
                       now=now)
    out = decide_plan(session, plan.id, "confirm", actor=sam, channel="slack", now=now)
    assert out.status == "refused" and out.reason == "not_your_plan"
    assert session.get(Plan, plan.id).status == "pending"


def test_a_lead_reassigned_before_confirmation_fails_the_plan_without_changes(session, alex, john, make_agent, now):
    plan = create_plan(session, actions=_multi(john, now), agent=alex, conversation_key="k", channel="console",
                       now=now)
    john.owner = make_agent("Sam Lee")
    session.flush()
    out = decide_plan(session, plan.id, "confirm", actor=alex, channel="console", now=now)
    assert out.status == "failed" and out.reason == "not_owner" and out.detail["owner"] == "Sam Lee"
    assert _audit(session, plan.id) == []


def test_unknown_status_is_refused_with_the_valid_list(session, alex, john):
    with pytest.raises(UnknownStatus) as err:
        create_plan(session, actions=[{"type": "update_status", "lead_id": john.id, "to": "hot"}], agent=alex,
                    conversation_key="k", channel="console")
    assert "negotiating" in err.value.valid and err.value.status == "hot"


def test_status_spellings_are_normalised(session, alex, john, now):
    plan = create_plan(session, actions=[{"type": "update_status", "lead_id": john.id, "to": "Closed Won"}],
                       agent=alex, conversation_key="k", channel="console", now=now)
    assert plan.actions[0]["to"] == "closed_won"
    assert "status contacted → closed won" in plan.summary


def test_unknown_kind_missing_lead_and_missing_due_are_refused(session, alex, john):
    with pytest.raises(UnknownKind):
        create_plan(session, actions=[{"type": "log_interaction", "lead_id": john.id, "kind": "fax"}], agent=alex,
                    conversation_key="k", channel="console")
    with pytest.raises(LeadNotFound):
        create_plan(session, actions=[{"type": "opt_out", "lead_id": 999999}], agent=alex, conversation_key="k",
                    channel="console")
    with pytest.raises(InvalidAction) as err:
        create_plan(session, actions=[{"type": "schedule_follow_up", "lead_id": john.id, "title": "call"}],
                    agent=alex, conversation_key="k", channel="console")
    assert err.value.field == "due_at"


def test_an_interaction_in_the_past_does_not_move_last_contact_backwards(session, alex, john, now):
    john.last_contacted_at = now
    plan = create_plan(session, actions=[{"type": "log_interaction", "lead_id": john.id, "kind": "note",
                                          "summary": "old", "occurred_at": (now - timedelta(days=3)).isoformat()}],
                       agent=alex, conversation_key="k", channel="console", now=now)
    assert "log note 'old' on Sun 15 Nov 15:30" in plan.summary
    decide_plan(session, plan.id, "confirm", actor=alex, channel="console", now=now)
    session.refresh(john)
    assert john.last_contacted_at == now
    assert all(r.field != "last_contacted_at" for r in _audit(session, plan.id))


def test_creating_a_plan_again_with_the_same_id_returns_the_first(session, alex, john, now):
    a = create_plan(session, actions=_multi(john, now), agent=alex, conversation_key="k", channel="console",
                    now=now, plan_id="p-fixed")
    b = create_plan(session, actions=[{"type": "opt_out", "lead_id": john.id}], agent=alex, conversation_key="k",
                    channel="console", now=now, plan_id="p-fixed")
    assert a is b and len(b.actions) == 3


def test_opt_out_is_planned_and_audited(session, alex, john, now):
    plan = create_plan(session, actions=[{"type": "opt_out", "lead_id": john.id}], agent=alex,
                       conversation_key="k", channel="email", source="lead_reply", now=now)
    assert plan.summary == "John Doe (Acme Ltd): opt out of all campaign email"
    decide_plan(session, plan.id, "confirm", actor=alex, channel="console", now=now)
    session.refresh(john)
    assert john.opted_out_at == now
