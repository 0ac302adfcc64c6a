from bot.understanding import Understanding

from tests.understanding.conftest import summary


def test_several_actions_in_one_message_come_back_in_order_with_the_pronoun_resolved(say):
    u = say("Log that my call with John Doe went well, move him to negotiating and remind me to send "
            "the contract tomorrow morning")
    assert summary(u) == [
        ("log_interaction", "John Doe", "call"),
        ("update_status", "John Doe", "negotiating"),
        ("schedule_follow_up", "John Doe", "2026-11-19 09:00"),
    ]
    assert u.actions[2].fields["due_grain"] == "minute"
    assert u.actions[0].span[0] == 0 and u.actions[2].span[1] > u.actions[1].span[1]
    assert u.clarify is None


def test_names_are_found_in_lowercase_and_without_accents(say):
    assert summary(say("mark zoe laurent as won")) == [("update_status", "Zoë Laurent", "closed_won")]
    assert summary(say("show john doe")) == [("show_lead", "John Doe", None)]


def test_a_first_name_shared_by_two_leads_is_ambiguous_and_lists_both(say):
    u = say("Move John to qualified")
    act = u.actions[0]
    assert act.intent == "update_status" and act.fields["status"] == "qualified"
    assert act.fields["ambiguous"] is True and act.fields["lead"] is None
    assert sorted(c.name for c in act.fields["candidates"]) == ["John Doe", "John Smith"]
    assert u.clarify == "ambiguous_lead"


def test_companies_and_emails_name_their_leads(say):
    assert summary(say("Acme is now qualified")) == [("update_status", "John Doe", "qualified")]
    assert summary(say("mark globex as lost")) == [("update_status", "John Smith", "closed_lost")]
    assert summary(say("log a call with mary@cherrytree.example")) == [("log_interaction", "Mary Poppins", "call")]


def test_status_synonyms_and_typos(say):
    assert summary(say("closed the deal with Mary Poppins"))[0][2] == "closed_won"
    assert summary(say("we lost them - Mary Poppins went with a competitor"))[0][2] == "closed_lost"
    assert summary(say("put mary poppins in negociating"))[0][2] == "negotiating"
    assert summary(say("Mary Poppins is qualifed"))[0][2] == "qualified"


def test_everyday_words_that_are_also_first_names_are_read_as_words(say):
    assert summary(say("mark Mark Evans as won")) == [("update_status", "Mark Evans", "closed_won")]
    assert summary(say("remind me to send will the contract tomorrow")) == [
        ("schedule_follow_up", "Will Turner", "2026-11-19 10:00")]
    assert summary(say("I will call Mary Poppins tomorrow")) == [
        ("schedule_follow_up", "Mary Poppins", "2026-11-19 10:00")]


def test_past_contact_is_logged_and_future_contact_is_scheduled(say):
    assert summary(say("called mary poppins, no answer")) == [("log_interaction", "Mary Poppins", "call")]
    assert summary(say("call Mary Poppins back on Friday at 2:30pm")) == [
        ("schedule_follow_up", "Mary Poppins", "2026-11-20 14:30")]


def test_interaction_kinds(say):
    cases = {
        "showed Mary Poppins the penthouse": "viewing",
        "had lunch with Mary Poppins": "meeting",
        "emailed Mary Poppins the floor plans": "email",
        "note for Mary Poppins: prefers mornings": "note",
        "caught up with Mary Poppins over coffee": "meeting",
        "spoke to Mary Poppins": "call",
    }
    for text, kind in cases.items():
        assert summary(say(text)) == [("log_interaction", "Mary Poppins", kind)], text


def test_a_pronoun_with_no_lead_in_the_message_takes_the_conversations_last_lead(say, book):
    u = say("move her to negotiating", context={"last_lead_id": book["mary"].id})
    assert summary(u) == [("update_status", "Mary Poppins", "negotiating")]


def test_without_any_lead_the_action_says_so(say):
    u = say("move him to negotiating")
    assert u.actions[0].intent == "update_status" and u.actions[0].fields["lead_id"] is None
    assert u.clarify == "missing_lead"


def test_another_agents_lead_is_found_and_flagged(say):
    act = say("move Peter Parker to qualified").actions[0]
    assert act.fields["lead"] == "Peter Parker" and act.fields["owned_by_other"] is True


def test_an_admin_sees_every_lead(say, make_agent):
    admin = make_agent("Ada Admin", role="admin")
    act = say("show peter parker", speaker=admin).actions[0]
    assert act.fields["lead"] == "Peter Parker" and not act.fields.get("owned_by_other")


def test_questions_are_routed_to_data_documents_or_help(say):
    assert [a.intent for a in say("How many of my leads are negotiating?").actions] == ["ask_data"]
    assert [a.intent for a in say("Does Beachgate have a gym?").actions] == ["ask_documents"]
    assert [a.intent for a in say("how do I log a call?").actions] == ["help"]
    assert [a.intent for a in say("what's the weather in Paris").actions] == ["unknown"]


def test_answers_to_the_bots_own_questions(say):
    assert (say("yes").reply, say("yes").actions) == ("yes", [])
    assert say("nope").reply == "no"
    assert say("cancel that").reply == "cancel"
    u = say("the second one")
    assert (u.reply, u.choice) == ("choice", 2)
    assert say("#3").choice == 3


def test_a_time_already_gone_is_never_returned_without_a_flag(say):
    act = say("remind me to call Mary Poppins today at 9am").actions[0]
    assert act.fields["due_past"] is True
    assert say("remind me to call Mary Poppins today at 9am").clarify == "due_in_past"
    act = say("remind me to call Mary Poppins at 9am").actions[0]
    assert act.fields["due"].day == 19 and act.fields["due_rolled"] is True


def test_the_result_is_plain_data(say):
    u = say("show Mary Poppins")
    assert isinstance(u, Understanding)
    assert u.intents == ["show_lead"]
    assert 0 < u.actions[0].confidence <= 1
