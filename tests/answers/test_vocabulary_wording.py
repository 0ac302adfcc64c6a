"""Names and unit types as typed: letters a keyboard lacks, and Portuguese T-numbered homes."""
from handlers.answers.text import fold, normalise_question
from handlers.answers.vocabulary import LeadName, Vocabulary, unit_key

VOCAB = Vocabulary(leads=[LeadName(1, "Łukasz Nowak", None, 10), LeadName(2, "Mehmet Yılmaz", None, 10)],
                   agents=[(10, "Søren Dahl")], projects=["Miradouro"], unit_types=["T2", "T3", "Type B"])


def found(question: str) -> list[tuple[str, str]]:
    return [(m.kind, m.label) for m in VOCAB.find(normalise_question(question), question)]


def test_letters_without_a_decomposition_fold_to_what_people_type():
    assert fold("Łukasz Yılmaz Søren Weiß") == "lukasz yilmaz soren weiss"
    assert found("what's Lukasz's budget") == [("lead", "Łukasz Nowak")]
    assert found("Mehmet Yilmaz status") == [("lead", "Mehmet Yılmaz")]
    assert found("leads owned by Soren") == [("agent", "Søren Dahl")]


def test_t_numbered_unit_types_meet_bedroom_counts():
    assert unit_key("T2") == unit_key("two bedrooms") == "2br"
    assert unit_key("T0") == "studio"
    assert found("who wants a 3 bed in Miradouro") == [("unit_type", "T3"), ("project", "Miradouro")]
    assert found("how many t2 or t3 leads") == [("unit_type", "T2"), ("unit_type", "T3")]


def test_a_unit_type_no_pattern_knows_is_found_by_its_own_words():
    assert found("who wants Type B?") == [("unit_type", "Type B")]


WORDY = Vocabulary(leads=[LeadName(1, "April Green", None, 10), LeadName(2, "Rose Hill", None, 10)],
                   agents=[(10, "Sam Taylor")], projects=["Green Park"],
                   unit_types=["2-bed apartment", "3 Bedroom Villa", "4 Bedroom Villa"],
                   sources=["Facebook Ads", "Agent referral", "Property Finder"])


def wordy(question: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(m.kind, m.values) for m in WORDY.find(normalise_question(question), question)]


def test_a_unit_type_holds_every_key_it_names_and_a_phrase_needs_them_all():
    assert wordy("how many villa leads") == [("unit_type", ("3 Bedroom Villa", "4 Bedroom Villa"))]
    assert wordy("who wants a 3 bedroom villa") == [("unit_type", ("3 Bedroom Villa",))]
    assert wordy("any 2-bed buyers") == [("unit_type", ("2-bed apartment",))]


def test_a_source_is_found_by_its_distinctive_word_or_its_kind():
    assert wordy("How many leads from Facebook?") == [("source", ("Facebook Ads",))]
    assert wordy("how many referrals do I have") == [("source", ("Agent referral",))]
    assert wordy("Property Finder leads") == [("source", ("Property Finder",))]


def test_a_month_that_is_also_a_first_name_is_a_date_after_in_or_since():
    assert wordy("leads created in April") == []
    assert wordy("What's April's budget?") == [("lead", ("April Green",))]
    assert wordy("How is April doing?") == [("lead", ("April Green",))]


def test_chat_shorthand_is_spelt_out_before_parsing():
    assert normalise_question("leads w/o follow up") == "leads without follow up"
    assert normalise_question("tasks tmrw?") == "tasks tomorrow"
    assert normalise_question("# leads from referral") == "number of leads from referral"
    assert normalise_question("leads >500k in miradouro") == "leads > 500k in miradouro"


def test_a_possessive_without_its_apostrophe_and_plural_t_types():
    assert found("whats lukaszs budget") == [("lead", "Łukasz Nowak")]
    assert found("how many T3s") == [("unit_type", "T3")]
