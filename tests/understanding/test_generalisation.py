"""Wording the project's own data sets do not use: chat shorthand, apostrophe-less contractions,
misspelt surnames, names listed together, and lead replies that propose a time."""
import pytest

from tests.understanding.conftest import NOW, TZ, summary

# NOW is Wednesday 18 November 2026, 15:30 in London.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("follow up w mary wed afternoon", [("schedule_follow_up", "Mary Poppins", "2026-11-25 14:00")]),
        ("dont let me forget to call mary friday", [("schedule_follow_up", "Mary Poppins", "2026-11-20 10:00")]),
        ("fu mary nxt wk", [("schedule_follow_up", "Mary Poppins", "2026-11-23 10:00")]),
        ("ping mary in 3 days", [("schedule_follow_up", "Mary Poppins", "2026-11-21 10:00")]),
        ("left vm for mary", [("log_interaction", "Mary Poppins", "call")]),
    ],
)
def test_chat_shorthand_and_contractions_without_apostrophes_are_understood(say, text, expected):
    assert summary(say(text)) == expected


def test_shorthand_question_for_help_is_help(say):
    assert summary(say("wat can u do")) == [("help", None, None)]


def test_a_first_name_shared_by_two_leads_is_settled_by_a_misspelt_surname(say):
    assert summary(say("john smtih → won")) == [("update_status", "John Smith", "closed_won")]


def test_names_listed_before_a_status_each_get_it(say):
    assert summary(say("mary and zoe both qualified")) == [
        ("update_status", "Mary Poppins", "qualified"),
        ("update_status", "Zoë Laurent", "qualified"),
    ]


def test_a_time_said_after_the_second_name_is_for_both(say):
    assert summary(say("follow up with mary and zoe next week")) == [
        ("schedule_follow_up", "Mary Poppins", "2026-11-23 10:00"),
        ("schedule_follow_up", "Zoë Laurent", "2026-11-23 10:00"),
    ]


def test_a_name_that_is_also_a_word_is_a_name_when_listed_after_another_name(say):
    assert summary(say("move mary and will to qualified")) == [
        ("update_status", "Mary Poppins", "qualified"),
        ("update_status", "Will Turner", "qualified"),
    ]


def test_talk_that_follows_an_interaction_describes_it_rather_than_logging_another(say):
    assert summary(say("had lunch with mary, talked numbers")) == [("log_interaction", "Mary Poppins", "meeting")]


@pytest.mark.parametrize(
    "text", ["walked zoe through the 2br unit at the tower", "mary came in to see the show apartment"]
)
def test_being_shown_a_place_is_a_viewing(say, text):
    assert [(a.intent, a.fields["kind"]) for a in say(text).actions] == [("log_interaction", "viewing")]


def test_a_lead_name_then_profile_shows_the_lead(say):
    assert summary(say("mary poppins profile")) == [("show_lead", "Mary Poppins", None)]


def test_a_stage_named_after_a_colon_is_a_status_not_a_reminder(say):
    assert summary(say("mary: back in follow-up")) == [("update_status", "Mary Poppins", "follow_up")]


def test_small_talk_that_shares_a_crm_verb_is_unknown(say):
    assert summary(say("who won the match last night")) == [("unknown", None, None)]


def test_a_no_before_cancel_is_still_a_cancel(say):
    u = say("nah cancel")
    assert (u.actions, u.reply) == ([], "cancel")


@pytest.mark.parametrize(
    ("text", "intent", "due"),
    [
        ("How about the 25th at 10:30 for the site visit?", "meeting_request", "2026-11-25 10:30"),
        ("I'd like to see the villa. Dec 2nd?", "meeting_request", "2026-12-02 10:00"),
        ("I can come to your office on Friday at 3", "meeting_request", "2026-11-20 15:00"),
        ("When is the handover? Is it before the 25th?", "question", None),
        ("this isn't a fit for us at the moment", "not_interested", None),
        ("We've gone with another agent, thanks anyway", "not_interested", None),
        ("I'd like to reserve unit 803.", "interested", None),
        ("Great, please send the SPA over.", "interested", None),
        ("Who gave you my details?", "other", None),
    ],
)
def test_lead_replies_in_other_wording(understander, text, intent, due):
    u = understander.understand(text, channel="lead", now=NOW, tz=TZ)
    got = u.actions[0]
    when = got.fields["due"].strftime("%Y-%m-%d %H:%M") if got.fields.get("due") else None
    assert (got.intent, when) == (intent, due)
