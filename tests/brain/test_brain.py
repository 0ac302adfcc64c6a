"""The brain through its public API: Brain.handle(Message) -> [Reply], on a real database."""
from __future__ import annotations

import json

from sqlalchemy import func, select, text

from bot.messages import Message, Reply, Source
from crm.models import AuditEntry, FollowUp, Lead, Plan
from handlers.actions import create_plan
from tests.brain.conftest import Clock


def _say(brain, team, text_: str = "", *, who: str = "alex", action=None, key=None):  # noqa: ANN001, ANN202
    agent_id = team.agents[who] if who else None
    return brain.handle(Message(text=text_, agent_id=agent_id, channel="console",
                                conversation_key=key or f"console:{who}", action=action))


def _plans(team, **where) -> list[Plan]:  # noqa: ANN001
    with team.ctx.sessions() as s:
        stmt = select(Plan)
        for k, v in where.items():
            stmt = stmt.where(getattr(Plan, k) == v)
        return list(s.scalars(stmt))


def _status(team, name: str) -> str:  # noqa: ANN001
    with team.ctx.sessions() as s:
        return s.get(Lead, team.leads[name]).status


class CountingUnderstander:
    """The real understander, counting how often the brain consults it."""

    def __init__(self, real) -> None:  # noqa: ANN001
        self.real, self.calls = real, 0

    def understand(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        self.calls += 1
        return self.real.understand(*args, **kwargs)


def test_fixed_commands_and_buttons_never_reach_the_understander(team, understander):
    from bot.brain import Brain

    counting = CountingUnderstander(understander)
    brain = Brain(ctx=team.ctx, understander=counting, clock=Clock(team.now))
    try:
        for line in ("help", "yes", "no", "cancel", "undo", "Yes please", "nope", "?"):
            assert _say(brain, team, line)
        assert _say(brain, team, action={"plan_id": "nope", "decision": "confirm"})
        assert counting.calls == 0
        _say(brain, team, "show John Doe")
        assert counting.calls == 1
    finally:
        brain.close()


def test_a_plan_reply_carries_confirm_and_cancel_buttons_for_its_plan(team, make_brain):
    replies = _say(make_brain(team), team, "move Mary Poppins to qualified")
    (plan,) = replies
    assert plan.kind == "plan" and plan.plan_id
    assert [json.loads(c.value) for c in plan.choices] == [
        {"plan_id": plan.plan_id, "decision": "confirm"}, {"plan_id": plan.plan_id, "decision": "cancel"}]
    assert [c.style for c in plan.choices] == ["primary", "danger"]
    assert _plans(team)[0].status == "pending" and _status(team, "Mary Poppins") == "new"


def test_a_double_click_on_confirm_runs_the_plan_once(team, make_brain):
    brain = make_brain(team)
    (plan,) = _say(brain, team, "move Mary Poppins to qualified")
    click = {"plan_id": plan.plan_id, "decision": "confirm"}
    first = _say(brain, team, action=click)
    second = _say(brain, team, action=click)
    assert first[0].kind == "done" and "already done" in second[0].text
    with team.ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.plan_id == plan.plan_id)) == 1


def test_a_plan_from_elsewhere_is_decided_by_its_id_from_any_conversation(team, make_brain):
    from crm.models import Agent

    with team.ctx.sessions.begin() as s:
        p = create_plan(s, actions=[{"type": "update_status", "lead_id": team.leads["John Doe"], "to": "qualified"}],
                        agent=s.get(Agent, team.agents["alex"]), conversation_key="email:<r1@x>", channel="email",
                        source="lead_reply", now=team.now)
        plan_id = p.id
    brain = make_brain(team)
    _say(brain, team, "move Mary Poppins to qualified", key="slack:D1:U1")  # this thread waits for its own plan
    done = _say(brain, team, action={"plan_id": plan_id, "decision": "confirm"}, key="slack:D1:U1")
    assert done[0].kind == "done" and _status(team, "John Doe") == "qualified"
    assert _status(team, "Mary Poppins") == "new"


def test_yes_with_nothing_waiting_says_so(team, make_brain):
    (reply,) = _say(make_brain(team), team, "yes")
    assert reply.text == "There's nothing waiting for your confirmation."


def test_a_new_request_leaves_the_earlier_plan_pending_and_yes_confirms_the_newest(team, make_brain):
    brain = make_brain(team)
    (first,) = _say(brain, team, "move Mary Poppins to qualified")
    (second,) = _say(brain, team, "move Grace Hopper to negotiating")
    _say(brain, team, "yes")
    assert _status(team, "Grace Hopper") == "negotiating" and _status(team, "Mary Poppins") == "new"
    # The earlier plan can still be confirmed by its button, until it expires.
    (done,) = _say(brain, team, action={"plan_id": first.plan_id, "decision": "confirm"})
    assert done.kind == "done" and _status(team, "Mary Poppins") == "qualified"


def test_an_answer_out_of_range_asks_again_and_keeps_the_question_open(team, make_brain):
    brain = make_brain(team)
    _say(brain, team, "move John to qualified")
    (again,) = _say(brain, team, "5")
    assert again.text == 'Please pick a number from 1 to 2, or say "cancel".'
    (plan,) = _say(brain, team, action={"decision": "choice", "choice": 1})
    assert "John Doe (Acme Ltd): status contacted → qualified" in plan.text


def test_him_refers_to_the_last_lead_of_the_conversation(team, make_brain):
    brain = make_brain(team)
    _say(brain, team, "show Grace Hopper")
    (plan,) = _say(brain, team, "move her to negotiating")
    assert "Grace Hopper (Cobol Systems): status follow up → negotiating" in plan.text


def test_an_admin_may_change_any_agents_lead_and_is_audited_as_the_actor(team, make_brain):
    brain = make_brain(team)
    (plan,) = _say(brain, team, "move José Álvarez to negotiating", who="dana")
    assert plan.kind == "plan"
    _say(brain, team, "yes", who="dana")
    assert _status(team, "José Álvarez") == "negotiating"
    with team.ctx.sessions() as s:
        row = s.scalars(select(AuditEntry).where(AuditEntry.plan_id == plan.plan_id)).one()
    assert row.actor_label == "dana@agency.example"


def test_showing_another_agents_lead_is_refused_naming_the_owner(team, make_brain):
    (reply,) = _say(make_brain(team), team, "show Chen Wei")
    assert reply.kind == "error" and reply.ephemeral and "Chen Wei is Sam Lee's lead" in reply.text


def test_a_request_the_bot_is_unsure_of_gets_a_question_not_a_plan(team, make_brain):
    brain = make_brain(team)
    (reply,) = _say(brain, team, "flibber the wotsit")
    assert reply.kind == "question" and "didn't understand" in reply.text
    (when,) = _say(brain, team, "remind me about Mary Poppins")
    assert when.text.startswith("When should I remind you?")
    assert _plans(team) == []


def test_questions_go_to_the_answerer_and_its_failures_stay_out_of_the_reply(team, make_brain):
    class Answerer:
        def __init__(self, fail: bool) -> None:
            self.fail = fail

        def answer(self, question, *, session, agent, now):  # noqa: ANN001, ANN201
            assert now == team.now  # answers are about the brain's "now", not the wall clock
            if self.fail:
                raise RuntimeError("secret connection string")
            n = session.scalar(select(func.count()).select_from(Lead).where(Lead.owner_id == agent.id,
                                                                           Lead.status == "negotiating"))
            return Reply(text=f"{n}", kind="answer", sources=(Source(title="CRM", ref="sql"),))

    (ok,) = _say(make_brain(team, answerer=Answerer(False)), team, "How many of my leads are negotiating?")
    assert (ok.kind, ok.text) == ("answer", "1")
    (bad,) = _say(make_brain(team, answerer=Answerer(True)), team, "How many of my leads are negotiating?")
    assert "secret" not in bad.text and bad.text.startswith("Sorry, I couldn't answer")


def test_an_unknown_speaker_is_told_to_ask_an_admin(team, make_brain):
    (reply,) = make_brain(team).handle(Message(text="show John Doe", agent_id=None, channel="slack",
                                               conversation_key="slack:D9:U9"))
    assert "crmbot agents add" in reply.text and reply.kind == "error"


def test_a_waiting_plan_survives_a_restart_of_the_brain(team, make_brain):
    first = make_brain(team)
    _say(first, team, "move Mary Poppins to qualified")
    first.close()
    (done,) = _say(make_brain(team), team, "yes")
    assert done.kind == "done" and _status(team, "Mary Poppins") == "qualified"


def test_reminder_buttons_mark_done_or_snooze(team, make_brain):
    brain = make_brain(team)
    with team.ctx.sessions() as s:
        fu = s.scalars(select(FollowUp).where(FollowUp.lead_id == team.leads["John Doe"])).one()
    (snoozed,) = _say(brain, team, action={"follow_up_id": fu.id, "decision": "snooze"})
    assert snoozed.text.startswith("Snoozed: I'll remind you about \"Send floor plans\" (John Doe) again at "
                                   "Wed 18 Nov 16:30")
    (done,) = _say(brain, team, action={"follow_up_id": fu.id, "decision": "done"})
    assert done.kind == "done"
    (refused,) = _say(brain, team, who="sam", action={"follow_up_id": fu.id, "decision": "done"})
    assert "isn't yours" in refused.text or "already closed" in refused.text


def test_old_checkpoints_are_pruned_so_a_conversation_stays_small(team, make_brain):
    brain = make_brain(team)

    def stored() -> tuple[int, int]:
        with team.ctx.engine.connect() as conn:
            n = conn.execute(text("SELECT count(*) FROM checkpoints WHERE thread_id = 'console:alex'")).scalar()
            blobs = 0
            if team.ctx.engine.dialect.name == "postgresql":  # PostgresSaver keeps channel values apart
                blobs = conn.execute(text("SELECT count(*) FROM checkpoint_blobs "
                                          "WHERE thread_id = 'console:alex'")).scalar()
        return n, blobs

    for line in ("show John Doe", "move Mary Poppins to qualified", "yes", "help"):
        _say(brain, team, line)
    after_four = stored()
    for line in ("show Grace Hopper", "move her to negotiating", "no", "help") * 2:
        _say(brain, team, line)
    assert stored()[0] == after_four[0] == 2  # the newest turn and its parent
    assert stored()[1] <= after_four[1] + 2
    # The conversation's memory survives pruning: "him" still means the last lead named.
    _say(brain, team, "move John Smith to qualified")
    _say(brain, team, "no")
    (again,) = _say(brain, team, "move him to negotiating")
    assert "John Smith" in again.text


def test_yes_while_the_bot_asks_which_lead_repeats_the_question_instead_of_confirming_an_older_plan(
        team, make_brain):
    brain = make_brain(team)
    _say(brain, team, "move Mary Poppins to qualified")
    _say(brain, team, "move John to negotiating")
    (again,) = _say(brain, team, "yes")
    assert again.text.startswith("Please pick a number from 1 to 2")
    assert _status(team, "Mary Poppins") == "new"


def test_a_failure_inside_the_brain_is_an_apology_without_details(team, make_brain):
    class Broken:
        def understand(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
            raise RuntimeError("password=hunter2")

    from bot.brain import Brain

    brain = Brain(ctx=team.ctx, understander=Broken(), clock=Clock(team.now))
    try:
        (reply,) = _say(brain, team, "move Mary Poppins to qualified")
    finally:
        brain.close()
    assert reply.kind == "error" and "hunter2" not in reply.text and reply.text.startswith("Sorry")


def test_a_second_yes_from_a_process_that_saw_the_same_question_hears_already_done(team, make_brain):
    first, second = make_brain(team), make_brain(team)
    _say(first, team, "move Mary Poppins to qualified")
    # The second process read the conversation while the plan was still waiting...
    seen = second.graph.get_state({"configurable": {"thread_id": "console:alex"}})
    second.graph.get_state = lambda config: seen
    # ...then the first process confirmed it.
    (done,) = _say(first, team, "yes")
    (again,) = _say(second, team, "yes")
    assert done.text.startswith("Done ✓")
    assert again.text == "That plan was already done — nothing more to do."
    with team.ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.plan_id == done.plan_id)) == 1
