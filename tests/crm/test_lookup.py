import pytest

from crm.lookup import clear_winner, find_leads, normalise


@pytest.fixture
def team(make_agent, make_lead):
    alex = make_agent("Alex Morgan")
    sam = make_agent("Sam Lee")
    boss = make_agent("Dana Whitfield", role="admin")
    leads = {
        "john": make_lead("John Doe", owner=alex, email="john.doe@acme.example", company="Acme Ltd"),
        "johnsmith": make_lead("John Smith", owner=alex, company="Smith & Partners"),
        "zoe": make_lead("Zoë O'Brien", owner=alex, company="Brightwave"),
        "jose": make_lead("José Álvarez", owner=sam),
    }
    return alex, sam, boss, leads


def test_normalise_folds_case_accents_and_apostrophes():
    assert normalise("  Zoë   O'Brien ") == "zoe obrien"


def test_full_name_is_an_exact_match(session, team):
    alex, *_ = team
    found = find_leads(session, "john doe", actor=alex)
    assert found[0].name == "John Doe" and found[0].score == 1.0


def test_email_and_company_find_the_lead(session, team):
    alex, *_ = team
    assert find_leads(session, "JOHN.DOE@acme.example", actor=alex)[0].matched_on == "email"
    assert find_leads(session, "acme", actor=alex)[0].name == "John Doe"


def test_a_shared_first_name_returns_every_candidate_without_a_winner(session, team):
    alex, *_ = team
    found = find_leads(session, "John", actor=alex)
    assert {c.name for c in found} == {"John Doe", "John Smith"}
    assert clear_winner(found) is None


def test_accents_and_typos_are_forgiven(session, team):
    alex, *_ = team
    assert find_leads(session, "zoe obrien", actor=alex)[0].name == "Zoë O'Brien"
    assert find_leads(session, "Jonh Doe", actor=alex)[0].name == "John Doe"
    assert clear_winner(find_leads(session, "Jonh Doe", actor=alex)).name == "John Doe"


def test_an_agent_sees_only_their_own_leads_and_an_admin_sees_all(session, team):
    alex, sam, boss, _ = team
    assert find_leads(session, "José Álvarez", actor=alex) == []
    assert find_leads(session, "jose alvarez", actor=sam)[0].name == "José Álvarez"
    assert find_leads(session, "jose alvarez", actor=boss)[0].name == "José Álvarez"


def test_nothing_fits_gives_no_candidates(session, team):
    alex, *_ = team
    assert find_leads(session, "Bartholomew", actor=alex) == []
    assert find_leads(session, "", actor=alex) == []
