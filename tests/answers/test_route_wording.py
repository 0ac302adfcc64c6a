"""Routing everyday wording: procedure questions that name leads, one client against several,
budgets ranked within a project, and words that only the documents know."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.context import AppContext
from bot.settings import Settings
from handlers.answers.answerer import Answerer
from handlers.answers.route import route_question
from handlers.answers.text import normalise_question
from handlers.answers.vocabulary import LeadName, Vocabulary

VOCAB = Vocabulary(leads=[LeadName(1, "Zoé Lefèvre", None, 10), LeadName(2, "Kwame Mensah", None, 10)],
                   agents=[(10, "Inês Carvalho"), (11, "Olga Petrova")],
                   projects=["Costa Azul", "Torre Oriente", "Jardim Estrela"],
                   unit_types=["T2", "T3", "villa", "penthouse"], sources=["Idealista", "Bayut", "referral"])
# "torre oriente" is also a document's title: the same words must not count twice.
TITLES = ["torre oriente", "agent handbook"]


def route(question: str, doc_words: tuple[str, ...] = ()) -> str:
    text = normalise_question(question)
    return route_question(text, mentions=VOCAB.find(text, question), titles=TITLES, doc_words=doc_words).route


@pytest.mark.parametrize("question", [
    "how fast do we have to reply to an Idealista lead?",
    "how quickly must we call Bayut leads?",
    "Can my client bring his dog to Costa Azul?",
    "Does buying at Torre Oriente get my client a golden visa?",
    "where do I send a client complaint?",
    "who pays double if the deal falls through?",
    "what's the price of a T2 at Torre Oriente?",
])
def test_procedure_terms_and_one_hypothetical_client_go_to_the_documents(question: str):
    assert route(question) == "documents"


@pytest.mark.parametrize("question", [
    "Number of Costa Azul enquiries on my book?",
    "highest budget I've got for Costa Azul?",
    "who has the biggest budget in Jardim Estrela?",
    "show me everyone in Jardim Estrela",
    "anyone under 300k?",
    "buyers with more than €2m to spend",
    "any leads looking at Torre Oriente penthouses?",
    "how many of my clients want a T2",
    "Whom did I phone on Wednesday?",
    "Which leads don't have an owner?",
])
def test_the_asker_s_book_budgets_and_people_go_to_the_data(question: str):
    assert route(question) == "data"


def test_words_only_the_documents_hold_tip_a_weak_question_to_them():
    question = "What does my client need before signing the CPCV?"
    assert route(question, doc_words=("cpcv",)) == "documents"
    # They do not outweigh a question about the asker's own leads.
    assert route("which of my leads mentioned the CPCV", doc_words=("mentioned", "cpcv")) == "data"


def test_the_answerer_knows_which_words_the_documents_hold(doc_store, tmp_path: Path):  # noqa: ANN001
    answerer = Answerer(ctx=AppContext(Settings(data_dir=tmp_path)), store=doc_store)
    assert answerer._document_words(("concierge", "zeppelin", "resales")) == ["concierge", "resales"]
    assert answerer._document_words(()) == []
