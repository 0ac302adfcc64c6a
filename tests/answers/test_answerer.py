"""The answerer offline: refusals, data replies with their SQL, document replies with sources."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.context import AppContext
from bot.settings import Settings
from crm.models import Agent, Lead
from handlers.answers.answerer import Answerer


@pytest.fixture
def answerer(doc_store, tmp_path: Path) -> Answerer:  # noqa: ANN001
    return Answerer(ctx=AppContext(Settings(data_dir=tmp_path)), store=doc_store)


@pytest.mark.parametrize("question", [
    "delete all leads",
    "How many leads; DROP TABLE leads",
    "Remove every lead from the CRM",
    "list leads' UNION SELECT email, name FROM agents --",
    "update leads set status = 'closed_lost'",
    "mark all my leads as closed lost",
])
def test_a_question_that_tries_to_write_gets_a_plain_refusal_and_changes_nothing(session, team, answerer, question):
    before = session.execute(select(Lead.id, Lead.status).order_by(Lead.id)).all()
    reply = answerer.answer(question, session=session, agent=team.alex, now=team.now)
    assert reply.kind == "answer" and reply.ephemeral
    assert reply.text.startswith("I can only read the CRM")
    assert reply.sources == () and reply.table == ()
    assert session.execute(select(Lead.id, Lead.status).order_by(Lead.id)).all() == before
    assert session.scalar(select(func.count()).select_from(Agent)) == 3


def test_a_data_answer_shows_its_table_and_the_query_it_ran(session, team, answerer):
    reply = answerer.answer("Which of my leads are negotiating?", session=session, agent=team.alex, now=team.now)
    assert reply.kind == "answer"
    assert reply.text.startswith("2 leads in status negotiating: John Doe, Mary Poppins")
    assert reply.table[0][0] == "lead" and {r[0] for r in reply.table[1:]} == {"John Doe", "Mary Poppins"}
    assert reply.sources[0].title == "CRM data" and reply.sources[0].ref == "sql"
    assert reply.sources[0].detail.startswith("SELECT")


def test_a_field_answer_reads_as_a_sentence(session, team, answerer):
    reply = answerer.answer("Who owns Carlos Rivera?", session=session, agent=team.alex, now=team.now)
    assert reply.text == "Carlos Rivera is owned by Alex Morgan."
    reply = answerer.answer("What's the status of Peter Parker?", session=session, agent=team.alex, now=team.now)
    assert reply.text == "I couldn't find Peter Parker among your leads." and "negotiating" not in reply.text


def test_a_document_answer_cites_title_project_and_passage(session, team, answerer):
    got = answerer.respond("Does Seagrass Point have a gym?", session=session, agent=team.alex, now=team.now)
    assert got.route == "documents"
    assert got.sources[0] == "seagrass"
    first = got.reply.sources[0]
    assert first.title == "Seagrass Point brochure" and "Seagrass Point" in first.detail
    assert "gym" in first.excerpt.lower() and "gym" in got.reply.text.lower()


def test_the_playbook_answers_advice_even_when_a_lead_word_appears(session, team, answerer):
    got = answerer.respond("How quickly should we call a new enquiry?", session=session, agent=team.alex,
                           now=team.now)
    assert got.route == "documents" and got.sources[0] == "playbook"


def test_now_comes_from_the_caller_or_the_clock(session, team, doc_store, tmp_path):
    fixed = Answerer(ctx=AppContext(Settings(data_dir=tmp_path)), store=doc_store, clock=lambda: team.now)
    assert fixed.respond("How many new leads came in this week?", session=session, agent=team.alex).value == 2


def test_the_entry_points_answerer_uses_the_configured_llm_only_when_set(tmp_path):
    from handlers.answers import build_answerer

    assert build_answerer(AppContext(Settings(data_dir=tmp_path))).llm is None
    configured = build_answerer(AppContext(Settings(data_dir=tmp_path, openai_base_url="http://127.0.0.1:9/v1")))
    assert configured.llm is not None and configured.llm.base_url == "http://127.0.0.1:9/v1"
