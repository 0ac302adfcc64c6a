import pytest

from handlers.answers.route import route_question
from handlers.answers.text import normalise_question
from handlers.answers.vocabulary import LeadName, Vocabulary

VOCAB = Vocabulary(leads=[LeadName(1, "John Doe", "Acme Ltd", 10), LeadName(2, "Aisha Bello", None, 10)],
                   agents=[(10, "Alex Morgan")], projects=["Beachgate", "Harbour View"],
                   unit_types=["2BR", "3BR"], sources=["referral"])
TITLES = ["beachgate brochure", "sales playbook"]


def route(question: str) -> str:
    text = normalise_question(question)
    return route_question(text, mentions=VOCAB.find(text, question), titles=TITLES).route


@pytest.mark.parametrize("question", [
    "How many of my leads are negotiating?",
    "Which leads haven't I contacted in two weeks?",
    "which leads are interested in Beachgate?",
    "what status is Aisha in?",
    "Who owns John Doe?",
    "What's the total budget across my leads?",
    "do I have any overdue follow-ups",
    "who should I call today?",
    "Leads with a budget between £400,000 and £600,000 in Beachgate",
    "what is my conversion rate",
])
def test_questions_about_the_crm_go_to_the_data(question: str):
    assert route(question) == "data"


@pytest.mark.parametrize("question", [
    "Does Beachgate have a gym?",
    "how many parking spaces come with a 2BR at Beachgate",
    "What's the price range for 3BR units at Harbour View",
    "are pets allowed?",
    "How often should I follow up with a new lead?",
    "When should I move a lead to closed won?",
    "What does the sales playbook say about discounts?",
    "what's the weather like",
])
def test_questions_about_properties_policies_and_advice_go_to_the_documents(question: str):
    assert route(question) == "documents"
