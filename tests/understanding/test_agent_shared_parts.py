"""Agent messages whose parts are shared: one object for several verbs, one place for several
leads, a time said before the request; and words that are also names, places and stages."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.understanding.conftest import summary

TZ_US = "America/Chicago"


@pytest.fixture
def office(session, make_agent, make_lead):  # noqa: ANN001, ANN201
    agent = make_agent("Dana Cruz", email="dana@realty.example", tz=TZ_US)
    for name in ("Rose Tyler", "Tom Baker", "Amy Hale", "Grace Delgado", "Reggie Tran"):
        make_lead(name, owner=agent)
    return agent


@pytest.fixture
def tell(understander, session, office):  # noqa: ANN001, ANN201
    """One message from Dana, on a Wednesday morning in Chicago."""
    now = datetime(2026, 11, 18, 9, 30, tzinfo=ZoneInfo(TZ_US))

    def run(text: str, *, tz: str = TZ_US):  # noqa: ANN202
        return understander.understand(text, channel="agent", speaker=office, now=now, tz=tz, session=session)

    return run


# -- one object, several verbs -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("emailed and called Rose", ["email", "call"]),
        ("called and emailed Rose today", ["call", "email"]),
        ("I emailed & called Rose", ["email", "call"]),
        ("met and emailed Rose", ["meeting", "email"]),
    ],
)
def test_verbs_joined_before_one_lead_all_act_on_that_lead(tell, text, kinds):
    u = tell(text)
    assert summary(u) == [("log_interaction", "Rose Tyler", k) for k in kinds]
    assert u.clarify is None


def test_a_bare_verb_after_a_lead_still_takes_the_lead_before_it(tell):
    assert summary(tell("called Tom and emailed")) == [
        ("log_interaction", "Tom Baker", "call"), ("log_interaction", "Tom Baker", "email")]
    assert summary(tell("called Tom, emailed and texted Amy")) == [
        ("log_interaction", "Tom Baker", "call"), ("log_interaction", "Amy Hale", "email")]


# -- one request, several leads: the same kind for each ---------------------------------------
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("met tom and amy hale at the open house", "viewing"),
        ("met Tom Baker and Amy at the open house", "viewing"),
        ("showed Tom and Amy round the show flat", "viewing"),
        ("met Tom and Amy at the site office", "meeting"),
        ("called Tom and Amy about the viewing", "call"),
        ("had coffee with Tom and Amy at the show home", "meeting"),
    ],
)
def test_leads_that_share_a_request_share_its_kind(tell, text, kind):
    assert summary(tell(text)) == [("log_interaction", "Tom Baker", kind), ("log_interaction", "Amy Hale", kind)]


# -- the place names the kind better than a verb of being there ---------------------------------
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Reggie Tran stopped by the open house on Sunday", "viewing"),
        ("Reggie came by the show flat", "viewing"),
        ("met Reggie at the model home", "viewing"),
        ("Reggie dropped by the sales office", "meeting"),
        ("had a meeting with Reggie at the show home", "meeting"),  # a meeting said as one
    ],
)
def test_a_viewing_place_makes_a_visit_a_viewing(tell, text, kind):
    u = tell(text)
    assert summary(u) == [("log_interaction", "Reggie Tran", kind)]
    assert u.clarify is None  # "stopped by ... on Sunday" is last Sunday, not a booking


# -- help ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    ["what can this bot do?", "what does this bot do", "how do I use this", "what's this bot for?",
     "what can the bot help with"],
)
def test_questions_about_the_bot_get_help(tell, text):
    assert [a.intent for a in tell(text).actions] == ["help"]


# -- US contract stages ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Grace is under contract", "negotiating"),
        ("Grace is in escrow", "negotiating"),
        ("Grace Delgado in contract", "negotiating"),
        ("move Grace to in contract", "negotiating"),
        ("Grace is under contract on the Elm St house", "negotiating"),
        ("Grace under offer", "negotiating"),  # the UK name of the same stage
        ("Grace closed escrow", "closed_won"),
        ("Grace is under contract on another home", "closed_lost"),
        ("Grace is under contract elsewhere", "closed_lost"),
    ],
)
def test_contract_stages_are_negotiating_until_closing(tell, text, status):
    assert summary(tell(text)) == [("update_status", "Grace Delgado", status)]


def test_contract_terms_are_still_a_documents_question(tell):
    assert [a.intent for a in tell("what are the contract terms at Beachgate?").actions] == ["ask_documents"]


# -- a firm whose name is a verb ---------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Grace Delgado is qualified, pre-approved w/ Chase",
        "Grace is qualified, financing through Chase",
        "Grace qualified, mortgage from Chase",
        "Grace qualified - banks at Chase",
        "Grace is qualified, she's with Chase",
    ],
)
def test_a_bank_named_like_a_verb_is_no_reminder(tell, text):
    assert summary(tell(text)) == [("update_status", "Grace Delgado", "qualified")]


def test_the_verb_itself_still_asks_for_a_reminder(tell):
    assert summary(tell("Grace qualified, chase her friday")) == [
        ("update_status", "Grace Delgado", "qualified"),
        ("schedule_follow_up", "Grace Delgado", "2026-11-20 10:00"),
    ]


# -- dates in agent messages ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("remind me to call Rose thursday 10/14", "2027-10-14 10:00"),
        ("remind me to call Rose fri 9/24 3pm", "2027-09-24 15:00"),
        ("remind me to call Rose saturday 28th at 10", "2026-11-28 10:00"),
        ("remind me to call Rose tuesday, december 1st", "2026-12-01 10:00"),
        ("follow up with Rose mon 9.30", "2026-11-23 09:30"),
        ("remind me to call Rose Monday at 9.30am", "2026-11-23 09:30"),
        ("remind me to call Rose after 3 today", "2026-11-18 15:00"),
        ("call Rose any time after 2pm tomorrow", "2026-11-19 14:00"),
        ("remind me to call Rose next month", "2026-12-01 10:00"),
        ("remind me to call Rose in 20 minutes", "2026-11-18 09:50"),
    ],
)
def test_reminders_take_the_date_said(tell, text, due):
    assert summary(tell(text)) == [("schedule_follow_up", "Rose Tyler", due)]


def test_a_count_without_a_unit_gives_a_reminder_with_no_time(tell):
    u = tell("remind me to call Rose in 20")
    assert summary(u) == [("schedule_follow_up", "Rose Tyler", None)]


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("tomorrow, call Rose", "2026-11-19 10:00"),
        ("any time after 2 tomorrow, call Rose", "2026-11-19 14:00"),
        ("Friday - meet Rose at the show flat", "2026-11-20 10:00"),
    ],
)
def test_a_time_said_before_the_request_books_it(tell, text, due):
    assert summary(tell(text)) == [("schedule_follow_up", "Rose Tyler", due)]


def test_a_past_day_before_a_report_still_logs_it(tell):
    assert summary(tell("yesterday, called Rose")) == [("log_interaction", "Rose Tyler", "call")]


# -- the same rules on the lead channel, after its translation --------------------------------------
@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("Could we meet Thursday 11/26 at 3?", "2026-11-26 15:00"),
        ("How about Friday 27th at 10?", "2026-11-27 10:00"),
        ("Can we do any time after 2 tomorrow?", "2026-11-19 14:00"),
        ("Could we meet Monday 9.30?", "2026-11-23 09:30"),
        ("¿Podemos vernos el viernes 27 a las 5?", "2026-11-27 17:00"),
        ("Können wir uns am Freitag, 27.11. um 10 Uhr treffen?", "2026-11-27 10:00"),
    ],
)
def test_a_lead_proposing_a_weekday_and_date_gets_that_date(understander, session, text, due):
    now = datetime(2026, 11, 18, 9, 30, tzinfo=ZoneInfo(TZ_US))
    u = understander.understand(text, channel="lead", speaker=None, now=now, tz=TZ_US, session=session)
    act = u.actions[0]
    assert act.intent == "meeting_request"
    assert act.fields["due"].strftime("%Y-%m-%d %H:%M") == due
