"""The LLM path: used only for questions the offline parser cannot place; its SQL is untrusted."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.context import AppContext
from bot.settings import Settings
from crm.models import Agent, Lead
from handlers.answers.answerer import Answerer
from handlers.documents.llm import OpenAICompatibleChat
from tests.fake_openai import FakeOpenAI

# "ending" is no word the offline parser knows, so this goes to the model.
UNPLACEABLE = "Which leads have a company name ending in Ltd?"


@pytest.fixture
def llm():  # noqa: ANN201
    with FakeOpenAI(default="CANNOT_ANSWER") as fake:
        yield fake


@pytest.fixture
def answerer(llm, doc_store, tmp_path: Path) -> Answerer:  # noqa: ANN001
    chat = OpenAICompatibleChat(model="test-model", base_url=llm.base_url, api_key="sk-test")
    return Answerer(ctx=AppContext(Settings(data_dir=tmp_path)), store=doc_store, llm=chat)


def lead_count(session) -> int:  # noqa: ANN001
    return session.scalar(select(func.count()).select_from(Lead))


def test_it_answers_with_checked_scoped_sql_and_sends_no_rows_to_the_model(session, team, llm, answerer):
    llm.replies = ["```sql\nSELECT name, company FROM leads WHERE company LIKE '%Ltd'\n```"]
    got = answerer.respond(UNPLACEABLE, session=session, agent=team.alex, now=team.now)
    assert got.route == "data" and got.sql_answer is not None
    assert got.leads == ["John Doe"]
    assert got.reply.kind == "answer" and got.reply.sources[0].ref == "sql"
    assert f"owner_id = {team.alex.id}" in got.reply.sources[0].detail
    prompt = llm.prompt_text()
    assert "leads" in prompt and "budget_max" in prompt and UNPLACEABLE in prompt
    for lead in team.leads.values():  # schema and examples only: no row of data
        assert lead.name not in prompt and lead.email not in prompt


@pytest.mark.parametrize("malicious", [
    "DROP TABLE leads",
    "```sql\nSELECT name FROM leads; DELETE FROM leads\n```",
    "SELECT name FROM leads UNION SELECT email FROM agents",
    "UPDATE leads SET owner_id = 1",
    "SELECT name, token FROM leads",
])
def test_malicious_sql_from_the_model_is_refused_plainly_and_changes_nothing(session, team, llm, answerer, malicious):
    before = lead_count(session)
    llm.replies = [malicious]
    got = answerer.respond(UNPLACEABLE, session=session, agent=team.alex, now=team.now)
    assert got.reply.text.startswith("I didn't run that")
    assert got.reply.ephemeral and got.reply.table == ()
    assert "Traceback" not in got.reply.text and "sqlite3" not in got.reply.text
    assert lead_count(session) == before
    assert session.scalar(select(func.count()).select_from(Agent)) == 3


def test_the_model_is_not_asked_when_the_offline_parser_understands(session, team, llm, answerer):
    got = answerer.respond("How many of my leads are negotiating?", session=session, agent=team.alex, now=team.now)
    assert got.value == 2 and llm.requests == []


def test_a_write_attempt_never_reaches_the_model(session, team, llm, answerer):
    got = answerer.respond("delete all leads", session=session, agent=team.alex, now=team.now)
    assert got.route == "refused" and llm.requests == []


def test_when_neither_the_model_nor_the_parser_can_answer_it_says_so(session, team, llm, answerer):
    llm.replies = ["CANNOT_ANSWER"]
    got = answerer.respond(UNPLACEABLE, session=session, agent=team.alex, now=team.now)
    assert got.sql_answer is None and got.data is None and len(llm.requests) == 1
    assert got.reply.text.startswith("I couldn't work out what to look up")
