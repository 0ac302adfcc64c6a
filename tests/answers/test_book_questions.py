"""Questions about an agent's book, over a small London team in the real test database: when a
named lead is due a call, who has gone longest without contact, time windows on real rows,
which agent has the biggest pipeline, and whose leads an admin's "my leads" are."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import object_session

from bot.context import AppContext
from bot.settings import Settings
from crm.models import Agent, FollowUp, Interaction, Lead
from handlers.answers.answerer import Answerer
from handlers.answers.data_query import answer_data
from handlers.answers.route import route_question
from handlers.answers.text import normalise_question
from handlers.answers.vocabulary import Vocabulary

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 18, 15, 30, tzinfo=LONDON)  # a Wednesday; Easter 2026 was 5 April


def at(month: int, day: int, hour: int = 10, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=LONDON)


@dataclass
class Book:
    alex: Agent
    sam: Agent
    dana: Agent
    leads: dict[str, Lead]


@pytest.fixture
def book(session, make_agent, make_lead) -> Book:  # noqa: ANN001
    """Alex (agent) has six open leads and one won; Sam (agent) two open and six closed; Dana
    (admin) two open leads of her own."""
    alex = make_agent("Alex Morgan")
    sam = make_agent("Sam Lee")
    dana = make_agent("Dana Whitfield", role="admin")
    rows = [
        # name, owner, status, budget, created, last contacted, company, source
        ("Mary Poppins", alex, "contacted", 500_000, at(3, 10), at(10, 28), None, "website"),
        ("John Doe", alex, "negotiating", 1_200_000, at(4, 20), at(11, 1), "Acme Ltd", "website"),
        ("Emma Walsh", alex, "new", 300_000, at(11, 10), None, None, "Bayut"),
        ("George Evans", alex, "new", 350_000, at(5, 2), None, None, "Bayut"),
        ("Carlos Rivera", alex, "qualified", 750_000, at(2, 14), None, None, "referral"),
        ("Sophie Turner", alex, "qualified", 900_000, at(4, 4), at(11, 17), None, "referral"),
        ("Oliver Grant", alex, "closed_won", 5_000_000, at(12, 1, year=2025), at(10, 1), None, "referral"),
        ("Peter Parker", sam, "negotiating", 700_000, at(1, 5), at(11, 14), None, "website"),
        ("Bruce Wayne", sam, "qualified", 3_500_000, at(1, 5), at(11, 10), None, "website"),
        ("Tony Stark", sam, "closed_won", 3_200_000, at(1, 5), at(9, 1), None, "website"),
        *[(name, sam, status, None, at(1, 5), at(6, 1), None, "website") for name, status in (
            ("Lex Luthor", "closed_lost"), ("Selina Kyle", "closed_lost"), ("Harvey Dent", "closed_lost"),
            ("Pamela Isley", "closed_won"), ("Edward Nygma", "closed_lost"))],
        ("Diana Prince", dana, "negotiating", 1_800_000, at(1, 5), at(11, 16), None, "website"),
        ("Clark Kent", dana, "new", 500_000, at(1, 5), None, None, "website"),
    ]
    leads = {}
    for name, owner, status, budget, created, last, company, source in rows:
        leads[name] = make_lead(name, owner=owner, status=status, budget_max=budget, created_at=created,
                                last_contacted_at=last, company=company, source=source)

    def task(name: str, due: datetime, title: str) -> FollowUp:
        lead = leads[name]
        return FollowUp(lead=lead, agent_id=lead.owner_id, title=title, due_at=due)

    session.add_all([
        # Carlos was called, though nobody set his last-contacted date; George has only a note.
        Interaction(lead=leads["Carlos Rivera"], agent_id=alex.id, kind="call", occurred_at=at(9, 1)),
        Interaction(lead=leads["George Evans"], agent_id=alex.id, kind="note", summary="Prefers email",
                    occurred_at=at(11, 12)),
        task("Mary Poppins", NOW + timedelta(days=2), "Call back about the viewing"),
        task("John Doe", NOW - timedelta(days=1), "Send floor plans"),
        task("Carlos Rivera", NOW + timedelta(days=13), "Send contract"),
        task("Sophie Turner", NOW + timedelta(days=20), "Check mortgage"),
        task("Peter Parker", NOW + timedelta(days=10), "Send offer"),
        task("Diana Prince", NOW + timedelta(days=1), "Second viewing"),
    ])
    session.flush()
    return Book(alex=alex, sam=sam, dana=dana, leads=leads)


def ask(book: Book, question: str, *, as_: Agent | None = None):  # noqa: ANN202
    agent = as_ or book.alex
    return answer_data(question, session=object_session(agent), agent=agent, now=NOW)


@pytest.fixture
def answerer(doc_store, tmp_path: Path) -> Answerer:  # noqa: ANN001
    return Answerer(ctx=AppContext(Settings(data_dir=tmp_path)), store=doc_store)


def reply(answerer: Answerer, book: Book, question: str, *, as_: Agent | None = None):  # noqa: ANN202
    agent = as_ or book.alex
    return answerer.respond(question, session=object_session(agent), agent=agent, now=NOW)


# --- 1. "how soon" about a named lead is data; about leads in general, procedure -----------------

def route(book: Book, question: str, *, as_: Agent | None = None) -> str:
    agent = as_ or book.alex
    vocab = Vocabulary.load(object_session(agent))
    own = None if agent.is_admin else frozenset(l.id for l in vocab.leads if l.owner_id == agent.id)
    text = normalise_question(question)
    return route_question(text, mentions=vocab.find(text, question), asker_lead_ids=own).route


@pytest.mark.parametrize("question", [
    "how soon do I need to call Mary back?",          # a first name of one of the asker's leads
    "How soon do I need to call Mary Poppins back?",  # a whole name
    "when do I need to call Poppins back?",           # a surname
    "how quickly should I get back to Acme?",         # a company
    "when should we chase Emma?",
])
def test_how_soon_about_a_named_lead_goes_to_the_data(book, question):
    assert route(book, question) == "data"


@pytest.mark.parametrize("question", [
    "how quickly must we call Bayut leads?",
    "how soon should I call a new lead back?",
    "How quickly should we respond to a new enquiry?",
])
def test_how_soon_with_no_lead_named_stays_a_procedure_question(book, question):
    assert route(book, question) == "documents"


def test_a_first_name_that_fits_only_someone_else_s_lead_does_not_pull_to_the_data(book):
    assert route(book, "how soon should I call Peter back?") == "documents"
    # Every lead is an admin's to ask about.
    assert route(book, "how soon should I call Peter back?", as_=book.dana) == "data"


def test_how_soon_to_call_a_named_lead_is_answered_with_her_next_follow_up(book):
    a = ask(book, "how soon do I need to call Mary back?")
    assert a.kind == "field" and a.spec.field == "next_follow_up" and a.leads == ["Mary Poppins"]
    assert a.value.astimezone(LONDON) == NOW + timedelta(days=2)
    assert ask(book, "how quickly should I get back to Acme?").leads == ["John Doe"]
    # A past question about the same lead is still about the last contact.
    assert ask(book, "when did I last call Mary?").spec.field == "last_contacted"


def test_the_answer_says_when_and_whether_the_follow_up_is_already_overdue(book, answerer):
    got = reply(answerer, book, "how soon do I need to call Mary back?")
    assert got.route == "data"
    assert got.reply.text.startswith('The next follow-up for Mary Poppins ("Call back about the viewing") is due 2026-11-20')
    late = reply(answerer, book, "how quickly should I get back to Acme?")
    assert "was due 2026-11-17" in late.reply.text and "overdue" in late.reply.text


def test_a_named_lead_with_no_open_follow_up_is_still_the_asker_s_lead(book, answerer):
    assert reply(answerer, book, "when should we chase Emma?").reply.text == "There is no open follow-up for Emma Walsh."
    assert reply(answerer, book, "how soon should I call Peter Parker back?").reply.text == (
        "I couldn't find Peter Parker among your leads.")


# --- 2. longest since contact: a ranking, never-contacted first ----------------------------------

def test_the_leads_not_spoken_to_for_longest_are_ranked_never_contacted_first(book):
    a = ask(book, "five leads I haven't spoken to for longest")
    # Carlos's last contact is his logged call; George's note is no contact.
    assert a.leads == ["Emma Walsh", "George Evans", "Carlos Rivera", "Oliver Grant", "Mary Poppins"]
    assert a.never_contacted == ["Emma Walsh", "George Evans"]
    assert ask(book, "which 3 leads have I not contacted for the longest").leads == [
        "Emma Walsh", "George Evans", "Carlos Rivera"]
    assert ask(book, "which lead did I contact least recently").value == "Emma Walsh"


def test_the_ranking_says_that_never_contacted_leads_come_first(book, answerer):
    text = reply(answerer, book, "five leads I haven't spoken to for longest").reply.text
    assert "never-contacted leads first" in text
    assert "Emma Walsh, George Evans have never been contacted" in text


def test_not_contacted_with_no_ranking_still_means_never(book):
    assert sorted(ask(book, "which leads haven't I spoken to").leads) == ["Emma Walsh", "George Evans"]


def test_not_contacted_does_not_negate_a_status_asked_about(book):
    a = ask(book, "which 2 qualified leads have I not contacted for the longest")
    assert a.spec.statuses == ("qualified",) and a.leads == ["Carlos Rivera", "Sophie Turner"]


# --- 3. time windows on real rows ---------------------------------------------------------------

def test_due_in_two_weeks_lists_what_is_due_within_the_next_fourteen_days(book, answerer):
    assert ask(book, "follow-ups due in two weeks").leads == ["Mary Poppins", "Carlos Rivera"]
    got = reply(answerer, book, "what's due in two weeks?")
    assert got.route == "data" and got.leads == ["Mary Poppins", "Carlos Rivera"]


def test_since_easter_counts_from_easter_sunday(book):
    # Sophie came in on Easter Saturday, John after Easter.
    assert sorted(ask(book, "leads created since Easter").leads) == ["Emma Walsh", "George Evans", "John Doe"]


def test_two_months_are_their_union(book):
    assert sorted(ask(book, "leads created in March and April").leads) == ["John Doe", "Mary Poppins", "Sophie Turner"]
    assert sorted(ask(book, "leads created in March and May").leads) == ["George Evans", "Mary Poppins"]


def test_fortnight_year_to_date_quarter_and_hours(book):
    assert ask(book, "leads contacted over the last fortnight").leads == ["Sophie Turner"]
    assert ask(book, "how many leads came in year to date?").value == 6
    assert ask(book, "how many leads came in YTD").value == 6
    assert ask(book, "leads contacted last quarter").leads == ["Carlos Rivera"]
    assert ask(book, "leads contacted in the past 48 hours").leads == ["Sophie Turner"]


# --- 4. the biggest pipeline ---------------------------------------------------------------------

def test_the_biggest_pipeline_is_the_most_open_leads_not_the_most_leads(book, answerer):
    assert ask(book, "Which agent has the most leads?", as_=book.dana).value == "Sam Lee"
    a = ask(book, "Which agent has the biggest pipeline", as_=book.dana)
    assert a.value == "Alex Morgan" and a.table[1] == ("Alex Morgan", "6")
    text = reply(answerer, book, "Which agent has the biggest pipeline?", as_=book.dana).reply.text
    assert text.startswith("Alex Morgan has the biggest pipeline: 6 open leads")
    assert "by the number of open leads" in text


def test_the_biggest_pipeline_by_value_adds_up_the_budgets_of_open_leads(book, answerer):
    # Oliver's won 5m deal is no longer in Alex's pipeline: Sam's 4.2m beats Alex's 4.0m.
    a = ask(book, "Which agent has the biggest pipeline by value?", as_=book.dana)
    assert a.value == "Sam Lee" and a.table[1] == ("Sam Lee", "4,200,000")
    text = reply(answerer, book, "who has the most valuable pipeline", as_=book.dana).reply.text
    assert text.startswith("Sam Lee has the biggest pipeline by value: 4,200,000")


def test_agents_level_on_pipeline_are_named_together(book, answerer):
    a = ask(book, "which agent has the smallest pipeline?", as_=book.dana)
    assert (a.value, a.tied) == ("Dana Whitfield", ["Sam Lee"])
    text = reply(answerer, book, "which agent has the smallest pipeline?", as_=book.dana).reply.text
    assert text.startswith("Dana Whitfield and Sam Lee are level for the smallest pipeline, with 2 open leads each")


def test_the_total_pipeline_value_leaves_out_closed_deals(book):
    assert ask(book, "What's my total pipeline value?").value == 4_000_000


# --- 5. an admin's "my leads" are her own; "all", "our", "the team's" are everyone's ------------

def test_an_admin_asking_about_her_own_leads_gets_only_those(book, answerer):
    dana = book.dana
    assert ask(book, "how many leads do I have", as_=dana).value == 2
    assert sorted(ask(book, "list my leads", as_=dana).leads) == ["Clark Kent", "Diana Prince"]
    assert ask(book, "my follow-ups", as_=dana).leads == ["Diana Prince"]
    assert ask(book, "how many of my leads are negotiating?", as_=dana).value == 1
    assert reply(answerer, book, "how many leads do I have?", as_=dana).reply.text.startswith("You have 2 leads")


def test_an_admin_asking_about_all_our_or_the_team_s_leads_gets_everyone_s(book):
    dana = book.dana
    assert ask(book, "how many leads are there in total?", as_=dana).value == 17
    assert ask(book, "show all leads", as_=dana).total_rows == 17
    assert sorted(ask(book, "how many of our leads are negotiating?", as_=dana).leads) == [
        "Diana Prince", "John Doe", "Peter Parker"]
    assert sorted(ask(book, "how many of the team's leads are new?", as_=dana).leads) == [
        "Clark Kent", "Emma Walsh", "George Evans"]


def test_an_agent_sees_only_her_own_leads_whatever_she_asks_for(book, answerer):
    assert ask(book, "how many leads do I have").value == 7
    assert ask(book, "how many of the team's leads are new?").value == 2
    assert "Only your own leads are included." in reply(answerer, book, "show all leads").reply.text


def test_an_admin_s_my_leads_narrows_the_model_s_sql_to_her_own_leads_too(book, doc_store, tmp_path):
    from handlers.documents.llm import OpenAICompatibleChat
    from tests.fake_openai import FakeOpenAI

    with FakeOpenAI(default="CANNOT_ANSWER") as fake:
        chat = OpenAICompatibleChat(model="test-model", base_url=fake.base_url, api_key="sk-test")
        with_llm = Answerer(ctx=AppContext(Settings(data_dir=tmp_path)), store=doc_store, llm=chat)
        # "ending" is no word the offline parser knows, so the question goes to the model.
        fake.replies = ["SELECT name FROM leads WHERE name LIKE '%e%'"] * 2
        mine = reply(with_llm, book, "Which of my leads have a name ending in e?", as_=book.dana)
        everyone = reply(with_llm, book, "Which leads have a name ending in e?", as_=book.dana)
    assert mine.sql_answer is not None and f"owner_id = {book.dana.id}" in mine.sql
    assert sorted(mine.leads) == ["Clark Kent", "Diana Prince"]
    assert f"owner_id = {book.dana.id}" not in everyone.sql and "Peter Parker" in everyone.leads
