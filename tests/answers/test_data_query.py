"""Data answers over a real database: every answer is scoped to the asker's own leads."""
from __future__ import annotations

from datetime import datetime

from handlers.answers.data_query import answer_data


def ask(team, question: str, *, as_=None):  # noqa: ANN001, ANN202
    from sqlalchemy.orm import object_session

    agent = as_ or team.alex
    return answer_data(question, session=object_session(agent), agent=agent, now=team.now)


def test_it_counts_only_the_askers_own_leads(team):
    a = ask(team, "How many of my leads are negotiating?")
    assert a.value == 2
    assert sorted(a.leads) == ["John Doe", "Mary Poppins"]


def test_an_admin_sees_every_agents_leads(team):
    assert ask(team, "How many leads are negotiating?", as_=team.dana).value == 3


def test_an_agent_asking_about_another_agents_leads_is_told_they_cannot(team):
    a = ask(team, "How many leads does Sam have?")
    assert a.kind == "not_allowed" and a.value is None and a.sql == []


def test_a_lead_owned_by_someone_else_is_not_shown(team):
    a = ask(team, "What's the status of Peter Parker?")
    assert a.value is None and a.leads == [] and a.missing == ["Peter Parker"]
    assert ask(team, "What's the status of Peter Parker?", as_=team.dana).value == "negotiating"


def test_not_contacted_in_two_weeks_includes_leads_never_contacted(team):
    a = ask(team, "Which leads haven't I contacted in two weeks?")
    assert sorted(a.leads) == ["John Doe", "Mary Poppins", "Max Müller"]


def test_budgets_compare_on_the_upper_bound(team):
    assert ask(team, "leads with a budget over 1m").leads == ["John Doe"]
    assert sorted(ask(team, "Leads with a budget between 500k and 800k").leads) == ["Carlos Rivera", "Mary Poppins"]
    assert ask(team, "What is the average budget of my negotiating leads?").value == 850_000
    assert ask(team, "Which lead has the highest budget?").value == "John Doe"
    assert ask(team, "What's John Doe's budget?").value == (900_000, 1_200_000)


def test_follow_ups_due_today_and_overdue(team):
    assert ask(team, "What follow-ups do I have today?").leads == ["John Doe"]
    assert ask(team, "any overdue follow ups?").leads == ["Mary Poppins"]
    assert ask(team, "follow-ups due next week").leads == ["Carlos Rivera"]


def test_interactions_last_week_and_last_contact(team):
    assert ask(team, "who did I meet last week?").leads == ["Carlos Rivera"]
    when = ask(team, "When did I last speak to John Doe?").value
    assert isinstance(when, datetime) and when.date().isoformat() == "2026-11-01"


def test_created_this_week_by_project_and_unit_type(team):
    assert sorted(ask(team, "How many new leads came in this week?").leads) == ["Mary Poppins", "Max Müller"]
    assert sorted(ask(team, "which leads are interested in Seagrass Point?").leads) == ["Carlos Rivera", "John Doe"]
    assert sorted(ask(team, "Which of my leads want a 3 bed?").leads) == ["Carlos Rivera", "Mary Poppins"]


def test_who_owns_and_group_by_status(team):
    assert ask(team, "Who owns Carlos Rivera?").value == "Alex Morgan"
    a = ask(team, "how many leads do I have by status")
    assert a.table[0] == ("status", "count")
    assert dict(a.table[1:]) == {"negotiating": "2", "new": "1", "qualified": "1"}
    assert ask(team, "Which project has the most leads?", as_=team.dana).value == "Seagrass Point"


def test_the_sql_shown_is_the_compiled_statement_with_its_values(team):
    a = ask(team, "How many of my leads are negotiating?")
    assert a.sql and "SELECT count(leads.id)" in a.sql[0]
    assert f"leads.owner_id = {team.alex.id}" in a.sql[0] and "'negotiating'" in a.sql[0]
