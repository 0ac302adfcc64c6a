"""The App Home tab and notifications delivered as DMs (reminders, lead-reply proposals)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from slack_sdk import WebClient
from sqlalchemy import select

from bot.brain.replies import button
from bot.channels.slack import render
from bot.channels.slack.deliver import deliver_pending
from bot.channels.slack.expiry import settle_expired
from bot.channels.slack.home import home_data, home_view
from bot.messages import Reply
from bot.notify import notify
from crm.models import Agent, Campaign, FollowUp, Lead, Notification, OutboxMessage, Plan
from crm.types import utcnow
from handlers.actions import create_plan
from handlers.reminders import send_due_reminders
from tests.slack.slackfake import (
    action_body,
    action_payload,
    all_text,
    button as find_button,
    buttons,
    eventually,
    home_body,
    post_plan,
    press,
)


def test_home_data_splits_overdue_from_due_today_in_the_agents_time_zone(session, make_agent, make_lead):
    alex = make_agent("Alex Morgan", tz="Europe/London")
    john = make_lead("John Doe", owner=alex, status="negotiating")
    make_lead("Mary Poppins", owner=alex, status="new")
    make_lead("Bert Sweep", owner=alex, status="new")
    now = datetime(2026, 11, 18, 15, 30, tzinfo=timezone.utc)
    for title, due, status, snoozed in (
        ("Call back", now - timedelta(days=1), "open", None),
        ("Send contract", now + timedelta(hours=3), "open", None),  # 18:30 London, still today
        ("Viewing prep", now + timedelta(hours=9), "open", None),  # 00:30 tomorrow
        ("Old one", now - timedelta(days=2), "done", None),
        ("Snoozed", now - timedelta(hours=1), "open", now + timedelta(days=1)),
    ):
        session.add(FollowUp(lead_id=john.id, agent_id=alex.id, title=title, due_at=due, status=status,
                             snoozed_until=snoozed))
    session.flush()
    data = home_data(session, alex, now=now)
    assert [i.title for i in data.overdue] == ["Call back"]
    assert [i.title for i in data.today] == ["Send contract"]
    assert data.pipeline == (("new", 2), ("negotiating", 1))
    view = home_view(data)
    text = all_text(view["blocks"])
    assert view["type"] == "home"
    assert "*Call back* — John Doe · Tue 17 Nov 15:30" in text and "*Send contract* — John Doe · 18:30" in text
    assert "new" in text and "negotiating" in text and "(3 leads)" in text


def test_home_lists_the_agents_campaigns_still_going_with_how_far_sending_got(session, make_agent, make_lead):
    from handlers.campaigns import outbox

    alex, sam = make_agent("Alex Morgan"), make_agent("Sam Lee")
    for n in range(3):
        make_lead(f"Lead {n}", owner=alex, status="new")
    now = datetime(2026, 11, 18, 15, 30, tzinfo=timezone.utc)
    running = Campaign(name="Spring launch", sender="alex@agency.example", template="new_launch", audience={},
                       created_by_id=alex.id, state="running", created_at=now - timedelta(days=2))
    session.add_all([running,
                     Campaign(name="Draft <idea>", sender="alex@agency.example", template="new_launch", audience={},
                              created_by_id=alex.id, state="draft", created_at=now - timedelta(days=1)),
                     Campaign(name="Old one", sender="alex@agency.example", template="new_launch", audience={},
                              created_by_id=alex.id, state="finished", created_at=now - timedelta(days=9)),
                     Campaign(name="Sam's", sender="sam@agency.example", template="new_launch", audience={},
                              created_by_id=sam.id, state="running", created_at=now)])
    session.flush()
    outbox.start(session, running, domain="crmbot.test", now=now)
    first = session.scalars(select(OutboxMessage).where(OutboxMessage.campaign_id == running.id)).first()
    first.state = "sent"
    session.flush()
    data = home_data(session, alex, now=now)
    assert [(c.name, c.state, c.sent, c.audience) for c in data.campaigns] == [
        ("Draft <idea>", "draft", 0, 0), ("Spring launch", "running", 1, 3)]
    text = all_text(home_view(data)["blocks"])
    assert "*Spring launch* — running · 1 of 3 sent" in text and "*Draft &lt;idea&gt;* — draft" in text
    assert "Old one" not in text and "Sam's" not in text


def test_opening_the_home_tab_publishes_the_agents_day(slack_server, team):
    with team.begin() as s:
        alex = s.scalar(select(Agent).where(Agent.slack_user_id == "U0ALEX"))
        john = s.scalar(select(Lead).where(Lead.name == "John Doe"))
        s.add(FollowUp(lead_id=john.id, agent_id=alex.id, title="Chase the deposit", due_at=utcnow() - timedelta(days=1)))
        s.add(FollowUp(lead_id=john.id, agent_id=alex.id, title="Far away", due_at=utcnow() + timedelta(days=3)))
    slack_server.event(home_body(event_id="Ev0HOME1", tab="messages"))  # the Messages tab: nothing to publish
    slack_server.event(home_body(event_id="Ev0HOME2"))
    call = slack_server.api.wait_for("views.publish")[0]
    assert call.params["user_id"] == "U0ALEX"
    text = all_text(call.params["view"]["blocks"])
    assert "Chase the deposit" in text and "Far away" not in text
    assert "contacted" in text and "(2 leads)" in text
    assert len(slack_server.api.of("views.publish")) == 1


def test_an_unlinked_user_sees_how_to_get_linked_on_the_home_tab(slack_server, team):
    slack_server.event(home_body(event_id="Ev0HOME3", user="U0EVE"))
    view = slack_server.api.wait_for("views.publish")[0].params["view"]
    assert "/crm link" in all_text(view["blocks"])


# --- notifications as DMs ----------------------------------------------------------------------

def test_a_reminder_is_delivered_as_a_dm_with_done_and_snooze_and_done_works(slack_server, team):
    with team.begin() as s:
        alex = s.scalar(select(Agent).where(Agent.slack_user_id == "U0ALEX"))
        sam = s.scalar(select(Agent).where(Agent.slack_user_id == "U0SAM"))
        john = s.scalar(select(Lead).where(Lead.name == "John Doe"))
        fu = FollowUp(lead_id=john.id, agent_id=alex.id, title="Chase the deposit", due_at=utcnow() - timedelta(days=1))
        s.add(fu)
        s.flush()
        assert send_due_reminders(s) == 1  # the worker's reminder job writes the notification
        unlinked = Agent(name="No Slack", email="noslack@agency.example")
        s.add(unlinked)
        s.flush()
        notify(s, agent_id=unlinked.id, kind="info", reply=Reply("hello"))
        fu_id, sam_id = fu.id, sam.id
    client = WebClient(token="xoxb-test-token", base_url=slack_server.api.url)
    result = deliver_pending(team, client)
    assert (result.delivered, result.failed) == (1, 0)
    dm = slack_server.api.of("chat.postMessage")[0]
    assert dm.params["channel"] == "U0ALEX" and "Chase the deposit" in dm.params["text"]
    done, snooze = buttons(dm.params["blocks"])
    assert (done["text"]["text"], snooze["text"]["text"]) == ("Done", "Snooze 1 hour")
    assert render.decode_action(done["value"])["follow_up_id"] == fu_id
    with team() as s:
        n = s.scalars(select(Notification).where(Notification.kind == "reminder")).one()
        assert n.delivered_via == "slack" and n.message_ref["channel"] == "U0ALEX" and n.message_ref["ts"]
        assert s.scalars(select(Notification.delivered_at).where(Notification.kind == "info")).one() is None
    assert deliver_pending(team, client).delivered == 0  # delivered once

    dm_channel = "D0ALEX"
    payload = action_payload(find_button(dm.params["blocks"], "Done"), message_blocks=dm.params["blocks"],
                             channel=dm_channel, message_ts="dm.1", response_url=slack_server.api.response_url("fu"))
    slack_server.action(action_body(payload))
    settled = slack_server.api.wait_for("chat.update")[0].params
    assert settled["channel"] == dm_channel and not buttons(settled["blocks"])
    assert "Done by <@U0ALEX>" in all_text(settled["blocks"])
    with team() as s:
        assert s.get(FollowUp, fu_id).status == "done"
    assert sam_id  # Sam had nothing pending and got nothing
    assert [c.params["channel"] for c in slack_server.api.of("chat.postMessage")] == ["U0ALEX"]


def test_a_lead_reply_proposal_is_delivered_with_its_plan_buttons_and_confirm_runs_it(slack_server, team):
    with team.begin() as s:
        alex = s.scalar(select(Agent).where(Agent.slack_user_id == "U0ALEX"))
        john = s.scalar(select(Lead).where(Lead.name == "John Doe"))
        plan = create_plan(s, actions=[{"type": "update_status", "lead_id": john.id, "to": "negotiating"}],
                           agent=alex, conversation_key="email:<reply-1@acme.example>", channel="email",
                           source="lead_reply")
        proposal = Reply(f"John Doe replied: “Can we talk numbers?”\n{plan.summary}", kind="proposal", plan_id=plan.id,
                         choices=(button("confirm", {"plan_id": plan.id, "decision": "confirm"}, "primary"),
                                  button("cancel", {"plan_id": plan.id, "decision": "cancel"}, "danger")))
        notify(s, agent_id=alex.id, kind="proposal", reply=proposal)
        plan_id = plan.id
    deliver_pending(team, WebClient(token="xoxb-test-token", base_url=slack_server.api.url))
    dm = slack_server.api.of("chat.postMessage")[0]
    confirm = find_button(dm.params["blocks"], "Confirm")
    assert render.decode_action(confirm["value"]) == {"plan_id": plan_id, "decision": "confirm"}
    with team() as s:
        assert s.get(Plan, plan_id).message_ref["channel"] == "U0ALEX"
    payload = action_payload(confirm, message_blocks=dm.params["blocks"], channel="D0ALEX", message_ts="dm.2",
                             response_url=slack_server.api.response_url("prop"))
    slack_server.action(action_body(payload))
    settled = slack_server.api.wait_for("chat.update")[0].params
    assert ":white_check_mark: Done by <@U0ALEX>" in all_text(settled["blocks"])
    with team() as s:
        assert s.get(Plan, plan_id).status == "executed"
        assert s.scalar(select(Lead.status).where(Lead.name == "John Doe")) == "negotiating"


def test_a_permanent_slack_error_stops_retrying_and_a_passing_one_retries(slack_api, team):
    with team.begin() as s:
        alex = s.scalar(select(Agent).where(Agent.slack_user_id == "U0ALEX"))
        notify(s, agent_id=alex.id, kind="info", reply=Reply("first"))
    client = WebClient(token="xoxb-test-token", base_url=slack_api.url, retry_handlers=[])
    slack_api.failures["chat.postMessage"] = "internal_error"
    assert deliver_pending(team, client).failed == 1
    with team() as s:
        n = s.scalars(select(Notification)).one()
        assert (n.attempts, n.last_error, n.delivered_at) == (1, "internal_error", None)
    slack_api.failures["chat.postMessage"] = "account_inactive"
    deliver_pending(team, client)
    with team() as s:
        assert s.scalars(select(Notification.attempts)).one() == 5
    del slack_api.failures["chat.postMessage"]
    assert deliver_pending(team, client).delivered == 0


def test_the_worker_component_delivers_in_the_background_and_stops(engine, slack_api, team):
    from bot.channels.slack import deliver
    from bot.context import AppContext
    from bot.settings import Settings
    from tests.slack.conftest import slack_settings
    from tests.slack.slackfake import eventually

    assert deliver.component(AppContext(Settings(), _engine=engine)) is None
    component = deliver.component(AppContext(slack_settings(slack_api), _engine=engine))
    component.interval = 0.05
    with team.begin() as s:
        alex = s.scalar(select(Agent).where(Agent.slack_user_id == "U0ALEX"))
        notify(s, agent_id=alex.id, kind="info", reply=Reply("Mary Poppins replied: thanks!"))
    component.start()
    try:
        call = slack_api.wait_for("chat.postMessage")[0]
        assert call.params["channel"] == "U0ALEX" and "Mary Poppins replied" in call.params["text"]

        def delivered() -> bool:
            with team() as s:
                return s.scalars(select(Notification.delivered_via)).one() == "slack"

        assert eventually(delivered)
    finally:
        component.stop()
    assert not component._thread.is_alive()


def test_snooze_on_a_reminder_puts_the_follow_up_off_and_says_so_in_place(slack_server, team):
    with team.begin() as s:
        alex = s.scalar(select(Agent).where(Agent.slack_user_id == "U0ALEX"))
        john = s.scalar(select(Lead).where(Lead.name == "John Doe"))
        fu = FollowUp(lead_id=john.id, agent_id=alex.id, title="Send floor plans", due_at=utcnow() - timedelta(hours=2))
        s.add(fu)
        s.flush()
        send_due_reminders(s)
        fu_id = fu.id
    deliver_pending(team, WebClient(token="xoxb-test-token", base_url=slack_server.api.url))
    dm = slack_server.api.of("chat.postMessage")[0]
    payload = action_payload(find_button(dm.params["blocks"], "Snooze 1 hour"), message_blocks=dm.params["blocks"],
                             channel="D0ALEX", message_ts="dm.3", response_url=slack_server.api.response_url("sn"))
    slack_server.action(action_body(payload))
    settled = all_text(slack_server.api.wait_for("chat.update")[0].params["blocks"])
    assert "Snooze 1 hour by <@U0ALEX>" in settled
    with team() as s:
        fu = s.get(FollowUp, fu_id)
        assert fu.status == "open" and fu.snoozed_until > utcnow() and fu.reminded_at is None


def test_a_plan_left_unanswered_is_expired_and_its_buttons_removed_once(slack_server, team):
    call = post_plan(slack_server)
    plan = eventually(lambda: _plan_with_ref(team))
    client = WebClient(token="xoxb-test-token", base_url=slack_server.api.url)
    assert settle_expired(team, client, now=plan.expires_at - timedelta(seconds=1)) == 0  # not yet
    assert settle_expired(team, client, now=plan.expires_at + timedelta(seconds=1)) == 1
    updated = slack_server.api.wait_for("chat.update")[0].params
    assert updated["channel"] == call.params["channel"] and not buttons(updated["blocks"])
    assert ":hourglass: Expired — nothing was changed" in all_text(updated["blocks"])
    assert "John Doe (Acme Ltd): status contacted → negotiating" in all_text(updated["blocks"])
    assert settle_expired(team, client, now=plan.expires_at + timedelta(minutes=5)) == 0
    assert len(slack_server.api.of("chat.update")) == 1
    with team() as s:
        assert s.get(Plan, plan.id).status == "expired"
        assert s.scalar(select(Lead.status).where(Lead.name == "John Doe")) == "contacted"


def test_a_plan_confirmed_in_time_is_not_expired_later(slack_server, team):
    call = post_plan(slack_server)
    plan = eventually(lambda: _plan_with_ref(team))
    press(slack_server, call, "Confirm")
    slack_server.api.wait_for("chat.update")
    client = WebClient(token="xoxb-test-token", base_url=slack_server.api.url)
    assert settle_expired(team, client, now=plan.expires_at + timedelta(minutes=1)) == 0
    with team() as s:
        assert s.get(Plan, plan.id).status == "executed"


def _plan_with_ref(sessions):  # noqa: ANN001, ANN202
    with sessions() as s:
        return s.scalars(select(Plan).where(Plan.message_ref.is_not(None))).first()
