import pytest

from handlers.documents.answer import NOT_FOUND_MARKER, answer_from_documents, render_document_answer
from handlers.documents.ingest import ingest_paths
from handlers.documents.llm import LLMError, OpenAICompatibleChat
from handlers.documents.retrieve import projects_named, retrieve
from tests.documents.pdfgen import HILLSIDE_PAGES, make_pdf
from tests.fake_openai import FakeOpenAI


@pytest.fixture(scope="module")
def pdf_store(loaded_store, tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "hillside.pdf"
    path.write_bytes(make_pdf(HILLSIDE_PAGES, title="Hillside Mews price list"))
    ingest_paths([path], store=loaded_store, project="Hillside Mews", progress=False)
    return loaded_store


def test_retrieval_returns_k_passages_best_first_with_scores(pdf_store):
    hits = retrieve("Is there a swimming pool?", store=pdf_store, k=3)
    assert len(hits) == 3
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.title and h.doc_id for h in hits)


def test_the_project_named_in_the_question_ranks_first(pdf_store):
    # Three documents mention a gym; the question names one project.
    assert retrieve("Does Oakwood Grove have a gym?", store=pdf_store, k=1)[0].doc_id == "oakwood-grove"
    assert retrieve("Does Seaview Court have a gym?", store=pdf_store, k=1)[0].doc_id == "seaview-court"
    assert retrieve("Is there a gym at hillside mews?", store=pdf_store, k=1)[0].doc_id == "hillside"


def test_project_names_are_found_whatever_their_case_or_spacing():
    projects = ["Seaview Court", "Oakwood Grove", "Hillside Mews"]
    assert projects_named("what does SEAVIEW court cost", projects) == ["Seaview Court"]
    assert projects_named("any news from oakwoodgrove?", projects) == ["Oakwood Grove"]
    assert projects_named("a question about a court case", projects) == []


def test_a_search_can_be_limited_to_one_project(pdf_store):
    hits = retrieve("prices", store=pdf_store, k=4, project="Oakwood Grove")
    assert {h.doc_id for h in hits} == {"oakwood-grove"}


def test_a_pdf_passage_is_cited_with_its_page(pdf_store):
    answer = answer_from_documents("What is the payment plan at Hillside Mews?", store=pdf_store)
    assert answer.found
    first = answer.citations[0]
    assert (first.doc_id, first.page, first.project) == ("hillside", 3, "Hillside Mews")
    assert "90% on completion" in answer.text


def test_the_extractive_answer_is_the_sentence_that_answers(pdf_store):
    answer = answer_from_documents("When will Oakwood Grove houses be handed over?", store=pdf_store)
    assert answer.found and answer.mode == "extractive"
    assert answer.sentences == ["The first houses will be handed over in spring 2027."]
    assert answer.citations[0].doc_id == "oakwood-grove"
    assert "handed over in spring 2027" in answer.citations[0].passage


def test_citations_carry_document_title_project_and_passage(pdf_store):
    answer = answer_from_documents("How much is a penthouse at Seaview Court?", store=pdf_store, k=2)
    assert len(answer.citations) == 2
    c = answer.citations[0]
    assert (c.doc_id, c.title, c.project) == ("seaview-court", "Seaview Court brochure", "Seaview Court")
    assert "£780,000" in c.passage and "£780,000" in answer.text
    assert answer.sources[0] == "seaview-court"


def test_a_question_the_documents_do_not_cover_gets_no_made_up_answer(pdf_store):
    answer = answer_from_documents("Who won the football world cup in 2018?", store=pdf_store)
    assert not answer.found and answer.text == ""
    reply = render_document_answer(answer)
    assert "couldn't find" in reply


def test_the_rendered_reply_lists_its_sources(pdf_store):
    reply = render_document_answer(answer_from_documents("What is the payment plan at Hillside Mews?",
                                                         store=pdf_store))
    assert "Sources:" in reply
    assert "1. Hillside Mews price list (Hillside Mews), Payment Plan, p. 3 [hillside]" in reply


def test_an_empty_store_answers_not_found(store):
    answer = answer_from_documents("Does Beachgate have a gym?", store=store)
    assert not answer.found and answer.citations == []


@pytest.fixture
def fake_chat():
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def chat(fake_chat):
    return OpenAICompatibleChat(model="test-model", base_url=fake_chat.base_url, api_key="sk-x")


def test_with_an_llm_the_answer_is_written_from_the_retrieved_passages_only(pdf_store, chat, fake_chat):
    fake_chat.default = "Yes: the clubhouse has a gym [2]."
    answer = answer_from_documents("Does Oakwood Grove have a gym?", store=pdf_store, llm=chat, k=3)
    assert answer.found and answer.mode == "llm"
    assert answer.text == "Yes: the clubhouse has a gym [2]."
    [request] = fake_chat.requests
    system, user = request["messages"]
    assert "only" in system["content"] and NOT_FOUND_MARKER in system["content"]
    assert "Does Oakwood Grove have a gym?" in user["content"]
    assert "[1] Oakwood Grove brochure (Oakwood Grove)" in user["content"]
    assert "heated indoor swimming pool" in user["content"]
    # Only the passage the model cited is kept as the source.
    assert len(answer.citations) == 1


def test_with_an_llm_a_question_outside_the_documents_is_said_to_be_so(pdf_store, chat, fake_chat):
    fake_chat.default = NOT_FOUND_MARKER
    answer = answer_from_documents("Does Seaview Court have a helipad?", store=pdf_store, llm=chat)
    assert not answer.found and answer.text == ""
    assert "couldn't find" in render_document_answer(answer)


def test_an_llm_that_fails_raises_a_safe_error(pdf_store, chat, fake_chat):
    fake_chat.status = 500
    with pytest.raises(LLMError, match="did not answer"):
        answer_from_documents("Does Oakwood Grove have a gym?", store=pdf_store, llm=chat)
