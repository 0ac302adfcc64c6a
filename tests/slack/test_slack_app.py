"""The Slack app end to end: signed requests in Slack's formats over real HTTP, the real brain,
the real database, and a fake Web API that records what the bot sent."""
from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

import httpx
from sqlalchemy import func, select, update

from bot.channels.slack import render
from bot.context import AppContext
from bot.settings import Settings
from bot.web import build_app as build_web
from bot.channels.slack import http as slack_http
from crm.models import Agent, AuditEntry, Lead, Plan, ProcessedEvent
from crm.types import utcnow
from tests.slack.conftest import serve
from tests.slack.slackfake import (
    FIXTURES,
    action_body,
    action_payload,
    all_text,
    button,
    buttons,
    command_body,
    dm_body,
    eventually,
    is_plan,
    mention_body,
    post_plan,
    press,
    signature,
    url_verification_body,
)


def lead_status(sessions, name: str) -> str:  # noqa: ANN001
    with sessions() as s:
        return s.scalar(select(Lead.status).where(Lead.name == name))


def count(sessions, model) -> int:  # noqa: ANN001
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


# --- the request gate: signatures, timestamps, url_verification ---------------------------------

def test_url_verification_answers_the_challenge(slack_server):
    resp = slack_server.event(url_verification_body())
    assert resp.status_code == 200
    assert resp.json() == {"challenge": json.loads(url_verification_body())["challenge"]}


def test_the_test_signer_matches_slacks_published_example():
    vector = json.loads((FIXTURES / "signature_vector.json").read_text())
    ts, sig = signature(vector["body"], secret=vector["signing_secret"], timestamp=vector["timestamp"])
    assert sig == vector["signature"]


def test_a_bad_signature_is_refused_with_401_and_nothing_runs(slack_server, team):
    body = command_body("move John Doe to negotiating", trigger_id="bad.1", response_url=slack_server.api.response_url("b"))
    resp = slack_server.command(body, secret="not-the-signing-secret")
    assert resp.status_code == 401
    unsigned = slack_server.http.post(f"{slack_server.base}/slack/events", content=body,
                                      headers={"content-type": "application/x-www-form-urlencoded"})
    assert unsigned.status_code == 401
    # A good request afterwards is the barrier: once its plan is posted, anything queued has run.
    post_plan(slack_server, trigger="good.1")
    assert len(slack_server.api.of("chat.postMessage")) == 1
    assert count(team, Plan) == 1
    with team() as s:
        assert s.scalars(select(ProcessedEvent.key)).all() == ["command:good.1"]


def test_a_request_older_than_five_minutes_is_refused(slack_server, team):
    body = command_body("move John Doe to negotiating", trigger_id="old.1", response_url=slack_server.api.response_url("o"))
    resp = slack_server.command(body, timestamp=int(time.time()) - 6 * 60)
    assert resp.status_code == 401
    post_plan(slack_server, trigger="good.2")
    assert count(team, Plan) == 1


def test_slack_is_off_without_credentials_and_the_web_app_still_runs(engine):
    base, stop = serve(build_web(AppContext(Settings(), _engine=engine), [slack_http.routes]))
    try:
        assert httpx.post(f"{base}/slack/events", content=b"{}").status_code == 503
        assert httpx.get(f"{base}/healthz").json() == {"ok": True}
    finally:
        stop()


# --- /crm: plan, confirm, cancel ------------------------------------------------------------------

def test_a_slash_command_is_acked_empty_then_the_plan_is_posted_with_confirm_and_cancel(slack_server, team):
    resp = slack_server.command(command_body("move John Doe to negotiating", trigger_id="t.plan",
                                             response_url=slack_server.api.response_url("t")))
    assert resp.status_code == 200 and resp.content == b""
    call = slack_server.api.wait_for("chat.postMessage", where=is_plan)[0]
    assert call.params["channel"] == "C0SALES" and call.token == "xoxb-test-token"
    blocks = call.params["blocks"]
    assert "John Doe (Acme Ltd): status contacted → negotiating" in all_text(blocks)
    confirm, cancel = buttons(blocks)
    assert (confirm["style"], cancel["style"]) == ("primary", "danger")
    def plan_with_ref():  # noqa: ANN202 - the message is remembered just after it is posted
        with team() as s:
            return s.scalars(select(Plan).where(Plan.message_ref.is_not(None))).first()

    plan = eventually(plan_with_ref)
    assert render.decode_action(confirm["value"]) == {"plan_id": plan.id, "decision": "confirm"}
    assert plan.status == "pending" and plan.message_ref == {"via": "slack", "channel": "C0SALES",
                                                             "ts": call.params and plan.message_ref["ts"]}
    assert lead_status(team, "John Doe") == "contacted"


def test_confirm_runs_the_plan_once_and_updates_the_message_in_place(slack_server, team):
    call = post_plan(slack_server)
    assert press(slack_server, call, "Confirm").status_code == 200
    updated = slack_server.api.wait_for("chat.update")[0]
    assert updated.params["channel"] == "C0SALES" and updated.params["ts"] == "ts-of-C0SALES"
    blocks = updated.params["blocks"]
    assert not buttons(blocks)
    assert "status contacted → negotiating" in all_text(blocks)
    assert ":white_check_mark: Done by <@U0ALEX>" in blocks[-1]["elements"][0]["text"]
    assert lead_status(team, "John Doe") == "negotiating"
    with team() as s:
        assert s.scalars(select(AuditEntry.new_value).where(AuditEntry.field == "status")).all() == ["negotiating"]
        assert s.scalar(select(AuditEntry.channel)) == "slack"


def test_a_second_press_and_a_retried_press_execute_nothing_more(slack_server, team):
    call = post_plan(slack_server)
    press(slack_server, call, "Confirm", trigger="double.1")
    press(slack_server, call, "Confirm", trigger="double.1")
    press(slack_server, call, "Confirm", trigger="double.2")
    slack_server.api.wait_for("chat.update")
    post_plan(slack_server, "move Mary Poppins to qualified", trigger="barrier")  # all earlier work has run
    assert len(slack_server.api.of("chat.update")) == 1
    with team() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.field == "status")) == 1


def test_cancel_changes_nothing_and_says_so_in_place(slack_server, team):
    call = post_plan(slack_server)
    press(slack_server, call, "Cancel")
    blocks = slack_server.api.wait_for("chat.update")[0].params["blocks"]
    assert ":no_entry_sign: Cancelled by <@U0ALEX>" in all_text(blocks)
    assert lead_status(team, "John Doe") == "contacted"
    assert count(team, AuditEntry) == 0


def test_an_expired_plan_shows_expired_and_changes_nothing(slack_server, team):
    call = post_plan(slack_server)
    with team.begin() as s:
        s.execute(update(Plan).values(expires_at=utcnow() - timedelta(minutes=1)))
    press(slack_server, call, "Confirm")
    blocks = slack_server.api.wait_for("chat.update")[0].params["blocks"]
    assert ":hourglass: Expired" in all_text(blocks)
    assert lead_status(team, "John Doe") == "contacted"


def test_a_colleague_cannot_confirm_someone_elses_plan_and_the_owner_still_can(slack_server, team):
    call = post_plan(slack_server)
    press(slack_server, call, "Confirm", user="U0SAM", trigger="sam.1")
    refusal = slack_server.api.wait_for("chat.postEphemeral")[0]
    assert refusal.params["user"] == "U0SAM" and "isn't yours" in refusal.params["text"]
    assert slack_server.api.of("chat.update") == []
    press(slack_server, call, "Confirm", user="U0ALEX", trigger="alex.1")
    slack_server.api.wait_for("chat.update")
    assert lead_status(team, "John Doe") == "negotiating"


def test_a_retried_slash_command_makes_one_plan(slack_server, team):
    body = command_body("move John Doe to negotiating", trigger_id="retry.1",
                        response_url=slack_server.api.response_url("r"))
    assert slack_server.command(body).status_code == 200
    assert slack_server.command(body, retry=1).status_code == 200
    assert slack_server.command(body, retry=2).status_code == 200
    slack_server.api.wait_for("chat.postMessage", where=is_plan)
    post_plan(slack_server, "move Mary Poppins to qualified", trigger="barrier")
    assert count(team, Plan) == 2
    assert len(slack_server.api.of("chat.postMessage")) == 2


def test_help_comes_back_in_the_acknowledgement_with_examples(slack_server, team):
    resp = slack_server.command(command_body("help", trigger_id="h.1", response_url=slack_server.api.response_url("h")))
    assert resp.status_code == 200
    text = all_text(resp.json()["blocks"])
    assert "/crm move John Doe to negotiating" in text and "/crm link @someone" in text
    empty = slack_server.command(command_body("", trigger_id="h.2", response_url=slack_server.api.response_url("h")))
    assert "/crm help" in all_text(empty.json()["blocks"])


def test_a_plan_in_a_channel_the_bot_is_not_in_goes_to_the_response_url(slack_server, team):
    slack_server.api.failures["chat.postMessage"] = "not_in_channel"
    slack_server.command(command_body("move John Doe to negotiating", trigger_id="nic.1",
                                      response_url=slack_server.api.response_url("nic")))
    sent = slack_server.api.wait_for("response/nic")[0]
    assert sent.params["response_type"] == "ephemeral" and buttons(sent.params["blocks"])
    # The ephemeral message is then updated through the press's own response_url.
    del slack_server.api.failures["chat.postMessage"]
    blocks = sent.params["blocks"]
    payload = action_payload(button(blocks, "Confirm"), message_blocks=blocks, channel="C0SALES", message_ts="e.1",
                             response_url=slack_server.api.response_url("nic-press"), ephemeral=True)
    slack_server.action(action_body(payload))
    replaced = slack_server.api.wait_for("response/nic-press")[0]
    assert replaced.params["replace_original"] is True and not buttons(replaced.params["blocks"])
    assert lead_status(team, "John Doe") == "negotiating"


def test_a_data_question_is_answered_with_a_monospace_table_and_its_query(slack_server, team):
    slack_server.command(command_body("which of my leads are new?", trigger_id="q.1",
                                      response_url=slack_server.api.response_url("q")))
    blocks = slack_server.api.wait_for("chat.postMessage")[0].params["blocks"]
    table = next(b["text"]["text"] for b in blocks if b["type"] == "section" and b["text"]["text"].startswith("```"))
    assert "Mary Poppins" in table and "John Doe" not in table
    sources = blocks[-1]
    assert sources["type"] == "context" and sources["elements"][0]["text"].startswith(":mag:")
    assert "SELECT" in sources["elements"][0]["text"] and "\n" not in sources["elements"][0]["text"].split("\n", 1)[1]
    assert not buttons(blocks)


# --- which lead? ----------------------------------------------------------------------------------

def test_an_ambiguous_name_asks_with_buttons_and_the_choice_continues_the_plan(slack_server, team):
    with team.begin() as s:
        alex = s.scalar(select(Agent).where(Agent.slack_user_id == "U0ALEX"))
        s.add(Lead(name="John Smith", email="john.smith@beta.example", company="Beta Inc", status="new",
                   owner_id=alex.id))
    slack_server.command(command_body("move John to qualified", trigger_id="amb.1",
                                      response_url=slack_server.api.response_url("amb")))
    question = slack_server.api.wait_for("chat.postMessage")[0]
    labels = [b["text"]["text"] for b in buttons(question.params["blocks"])]
    assert sorted(labels) == ["John Doe (Acme Ltd)", "John Smith (Beta Inc)"]
    press(slack_server, question, "John Smith (Beta Inc)", trigger="amb.press")
    settled = slack_server.api.wait_for("chat.update")[0].params["blocks"]
    assert ":point_right: John Smith (Beta Inc) by <@U0ALEX>" in all_text(settled) and not buttons(settled)
    plan = slack_server.api.wait_for("chat.postMessage", where=is_plan)[0]
    assert "John Smith (Beta Inc): status new → qualified" in all_text(plan.params["blocks"])
    press(slack_server, plan, "Confirm", trigger="amb.confirm")
    slack_server.api.wait_for("chat.update", 2)
    assert lead_status(team, "John Smith") == "qualified"


# --- mentions and direct messages -------------------------------------------------------------------

def test_a_mention_is_answered_in_its_thread_and_a_retry_is_answered_once(slack_server, team):
    body = mention_body("move John Doe to negotiating", event_id="Ev0M1", ts="1700000100.000300")
    assert slack_server.event(body).status_code == 200
    assert slack_server.event(body, retry=1).status_code == 200
    plan = slack_server.api.wait_for("chat.postMessage", where=is_plan)[0]
    assert plan.params["channel"] == "C0SALES" and plan.params["thread_ts"] == "1700000100.000300"
    press(slack_server, plan, "Confirm", trigger="m.press")
    slack_server.api.wait_for("chat.update")
    assert lead_status(team, "John Doe") == "negotiating"
    assert len(slack_server.api.of("chat.postMessage")) == 1
    assert count(team, Plan) == 1


def test_a_direct_message_is_answered_in_the_dm_and_a_typed_yes_settles_the_buttons(slack_server, team):
    slack_server.event(dm_body("move John Doe to negotiating", event_id="Ev0D1"))
    plan = slack_server.api.wait_for("chat.postMessage", where=is_plan)[0]
    assert plan.params["channel"] == "D0ALEX" and plan.params.get("thread_ts") is None
    slack_server.event(dm_body("yes", event_id="Ev0D2", ts="1700000201.000100"))
    done = slack_server.api.wait_for("chat.postMessage", 2)[1]
    assert done.params["channel"] == "D0ALEX" and "Done" in done.params["text"]
    settled = slack_server.api.wait_for("chat.update")[0].params
    assert settled["channel"] == "D0ALEX" and not buttons(settled["blocks"])
    assert lead_status(team, "John Doe") == "negotiating"


def test_bot_messages_and_edits_in_a_dm_are_ignored(slack_server, team):
    slack_server.event(dm_body("move John Doe to won", event_id="Ev0B1", bot_id="B0OTHER"))
    slack_server.event(dm_body("move John Doe to won", event_id="Ev0B2", subtype="message_changed"))
    slack_server.event(dm_body("move Mary Poppins to qualified", event_id="Ev0B3"))
    slack_server.api.wait_for("chat.postMessage", where=is_plan)
    with team() as s:
        plans = s.scalars(select(Plan)).all()
    assert len(plans) == 1 and "Mary Poppins" in plans[0].summary


def test_help_in_a_dm_is_shown_only_to_the_asker(slack_server, team):
    slack_server.event(dm_body("help", event_id="Ev0H1"))
    call = slack_server.api.wait_for("chat.postEphemeral")[0]
    assert call.params["user"] == "U0ALEX" and "/crm move John Doe to negotiating" in all_text(call.params["blocks"])


# --- who is speaking --------------------------------------------------------------------------------

def test_an_unlinked_user_is_told_how_to_get_linked_and_changes_nothing(slack_server, team):
    slack_server.command(command_body("move John Doe to won", user="U0EVE", trigger_id="eve.1",
                                      response_url=slack_server.api.response_url("eve")))
    told = slack_server.api.wait_for("chat.postEphemeral")[0]
    assert told.params["user"] == "U0EVE" and "/crm link" in told.params["text"]
    assert count(team, Plan) == 0 and lead_status(team, "John Doe") == "contacted"


def test_first_contact_links_by_profile_email(slack_server, team):
    with team.begin() as s:
        s.execute(update(Agent).where(Agent.email == "alex@agency.example").values(slack_user_id=None))
    slack_server.api.users["U0ALEX2"] = "Alex@Agency.example"
    post_plan(slack_server, user="U0ALEX2")
    with team() as s:
        assert s.scalar(select(Agent.slack_user_id).where(Agent.email == "alex@agency.example")) == "U0ALEX2"


def test_an_admin_links_a_user_with_a_command(slack_server, team):
    with team.begin() as s:
        s.add(Agent(name="Nia New", email="nia@agency.example"))
    slack_server.command(command_body("link <@U0NIA|nia> <mailto:nia@agency.example|nia@agency.example>",
                                      user="U0ADA", trigger_id="link.1", response_url=slack_server.api.response_url("l")))
    said = slack_server.api.wait_for("chat.postEphemeral")[0]
    assert said.params["user"] == "U0ADA" and "Linked <@U0NIA> to Nia New" in said.params["text"]
    slack_server.command(command_body("link <@U0X> x@agency.example", user="U0ALEX", trigger_id="link.2",
                                      response_url=slack_server.api.response_url("l2")))
    refused = slack_server.api.wait_for("chat.postEphemeral", 2)[1]
    assert "Only an admin" in refused.params["text"]
    with team() as s:
        assert s.scalar(select(Agent.slack_user_id).where(Agent.email == "nia@agency.example")) == "U0NIA"


# --- failures after the acknowledgement -------------------------------------------------------------

class BrokenBrain:
    def handle(self, message):  # noqa: ANN001, ANN201
        raise RuntimeError("database on fire: secret details")


def test_a_failure_after_ack_is_told_to_the_user_plainly_and_logged(slack_server_factory, team, caplog):
    server = slack_server_factory(brain=BrokenBrain())
    caplog.set_level(logging.ERROR, logger="crmbot.slack")
    resp = server.command(command_body("move John Doe to won", trigger_id="boom.1",
                                       response_url=server.api.response_url("boom")))
    assert resp.status_code == 200
    told = server.api.wait_for("chat.postEphemeral")[0]
    assert told.params["user"] == "U0ALEX" and "something went wrong" in told.params["text"]
    assert "fire" not in json.dumps(told.params)
    failures = [r for r in caplog.records if r.getMessage() == "slack request failed after ack"]
    assert failures and failures[0].exc_info is not None
