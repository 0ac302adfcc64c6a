import json

from bot.channels.slack import render
from bot.channels.slack.translate import plain_text, press, without_leading_mentions
from bot.messages import Choice, Reply, Source
from tests.slack.slackfake import action_payload, all_text, button, buttons


def plan_reply() -> Reply:
    value = lambda d: json.dumps({"plan_id": "p-1", "decision": d})  # noqa: E731
    return Reply("Here's the plan:\n• Move John Doe (Acme) from contacted to negotiating", kind="plan",
                 plan_id="p-1", choices=(Choice("Confirm", value("confirm"), "primary"),
                                         Choice("Cancel", value("cancel"), "danger")))


def test_a_plan_has_a_primary_confirm_and_a_danger_cancel_carrying_the_plan_id():
    blocks = render.reply_blocks(plan_reply())
    assert blocks[0] == {"type": "section", "text": {"type": "mrkdwn", "text": plan_reply().text}}
    confirm, cancel = buttons(blocks)
    assert confirm["style"] == "primary" and cancel["style"] == "danger"
    assert render.decode_action(confirm["value"]) == {"plan_id": "p-1", "decision": "confirm"}
    assert render.decode_action(cancel["value"]) == {"plan_id": "p-1", "decision": "cancel"}
    assert all(b["action_id"].startswith(render.ACTION_PREFIX) for b in (confirm, cancel))


def test_a_plan_without_choices_still_gets_confirm_and_cancel():
    blocks = render.reply_blocks(Reply("Move John?", kind="plan", plan_id="p-2"))
    assert [b["text"]["text"] for b in buttons(blocks)] == ["Confirm", "Cancel"]
    assert render.decode_action(button(blocks, "Confirm")["value"]) == {"decision": "confirm", "plan_id": "p-2"}


def test_question_choices_come_back_as_numbered_choices():
    reply = Reply("Which John?", kind="question", choices=(Choice("John Doe (Acme)", "1"), Choice("John Smith", "2")))
    second = buttons(render.reply_blocks(reply))[1]
    assert render.decode_action(second["value"]) == {"decision": "choice", "choice": 2, "index": 1}
    assert "style" not in second


def test_errors_are_plain_text_without_buttons_tables_or_sources():
    reply = Reply("I can't find that lead.", kind="error", table=(("a",), ("b",)),
                  sources=(Source("t", "d"),), choices=(Choice("x", "y"),))
    assert render.reply_blocks(reply) == [{"type": "section", "text": {"type": "mrkdwn", "text": reply.text}}]
    assert render.is_ephemeral(reply)


def test_text_is_escaped_for_mrkdwn():
    blocks = render.reply_blocks(Reply("Tom & Jerry <tom@x.example>"))
    assert blocks[0]["text"]["text"] == "Tom &amp; Jerry &lt;tom@x.example&gt;"


def test_a_table_is_a_monospace_section_with_aligned_columns():
    table = (("Lead", "Status"), ("John Doe", "negotiating"), ("Mary Poppins", "new"))
    blocks = render.reply_blocks(Reply("2 leads", kind="answer", table=table))
    code = blocks[1]["text"]["text"]
    assert code.startswith("```") and code.endswith("```")
    lines = code.strip("`").splitlines()
    assert lines[0] == "Lead          Status"
    assert lines[2] == "John Doe      negotiating"
    assert lines[3] == "Mary Poppins  new"


def test_a_long_table_is_cut_with_a_note_and_stays_within_slack_limits():
    table = (("n", "text"),) + tuple((str(i), "x" * 60) for i in range(200))
    blocks = render.reply_blocks(Reply("many", kind="answer", table=table))
    assert all(len(b["text"]["text"]) <= render.SECTION_MAX for b in blocks if b["type"] == "section")
    assert "160 more rows" in all_text(blocks)
    assert len(blocks) <= render.BLOCKS_MAX


def test_sources_are_context_blocks_with_title_detail_and_excerpt():
    reply = Reply("Yes, it has a gym.", kind="answer", sources=(
        Source("Harbour View brochure", "harbour-view", "page 3", "Residents enjoy a   gym and a pool."),
        Source("Leads by status", "sql", "SELECT status, count(*) FROM leads GROUP BY status"),
    ))
    context = render.reply_blocks(reply)[-1]
    assert context["type"] == "context"
    doc, sql = (e["text"] for e in context["elements"])
    assert "*Harbour View brochure* · page 3" in doc and "> Residents enjoy a gym and a pool." in doc
    assert "`SELECT status, count(*) FROM leads GROUP BY status`" in sql


def test_long_text_is_split_into_sections_of_at_most_3000_characters():
    text = "\n".join("line %d %s" % (i, "y" * 90) for i in range(100))
    blocks = render.reply_blocks(Reply(text))
    assert len(blocks) > 1 and all(len(b["text"]["text"]) <= 3000 for b in blocks)
    assert "\n".join(b["text"]["text"] for b in blocks) == text


def test_a_settled_plan_keeps_its_text_and_replaces_the_buttons_with_the_outcome():
    original = render.reply_blocks(plan_reply())
    settled = render.settled_blocks(original, Reply("Done ✓", kind="done", plan_id="p-1"), state="done", user="U0ALEX")
    assert not buttons(settled)
    assert settled[0] == original[0]
    assert settled[-1]["type"] == "context"
    assert ":white_check_mark: Done by <@U0ALEX> · Done ✓" == settled[-1]["elements"][0]["text"]
    for state, words in (("cancelled", "Cancelled"), ("expired", "Expired"), ("failed", "Failed")):
        assert words in all_text(render.settled_blocks(original, None, state=state))


def test_a_reminder_button_carries_its_follow_up():
    reply = Reply("⏰ Due now: send contract — John Doe", kind="reminder",
                  choices=(Choice("Done", json.dumps({"decision": "done"})), Choice("Snooze 1 hour", "snooze")))
    blocks = render.reply_blocks(reply, extra_action={"follow_up_id": 7, "notification_id": 3})
    done, snooze = buttons(blocks)
    assert render.decode_action(done["value"]) == {"decision": "done", "follow_up_id": 7, "notification_id": 3}
    assert render.decode_action(snooze["value"]) == {"decision": "snooze", "follow_up_id": 7, "notification_id": 3}


def test_slack_markup_in_what_the_user_typed_becomes_plain_text():
    assert plain_text("log a call with <mailto:john@acme.example|john@acme.example> &amp; Mary") == \
        "log a call with john@acme.example & Mary"
    assert plain_text("see <https://acme.example/brochure|the brochure>") == "see the brochure"
    assert without_leading_mentions("<@U0BOT> move John to won") == "move John to won"
    assert without_leading_mentions("<@U0BOT|crmbot>, show <@U0SAM>") == "show <@U0SAM>"


def test_a_press_on_a_foreign_button_is_not_the_bots():
    payload = action_payload({"action_id": "crm_plan_0", "text": {"type": "plain_text", "text": "x"}, "value": "v"},
                             message_blocks=[], channel="C1", message_ts="1.2", response_url="http://x/")
    assert press(payload) is None


def test_only_link_with_a_mention_is_the_admin_command():
    from bot.channels.slack.work import is_help, is_link

    assert is_link("link <@U0SAM|sam> sam@agency.example")
    assert not is_link("link the call with John Doe to the Acme deal")
    assert is_help("") and is_help(" HELP ") and not is_help("help me move John")
