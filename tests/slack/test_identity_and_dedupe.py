import threading
from datetime import timedelta

from slack_sdk import WebClient
from sqlalchemy import select

from bot.channels.slack import dedupe, identity
from crm.models import ProcessedEvent


def client_for(api) -> WebClient:  # noqa: ANN001
    return WebClient(token="xoxb-test-token", base_url=api.url)


def test_a_linked_user_is_found_without_asking_slack(session, make_agent, slack_api):
    alex = make_agent("Alex Morgan", slack_user_id="U0ALEX")
    assert identity.resolve(session, client_for(slack_api), "U0ALEX") == alex
    assert slack_api.of("users.info") == []


def test_first_contact_links_by_profile_email_and_stores_the_link(session, make_agent, slack_api):
    sam = make_agent("Sam Lee", email="sam@agency.example")
    slack_api.users["U0SAM"] = "Sam@Agency.example"
    assert identity.resolve(session, client_for(slack_api), "U0SAM") == sam
    assert sam.slack_user_id == "U0SAM"
    assert identity.resolve(session, client_for(slack_api), "U0SAM") == sam
    assert len(slack_api.of("users.info")) == 1


def test_a_user_whose_email_is_no_agent_stays_unlinked(session, make_agent, slack_api):
    make_agent("Sam Lee", email="sam@agency.example")
    slack_api.users["U0EVE"] = "eve@elsewhere.example"
    assert identity.resolve(session, client_for(slack_api), "U0EVE") is None
    assert identity.resolve(session, client_for(slack_api), "U0NOBODY") is None  # users.info: user_not_found


def test_an_email_already_linked_to_another_slack_user_is_not_taken_over(session, make_agent, slack_api):
    make_agent("Sam Lee", email="sam@agency.example", slack_user_id="U0SAM")
    slack_api.users["U0IMPOSTOR"] = "sam@agency.example"
    assert identity.resolve(session, client_for(slack_api), "U0IMPOSTOR") is None


def test_an_inactive_agent_is_nobody(session, make_agent, slack_api):
    make_agent("Old Timer", slack_user_id="U0OLD", active=False)
    assert identity.resolve(session, client_for(slack_api), "U0OLD") is None


def test_an_admin_links_a_user_by_mention_and_escaped_email(session, make_agent, slack_api):
    admin = make_agent("Ada Admin", role="admin", slack_user_id="U0ADA")
    sam = make_agent("Sam Lee", email="sam@agency.example")
    outcome = identity.link(session, client_for(slack_api), admin=admin,
                            args="<@U0SAM|sam> <mailto:sam@agency.example|sam@agency.example>")
    assert outcome.status == "linked" and outcome.agent_name == "Sam Lee"
    assert sam.slack_user_id == "U0SAM"


def test_linking_moves_the_link_and_falls_back_to_the_profile_email(session, make_agent, slack_api):
    admin = make_agent("Ada Admin", role="admin", slack_user_id="U0ADA")
    old = make_agent("Sam Lee", email="sam@agency.example", slack_user_id="U0SAM")
    new = make_agent("Sam Lee Jr", email="samjr@agency.example")
    slack_api.users["U0SAM"] = "samjr@agency.example"
    outcome = identity.link(session, client_for(slack_api), admin=admin, args="<@U0SAM>")
    assert outcome.status == "linked"
    assert new.slack_user_id == "U0SAM" and old.slack_user_id is None


def test_only_an_admin_can_link_and_mistakes_are_explained(session, make_agent, slack_api):
    agent = make_agent("Alex Morgan", slack_user_id="U0ALEX")
    admin = make_agent("Ada Admin", role="admin", slack_user_id="U0ADA")
    client = client_for(slack_api)
    assert identity.link(session, client, admin=agent, args="<@U0ALEX> x@agency.example").status == "not_admin"
    assert identity.link(session, client, admin=None, args="<@U0ALEX> x@agency.example").status == "not_admin"
    assert identity.link(session, client, admin=admin, args="sam@agency.example").status == "usage"
    assert identity.link(session, client, admin=admin, args="<@U0GHOST>").status == "no_email"
    assert identity.link(session, client, admin=admin, args="<@U0X> nobody@agency.example").status == "no_agent"


def test_a_key_is_claimed_once(session):
    assert dedupe.claim(session, "event:Ev1") is True
    assert dedupe.claim(session, "event:Ev1") is False
    assert dedupe.claim(session, "event:Ev2") is True


def test_concurrent_claims_of_one_key_have_exactly_one_winner(committed):
    wins: list[bool] = []
    barrier = threading.Barrier(8)

    def claim() -> None:
        barrier.wait()
        with committed.begin() as s:
            wins.append(dedupe.claim(s, "command:1111.2222.race"))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 7 + [True]


def test_keys_for_events_commands_and_presses():
    assert dedupe.event_key({"event_id": "Ev9"}) == "event:Ev9"
    assert dedupe.command_key({"trigger_id": "1.2.3"}) == "command:1.2.3"
    press = {"user": {"id": "U1"}, "container": {"channel_id": "C1", "message_ts": "9.9"}, "trigger_id": "t"}
    assert dedupe.action_key(press, plan_id="p-1") == "action:plan:p-1:U1"
    assert dedupe.action_key(press, plan_id=None) == "action:msg:C1:9.9:U1"
    assert dedupe.action_key({"user": {"id": "U2"}, **{k: v for k, v in press.items() if k != "user"}},
                             plan_id="p-1") != dedupe.action_key(press, plan_id="p-1")


def test_old_keys_are_pruned(session, now):
    session.add(ProcessedEvent(key="event:old", at=now - timedelta(days=8)))
    session.add(ProcessedEvent(key="event:new", at=now - timedelta(hours=1)))
    session.flush()
    assert dedupe.prune(session, now=now) == 1
    assert session.scalars(select(ProcessedEvent.key).where(ProcessedEvent.key.like("event:%"))).all() == ["event:new"]
