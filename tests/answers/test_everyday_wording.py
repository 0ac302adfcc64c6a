"""Data answers to the everyday wording of sales agents, over a small Lisbon team in the real
test database: Portuguese unit types ("T2"), names with letters a keyboard may not have
("Łukasz", "Yılmaz"), notes that are not contact, an unassigned lead, and an admin asking
about another agent's week."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import object_session

from crm.models import Agent, FollowUp, Interaction, Lead
from handlers.answers.data_query import answer_data

LISBON = ZoneInfo("Europe/Lisbon")
NOW = datetime(2027, 5, 13, 11, 20, tzinfo=LISBON)  # a Thursday


def at(day: int, hour: int = 10, minute: int = 0, month: int = 5) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=LISBON)


@dataclass
class Lisbon:
    ines: Agent
    olga: Agent
    boss: Agent
    leads: dict[str, Lead]


@pytest.fixture
def lisbon(session, make_agent, make_lead) -> Lisbon:  # noqa: ANN001
    """Inês (agent) owns five leads, Olga (agent) two, Rosa is an admin; one lead has no owner."""
    ines = make_agent("Inês Carvalho", tz="Europe/Lisbon")
    olga = make_agent("Olga Petrova", tz="Europe/Lisbon")
    boss = make_agent("Rosa Admin", role="admin", tz="Europe/Lisbon")
    specs = [
        ("Łukasz Nowak", ines, "negotiating", "Miradouro", "T2", 300_000, 380_000, at(1, month=3), at(12, 16)),
        ("Mehmet Yılmaz", ines, "qualified", "Miradouro", "T3", 700_000, 850_000, at(2, month=4), at(10, 9)),
        ("Björn Åkesson", ines, "new", "Costa Azul", "T2", 450_000, 520_000, at(11, 8), None),
        ("Chloé Martin", ines, "closed_lost", "Costa Azul", "villa", 900_000, 1_000_000, at(3, month=1), at(20, month=3)),
        ("Pedro Álvares", ines, "negotiating", "Costa Azul", "villa", 950_000, None, at(20, month=1), at(7, 13)),
        ("Hans Becker", olga, "negotiating", "Miradouro", "T3", 800_000, 900_000, at(1, month=2), at(11, 10)),
        ("Anna Kuznetsova", olga, "qualified", "Costa Azul", "T2", 500_000, 560_000, at(5, month=2), at(6, 17)),
        ("Tom Åberg", None, "new", "Miradouro", "T2", 400_000, 420_000, at(13, 9), None),
    ]
    leads = {}
    for name, owner, status, project, unit, low, high, created, last in specs:
        leads[name] = make_lead(name, owner=owner, status=status, project=project, unit_type=unit,
                                budget_min=low, budget_max=high, created_at=created, last_contacted_at=last)

    def log(name: str, kind: str, when: datetime, summary: str = "") -> Interaction:
        lead = leads[name]
        return Interaction(lead=lead, agent_id=lead.owner_id, kind=kind, summary=summary, occurred_at=when)

    def task(name: str, due: datetime, status: str = "open") -> FollowUp:
        lead = leads[name]
        return FollowUp(lead=lead, agent_id=lead.owner_id or ines.id, title="Follow up", due_at=due, status=status)

    session.add_all([
        log("Łukasz Nowak", "call", at(12, 16), "Agreed to counter"),
        log("Mehmet Yılmaz", "viewing", at(10, 9), "Viewed the T3"),
        log("Mehmet Yılmaz", "call", at(3, 18)),
        log("Björn Åkesson", "note", at(11, 9), "Website form; prefers WhatsApp"),
        log("Chloé Martin", "call", at(20, month=3)),
        log("Pedro Álvares", "meeting", at(7, 13)),
        log("Hans Becker", "meeting", at(4, 11), "Office meeting"),
        log("Hans Becker", "call", at(11, 10)),
        log("Anna Kuznetsova", "viewing", at(6, 17)),
        task("Łukasz Nowak", at(14, 10)),                 # tomorrow
        task("Mehmet Yılmaz", at(9, 10)),                 # overdue
        task("Pedro Álvares", at(13, 9)),                 # today, already past
        task("Björn Åkesson", at(13, 18)),                # later today
        task("Chloé Martin", at(20, 10)),                 # next week
        task("Pedro Álvares", at(11, 10), status="done"),
    ])
    session.flush()
    return Lisbon(ines=ines, olga=olga, boss=boss, leads=leads)


def ask(team: Lisbon, question: str, *, as_: Agent | None = None):  # noqa: ANN202
    agent = as_ or team.ines
    return answer_data(question, session=object_session(agent), agent=agent, now=NOW)


def test_portuguese_unit_types_match_bedroom_counts_and_their_own_names(lisbon):
    assert ask(lisbon, "how many of my clients want a T2").value == 2
    assert sorted(ask(lisbon, "which leads want two bedrooms").leads) == ["Björn Åkesson", "Łukasz Nowak"]
    assert ask(lisbon, "How many of my leads are T2 or T3?").value == 3
    assert ask(lisbon, "average budget of T2 buyers").value == 450_000


def test_names_typed_without_their_special_letters_still_find_the_lead(lisbon):
    assert ask(lisbon, "What's Lukasz's budget?").value == (300_000, 380_000)
    assert ask(lisbon, "what stage is Mehmet Yilmaz at").value == "qualified"


def test_leads_with_no_owner_are_found_by_an_admin_and_never_shown_to_an_agent(lisbon):
    assert ask(lisbon, "Which leads don't have an owner?", as_=lisbon.boss).leads == ["Tom Åberg"]
    assert ask(lisbon, "how many leads haven't been assigned", as_=lisbon.boss).value == 1
    assert ask(lisbon, "How many unassigned leads are there?").value == 0


def test_seeing_someone_is_a_meeting_or_a_viewing(lisbon):
    assert ask(lisbon, "who did I see on Monday?").leads == ["Mehmet Yılmaz"]
    assert sorted(ask(lisbon, "who have I seen this week?").leads) == ["Mehmet Yılmaz"]


def test_a_note_is_not_contact_when_asking_who_was_spoken_to(lisbon):
    # Björn's only interaction is a note written on Tuesday.
    assert ask(lisbon, "leads I spoke to in the last 3 days").leads == ["Łukasz Nowak"]


def test_nobody_negates_an_interaction_kind(lisbon):
    assert sorted(ask(lisbon, "Which leads has nobody called yet?").leads) == ["Björn Åkesson", "Pedro Álvares"]


def test_worth_over_an_amount_filters_deals_instead_of_adding_them_up(lisbon):
    a = ask(lisbon, "Which of my deals are worth over 900k?")
    assert a.kind == "list" and sorted(a.leads) == ["Chloé Martin", "Pedro Álvares"]


def test_a_superlative_budget_with_no_person_asked_about_is_the_amount(lisbon):
    assert ask(lisbon, "highest budget I've got for Costa Azul?").value == 1_000_000
    assert ask(lisbon, "who has the biggest budget in Miradouro?").value == "Mehmet Yılmaz"
    # The lowest budget ranks leads by their budget (the upper bound), not by its lower bound.
    assert ask(lisbon, "lowest budget among my T2 leads").value == 380_000


def test_the_last_lead_called_is_the_latest_call_not_the_latest_contact(lisbon):
    assert ask(lisbon, "Who was the last lead I called?").value == "Łukasz Nowak"
    assert ask(lisbon, "who was the last client I met?").value == "Pedro Álvares"
    assert ask(lisbon, "who did I email last").value is None
    assert ask(lisbon, "Who did I last speak to?").value == "Łukasz Nowak"


def test_an_admin_asks_what_another_agent_did(lisbon):
    assert ask(lisbon, "Who did Olga meet last week?", as_=lisbon.boss).leads == ["Hans Becker"]
    assert sorted(ask(lisbon, "which leads did Olga view this week", as_=lisbon.boss).leads) == []
    assert ask(lisbon, "which leads did Olga view last week", as_=lisbon.boss).leads == ["Anna Kuznetsova"]


def test_follow_ups_in_everyday_words(lisbon):
    assert ask(lisbon, "Who am I supposed to call tomorrow?").leads == ["Łukasz Nowak"]
    assert sorted(ask(lisbon, "Which follow-ups did I miss?").leads) == ["Mehmet Yılmaz", "Pedro Álvares"]
    # What needs chasing is whatever is due by the end of today, the overdue included.
    assert sorted(ask(lisbon, "Who needs chasing?").leads) == ["Björn Åkesson", "Mehmet Yılmaz", "Pedro Álvares"]
    a = ask(lisbon, "Do I have anything scheduled with Pedro?")
    assert a.value.astimezone(LISBON) == at(13, 9)


def test_still_open_after_a_project_excludes_closed_leads(lisbon):
    assert sorted(ask(lisbon, "leads in Costa Azul that are still open").leads) == ["Björn Åkesson", "Pedro Álvares"]


def test_in_a_while_means_a_month_without_contact(lisbon):
    assert sorted(ask(lisbon, "Which clients haven't heard from me in a while?").leads) == ["Björn Åkesson", "Chloé Martin"]


def test_dates_written_the_1st_of_may_and_ranges_within_a_month(lisbon):
    assert sorted(ask(lisbon, "leads not contacted since the 1st of May").leads) == ["Björn Åkesson", "Chloé Martin"]
    assert sorted(ask(lisbon, "leads created between 1 and 15 May").leads) == ["Björn Åkesson"]


def test_a_share_keeps_its_decimals(lisbon):
    assert ask(lisbon, "what percentage of my leads are closed lost?").value == 20.0
    assert ask(lisbon, "what percentage of my Costa Azul leads are negotiating?").value == pytest.approx(33.3333)


def test_top_and_bottom_n_with_the_number_anywhere(lisbon):
    assert ask(lisbon, "bottom 2 budgets").leads == ["Łukasz Nowak", "Björn Åkesson"]
    assert ask(lisbon, "which 2 leads have the biggest budgets").leads == ["Chloé Martin", "Pedro Álvares"]


def test_leads_contacted_more_than_once(lisbon):
    assert ask(lisbon, "who have I been in touch with more than once?").leads == ["Mehmet Yılmaz"]
    assert ask(lisbon, "which leads have I called at least twice").leads == []
    assert ask(lisbon, "leads with more than one interaction", as_=lisbon.boss).leads == ["Hans Becker", "Mehmet Yılmaz"]


def test_terse_chat_questions(lisbon):
    assert ask(lisbon, "leads w/o follow up").leads == []
    assert sorted(ask(lisbon, "leads w/o follow up", as_=lisbon.boss).leads) == ["Anna Kuznetsova", "Hans Becker", "Tom Åberg"]
    assert ask(lisbon, "tasks tmrw").leads == ["Łukasz Nowak"]
    assert sorted(ask(lisbon, "leads >500k in costa azul").leads) == ["Björn Åkesson", "Chloé Martin", "Pedro Álvares"]
