"""Lead replies in the many ways people write them: whole classes of wording, not single phrases."""
import pytest

from bot.understanding.lead_model import LeadIntentModel, load_model, train
from bot.understanding.lead_replies import classify_reply
from bot.understanding.lead_text import features, normalise, stem
from bot.understanding.model import LEAD_INTENTS
from tests.understanding.conftest import NOW, TZ


def intent_of(understander, text: str) -> str:
    return understander.understand(text, channel="lead", now=NOW, tz=TZ).actions[0].intent


@pytest.mark.parametrize(
    "text",
    [
        "I want my data deleted under the privacy act",
        "I'd like my details deleted from your system please.",
        "Please purge my records.",
        "I would like to exercise my right to erasure.",
        "Kindly refrain from sending further correspondence.",
        "Please cease all communication with me.",
        "I never signed up for this, take my name off whatever list this is.",
        "Pls dont email me anymore",
        "I object to the processing of my personal data for marketing.",
        "Hello,\n\nNot sure how I ended up on your list but I'd like to be removed please. I'm not looking to buy.",
        "Not interested. Please remove me from your database.",
    ],
)
def test_requests_to_stop_or_erase_are_unsubscribes(understander, text):
    assert intent_of(understander, text) == "unsubscribe"


@pytest.mark.parametrize(
    "text",
    [
        "it's not what we're after",
        "We bought through another agent.",
        "We've signed with another agency.",
        "We're going to rent for a few more years instead.",
        "It's a bit beyond our budget, so we'll leave it.",
        "Not right now, but feel free to reach out again in a year or so.",
        "Not interested at the moment, maybe next year.",
        "Unfortunately the timing isn't right for us.",
        "This doesn't suit our needs, thanks anyway.",
        "We've decided to stay in our current home and extend instead, so we won't need your help after all.",
        "Sorry Alex, we've gone cold on the idea of moving.",
        "nah, not for us cheers",
    ],
)
def test_refusals_in_any_wording_are_not_interested(understander, text):
    assert intent_of(understander, text) == "not_interested"


@pytest.mark.parametrize(
    "text",
    [
        "This inbox is not monitored.",
        "This email address is no longer in use.",
        "Jane no longer works at Acme. Your message has not been forwarded.",
        "I'm currently on parental leave and will return in September.",
        "Thank you for contacting us. Your ticket number is #48213 and one of our team will be in touch.",
        "We have received your request (ref 2027-1193). A member of our team will reply within 24 hours.",
        "I'm on holiday until 22 March and checking email only occasionally.",
        "On leave, returning 20/03.",
        "I am away from my desk. Back soon.",
    ],
)
def test_automatic_replies_are_recognised_by_what_they_say(understander, text):
    assert intent_of(understander, text) == "auto_reply"


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("Can we do an inspection on Saturday at 11?", "2026-11-21 11:00"),
        ("Could you show us around next Wednesday at 4?", "2026-11-25 16:00"),
        ("Please give me a ring in 30 minutes.", "2026-11-18 16:00"),
        ("I'm not interested in the studio but could we view the penthouse on Saturday?", "2026-11-21 10:00"),
        ("Hi,\n\nThanks for the brochure. My partner and I would like to come and see the two-bed. "
         "Would Saturday at 2 work for you?\n\nBest,\nAnna", "2026-11-21 14:00"),
        ("Can someone show me the unit?", None),
        ("Can we get together to discuss?", None),
    ],
)
def test_meeting_requests_carry_the_time_they_put_forward(understander, text, due):
    act = understander.understand(text, channel="lead", now=NOW, tz=TZ).actions[0]
    when = act.fields["due"].strftime("%Y-%m-%d %H:%M") if act.fields.get("due") else None
    assert (act.intent, when) == ("meeting_request", due)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Is there underground parking", "question"),
        ("I was wondering whether the apartments come furnished.", "question"),
        ("Please advise on the payment schedule.", "question"),
        ("Interested, but what's the total price including fees?", "question"),
        ("Could you send me the brochure?", "interested"),
        ("I'm not sure yet, but I'm interested. Can you send the brochure?", "interested"),
        ("Great news, please hold unit 7 for us.", "interested"),
        ("Very keen, what do we do now?", "interested"),
        ("Thank you very much.", "other"),
        ("Who shared my email address with you?", "other"),
        ("Let me talk it over with my wife and circle back.", "other"),
        ("I think you have the wrong email address - I'm not James.", "other"),
    ],
)
def test_questions_interest_and_the_rest_are_told_apart(understander, text, intent):
    assert intent_of(understander, text) == intent


def test_a_request_to_stop_outranks_a_refusal_and_a_question():
    assert classify_reply("Not interested. How did you get my email? Delete it from your list.")[0] == "unsubscribe"


def test_an_automatic_reply_that_asks_not_to_be_written_to_is_still_automatic():
    assert classify_reply("This message was generated automatically. Please do not reply to this address.")[0] == "auto_reply"


def test_normalising_restores_apostrophes_and_spells_out_shorthand():
    assert normalise("Pls dont email me, Im OOO") == "please don't email me, i'm out of office"


def test_inflections_share_a_stem():
    assert len({stem(w) for w in ("deleted", "deleting", "deletion", "delete")}) == 1
    assert stem("viewings") == stem("viewing")


def test_negated_words_are_features_of_their_own():
    feats = features("I am not interested, but thanks")
    assert "n:interest" in feats and "n:thank" not in feats


def test_the_shipped_model_loads_and_backs_up_the_rules():
    model = load_model()
    assert model is not None and set(model.labels) == set(LEAD_INTENTS)
    # No cue list names "bombarding": the model places it.
    assert classify_reply("Please stop bombarding me with these emails.")[0] == "unsubscribe"


def test_a_model_trained_on_examples_predicts_them_and_round_trips_through_json():
    examples = [
        ("remove me from the list", "unsubscribe"), ("please delete my address", "unsubscribe"),
        ("we bought elsewhere", "not_interested"), ("no thanks we found a place", "not_interested"),
        ("is there parking?", "question"), ("how much is the service charge?", "question"),
    ]
    model = train(examples, ("unsubscribe", "not_interested", "question"), epochs=150)
    again = LeadIntentModel.from_json(model.to_json())
    assert [again.predict(text)[0] for text, _ in examples] == [intent for _, intent in examples]
