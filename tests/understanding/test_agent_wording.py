"""Agents' wording beyond the project's own data sets: names that are everyday words, hyphenated
and non-ASCII names, run-on dictation, regional date forms, and questions routed by their shape."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.understanding.dates import DueParser
from tests.understanding.conftest import summary

TZ = "Australia/Sydney"
# Friday 26 February 2027, 12:30 in Sydney.
NOW = datetime(2027, 2, 26, 12, 30, tzinfo=ZoneInfo(TZ))


@pytest.fixture
def words_book(session, make_agent, make_lead):  # noqa: ANN001, ANN201
    kirra = make_agent("Kirra Walsh", email="kirra@harbour.example", tz=TZ)
    nathan = make_agent("Nathan Cole", email="nathan@harbour.example", tz=TZ)
    make_lead("Rose Fernandes", owner=kirra, email="rose.f@mail.example", company="Fernandes Exports")
    make_lead("Hope Adeyemi", owner=kirra, email="hope@eko.example")
    make_lead("Will Baker", owner=kirra, email="will@bakers.example", company="Baker & Sons")
    make_lead("Mark Tuilagi", owner=kirra, email="mark.t@mail.example")
    make_lead("Mark Henderson", owner=kirra, email="mhenderson@legal.example", company="Henderson Legal")
    make_lead("Priya Sharma-Wells", owner=kirra, email="priya.sw@mail.example")
    make_lead("Łukasz Wójcik", owner=kirra, email="lukasz@vistula.example")
    make_lead("Vikram Rao", owner=kirra, email="vikram@kaveri.example", company="Kaveri Textiles Pvt Ltd")
    make_lead("Ananya Rao", owner=kirra, email="ananya@mail.example")
    make_lead("Grant Whitaker", owner=kirra, email="grant@whitaker.example")
    make_lead("Deepak Bhatt", owner=nathan, email="deepak@bhatt.example")
    return {"kirra": kirra}


@pytest.fixture
def tell(understander, session, words_book):  # noqa: ANN001, ANN201
    def run(text: str):  # noqa: ANN202
        return understander.understand(text, channel="agent", speaker=words_book["kirra"], now=NOW, tz=TZ,
                                       session=session)

    return run


# -- names that are everyday words -------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rose qualified, hope negotiating", [("update_status", "Rose Fernandes", "qualified"),
                                              ("update_status", "Hope Adeyemi", "negotiating")]),
        ("bump hope up to qualified", [("update_status", "Hope Adeyemi", "qualified")]),
        ("rose ✅ won", [("update_status", "Rose Fernandes", "closed_won")]),
        ("move rose to qualified and hope to negotiating", [("update_status", "Rose Fernandes", "qualified"),
                                                            ("update_status", "Hope Adeyemi", "negotiating")]),
        ("Hope and Rose both viewed the show flat", [("log_interaction", "Hope Adeyemi", "viewing"),
                                                     ("log_interaction", "Rose Fernandes", "viewing")]),
        ("fu w grant tmrw 4pm", [("schedule_follow_up", "Grant Whitaker", "2027-02-27 16:00")]),
        ("will call Will tomorrow at 10", [("schedule_follow_up", "Will Baker", "2027-02-27 10:00")]),
        ("plz mvoe hope to negotiaton", [("update_status", "Hope Adeyemi", "negotiating")]),
        ("rose?", [("show_lead", "Rose Fernandes", None)]),
    ],
)
def test_a_name_that_is_an_everyday_word_is_read_from_the_words_around_it(tell, text, expected):
    assert summary(tell(text)) == expected


@pytest.mark.parametrize("text", ["i hope the deal closes", "prices rose sharply"])
def test_the_everyday_word_is_still_a_word(tell, text):
    assert all(a.fields.get("lead") is None for a in tell(text).actions)


def test_a_surname_initial_settles_two_leads_with_one_first_name(tell):
    assert summary(tell("Mark T called")) == [("log_interaction", "Mark Tuilagi", "call")]
    assert summary(tell("Mark called")) == [("log_interaction", "?", "call")]


@pytest.mark.parametrize(
    ("text", "lead"),
    [("called Mrs Wells", "Priya Sharma-Wells"), ("called Priya Sharma Wells", "Priya Sharma-Wells"),
     ("called Lukasz Wojcik", "Łukasz Wójcik"), ("called the Whitakers", "Grant Whitaker")],
)
def test_hyphenated_and_non_ascii_names_as_typed(tell, text, lead):
    assert summary(tell(text)) == [("log_interaction", lead, "call")]


def test_a_family_name_in_the_plural_shared_by_two_leads_is_ambiguous(tell):
    assert summary(tell("spoke to the Raos")) == [("log_interaction", "?", "call")]


def test_another_agents_lead_is_found_and_flagged(tell):
    act = tell("Deepak Bhatt dropped by the sales office").actions[0]
    assert (act.intent, act.fields["lead"], act.fields.get("owned_by_other")) == ("log_interaction", "Deepak Bhatt", True)


# -- several actions ---------------------------------------------------------------------------
def test_a_dictated_run_on_is_cut_where_a_request_starts(tell):
    u = tell("okay so I just got off the phone with Will Baker he's keen on the villa can you move him to "
             "negotiating and remind me to send the price sheet on Monday morning")
    assert summary(u) == [("log_interaction", "Will Baker", "call"), ("update_status", "Will Baker", "negotiating"),
                          ("schedule_follow_up", "Will Baker", "2027-03-01 09:00")]


def test_two_leads_met_at_one_place_are_two_interactions(tell):
    assert summary(tell("Met Vikram Rao and Grant Whitaker at the expo")) == [
        ("log_interaction", "Vikram Rao", "meeting"), ("log_interaction", "Grant Whitaker", "meeting")]


def test_a_remark_about_a_lead_before_a_request_is_its_context(tell):
    assert summary(tell("Rose wants the payment plan, send her the brochure tomorrow")) == [
        ("schedule_follow_up", "Rose Fernandes", "2027-02-27 10:00")]
    assert summary(tell("grant said the price is too high")) == [("log_interaction", "Grant Whitaker", "note")]


def test_slashed_shorthand_and_numbered_lists(tell):
    assert summary(tell("f/u with rose mon 10am")) == [("schedule_follow_up", "Rose Fernandes", "2027-03-01 10:00")]
    assert summary(tell("1) met Rose 2) move Grant to lost")) == [
        ("log_interaction", "Rose Fernandes", "meeting"), ("update_status", "Grant Whitaker", "closed_lost")]


# -- interactions and statuses said other ways -------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lukasz came to the office to discuss payment schedule", ("log_interaction", "Łukasz Wójcik", "meeting")),
        ("Took Will and his wife around the villa project", ("log_interaction", "Will Baker", "viewing")),
        ("Grant Whitaker walked through the penthouse with me", ("log_interaction", "Grant Whitaker", "viewing")),
        ("rang grant, no answer", ("log_interaction", "Grant Whitaker", "call")),
        ("gave will a bell", ("log_interaction", "Will Baker", "call")),
        ("shot rose a text", ("log_interaction", "Rose Fernandes", "email")),
        ("DM'd hope on insta", ("log_interaction", "Hope Adeyemi", "email")),
        ("Grant came through the open home", ("log_interaction", "Grant Whitaker", "viewing")),
        ("calld rose", ("log_interaction", "Rose Fernandes", "call")),
        ("called will baker this morning, he wants to see the villa again", ("log_interaction", "Will Baker", "call")),
        ("Will Baker paid the booking fee", ("update_status", "Will Baker", "closed_won")),
        ("Kaveri Textiles - under offer", ("update_status", "Vikram Rao", "negotiating")),
        ("hope's gone with another agent", ("update_status", "Hope Adeyemi", "closed_lost")),
        ("Rose's offer got accepted", ("update_status", "Rose Fernandes", "closed_won")),
        ("send Grant the listing", ("schedule_follow_up", "Grant Whitaker", None)),
        ("pop Will in the diary for Thurs arvo", ("schedule_follow_up", "Will Baker", "2027-03-04 14:00")),
    ],
)
def test_interactions_and_statuses_in_other_words(tell, text, expected):
    assert summary(tell(text)) == [expected]


# -- questions, help and chatter ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("how many site visits did I do this week", "ask_data"),
        ("what's the average deal size", "ask_data"),
        ("pipeline summary pls", "ask_data"),
        ("any showings this weekend?", "ask_data"),
        ("what do i have tomorrow", "ask_data"),
        ("Is there power backup in Emerald Heights?", "ask_documents"),
        ("what is the carpet area of the 3BHK", "ask_documents"),
        ("send me the floor plans for Palm Grove", "ask_documents"),
        ("tell me about Emerald Heights", "ask_documents"),
        ("can foreigners buy at Emerald Heights", "ask_documents"),
        ("what all can you do?", "help"),
        ("how to set a reminder?", "help"),
        ("I need help with reminders", "help"),
        ("show me what you can do", "help"),
        ("how's it going", "unknown"),
        ("who won the IPL", "unknown"),
        ("helo", "unknown"),
    ],
)
def test_questions_go_to_data_documents_help_or_nowhere(tell, text, intent):
    assert [a.intent for a in tell(text).actions] == [intent]


def test_a_question_that_books_something_is_a_request(tell):
    assert summary(tell("can we get Will in for a viewing tomorrow at 5")) == [
        ("schedule_follow_up", "Will Baker", "2027-02-27 17:00")]


# -- dates -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "when", "grain"),
    [
        ("tuesday the 9th at 3", "2027-03-09 15:00", "minute"),
        ("tue 9 mar", "2027-03-09 10:00", "day"),
        ("monday week", "2027-03-08 10:00", "day"),
        ("tomorrow week", "2027-03-06 10:00", "day"),
        ("end of next week", "2027-03-05 10:00", "day"),
        ("after the weekend", "2027-03-01 10:00", "day"),
        ("call him day after", "2027-02-28 10:00", "day"),
        ("at half 3", "2027-02-26 15:30", "minute"),
        ("tomorrow 9ish", "2027-02-27 09:00", "minute"),
        ("friday 3p", "2027-03-05 15:00", "minute"),
        ("mon am", "2027-03-01 09:00", "minute"),
        ("tuesday pm", "2027-03-02 14:00", "minute"),
        ("tomorrow night", "2027-02-27 18:00", "minute"),
        ("in 1.5 hours", "2027-02-26 14:00", "minute"),
        ("monday 9.15", "2027-03-01 09:15", "minute"),
        ("wants a 2nd showing sat 11am", "2027-02-27 11:00", "minute"),
    ],
)
def test_regional_and_shorthand_dates(text, when, grain):
    due = DueParser(date_order="DMY").parse(text, now=NOW)
    assert (due.when.strftime("%Y-%m-%d %H:%M"), due.grain) == (when, grain)


def test_this_morning_is_today_even_when_it_has_gone():
    due = DueParser().parse("called him this morning", now=NOW)
    assert due.when.strftime("%Y-%m-%d %H:%M") == "2027-02-26 09:00" and due.past


@pytest.mark.parametrize("text", ["rated 4.5 stars", "a 1.5 bed unit", "unit 2nd floor"])
def test_decimals_and_ordinals_before_nouns_are_not_dates(text):
    assert DueParser().parse(text, now=NOW) is None
