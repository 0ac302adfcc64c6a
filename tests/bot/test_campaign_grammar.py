"""One grammar for `crmbot campaign …` and `campaign …` in chat."""
from __future__ import annotations

import argparse

import pytest

from bot import campaign_grammar as grammar
from bot.campaign_grammar import GrammarError, parse_chat


def test_text_that_is_not_a_campaign_command_is_left_to_the_understander():
    for text in ("move John Doe to negotiating", "how many campaigns did we send?", "", "   "):
        assert parse_chat(text) is None


def test_names_times_and_leads_need_no_quotes():
    r = parse_chat("campaign schedule Spring launch 2027 --at tomorrow 9am --timezone Europe/Paris")
    assert (r.op, r.name, r.options["at"], r.options["timezone"]) == ("schedule", "Spring launch 2027", "tomorrow 9am",
                                                                     "Europe/Paris")
    r = parse_chat("Campaign PREVIEW 'Spring launch' --lead Zoë O’Brien")
    assert (r.op, r.name, r.options["lead"]) == ("preview", "Spring launch", "Zoë O'Brien")
    assert parse_chat("campaign schedule X --cron 0 9 * * MON").options["cron"] == "0 9 * * MON"


def test_typographic_quotes_group_words_like_straight_ones():
    assert parse_chat("campaign pause “Spring launch”").name == "Spring launch"
    assert parse_chat("campaign pause ‘Spring launch’").name == "Spring launch"


def test_a_dash_that_autocorrect_made_of_two_hyphens_still_starts_an_option():
    r = parse_chat("campaign schedule Spring launch —at tomorrow 9am –timezone Europe/Paris")
    assert (r.name, r.options["at"], r.options["timezone"]) == ("Spring launch", "tomorrow 9am", "Europe/Paris")


def test_filters_repeat_for_alternatives():
    r = parse_chat("campaign create A --template new_launch --status new --status contacted --budget-min 900k")
    assert r.options["status"] == ["new", "contacted"] and r.options["budget_min"] == "900k" and r.changes


def test_help_and_listing_have_short_forms():
    assert parse_chat("campaign").op == "help" and parse_chat("campaign help").op == "help"
    assert parse_chat("campaigns").op == "list" and parse_chat("campaign list").op == "list"
    assert parse_chat("campaign create --help") == grammar.CampaignRequest(op="help", options={"action": "create"})


@pytest.mark.parametrize("text,expected", [
    ("campaign launch X", "unknown campaign action 'launch'"),
    ("campaign create X", "--template"),
    ("campaign schedule X --at 9 --now", "not allowed with argument"),
    ("campaign pause 'X", "quote is not closed"),
    ("campaign create X --template t --rate fast", "invalid float value"),
])
def test_a_bad_command_says_what_is_wrong_and_how_to_write_it(text, expected):
    with pytest.raises(GrammarError) as err:
        parse_chat(text)
    assert expected in str(err.value) and "Usage: campaign" in str(err.value)


def test_chat_offers_no_option_that_needs_the_local_machine():
    for text in ("campaign create X --template-file /etc/passwd", "campaign stats X --chart /tmp/x.png",
                 "campaign list --by admin@agency.example", "campaign test X --to ceo@agency.example"):
        with pytest.raises(GrammarError):
            parse_chat(text)


def test_the_command_line_has_every_action_chat_has():
    parser = argparse.ArgumentParser()
    cli = grammar.add_actions(parser.add_subparsers(), cli=True)
    parser2 = argparse.ArgumentParser()
    chat = grammar.add_actions(parser2.add_subparsers(), cli=False)
    assert set(cli) == set(chat) == set(grammar.ALL)
