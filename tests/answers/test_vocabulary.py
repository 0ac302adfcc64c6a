from handlers.answers.text import normalise_question, to_number
from handlers.answers.vocabulary import LeadName, Vocabulary, unit_key

VOCAB = Vocabulary(
    leads=[LeadName(1, "John Doe", "Acme Ltd", 10), LeadName(2, "Max Müller", None, 10),
           LeadName(3, "Zoë O'Brien", "Brightwave", 11)],
    agents=[(10, "Alex Morgan"), (11, "Sam Lee")],
    projects=["Harbour View", "Riverside Lofts"], unit_types=["2BR", "Studio"], sources=["referral", "website"])


def found(question: str) -> list[tuple[str, str]]:
    return [(m.kind, m.label) for m in VOCAB.find(normalise_question(question), question)]


def test_whole_names_first_names_accents_and_companies_are_found():
    assert found("What's the status of John Doe?") == [("lead", "John Doe")]
    assert found("what status is zoe in") == [("lead", "Zoë O'Brien")]
    assert found("how is Acme doing") == [("lead", "John Doe")]
    assert found("When did I last speak to John Do?") == [("lead", "John Doe")]


def test_an_everyday_word_names_a_lead_only_when_capitalised_or_possessive():
    assert ("lead", "Max Müller") not in found("what's the max budget")
    assert ("lead", "Max Müller") in found("what's Max's budget")
    assert ("lead", "Max Müller") in found("tell me about Max")


def test_projects_unit_types_and_sources_are_found_in_any_spelling():
    assert found("leads in riverside wanting a two-bedroom from referrals") == [
        ("project", "Riverside Lofts"), ("unit_type", "2BR"), ("source", "referral")]
    assert unit_key("2 bed") == unit_key("two-bedroom") == unit_key("2BR") == "2br"
    assert unit_key("Studios") == "studio"


def test_money_in_any_format_becomes_a_number():
    assert to_number("£1.2m") == 1_200_000
    assert to_number("1,200,000") == 1_200_000
    assert to_number("750k") == 750_000
    assert to_number("negotiating") is None
