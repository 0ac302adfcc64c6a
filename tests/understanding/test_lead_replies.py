import pytest

from tests.understanding.conftest import NOW, TZ


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Please take me off your list.", "unsubscribe"),
        ("Stop emailing me.", "unsubscribe"),
        ("Not interested, thanks.", "not_interested"),
        ("We've already bought a place, so no thank you.", "not_interested"),
        ("Is parking included?", "question"),
        ("Yes, I'm interested! Please send more details.", "interested"),
        ("I am out of the office until Monday with limited access to email.", "auto_reply"),
        ("Thanks for the email.", "other"),
        ("Could we arrange a viewing?", "meeting_request"),
    ],
)
def test_lead_reply_intents(understander, session, text, intent):
    u = understander.understand(text, channel="lead", speaker=None, now=NOW, tz=TZ, session=session)
    assert u.intents == [intent]


def test_a_meeting_request_carries_its_time(understander, session):
    u = understander.understand("Can we book a viewing for Saturday at 11am?", channel="lead", speaker=None, now=NOW,
                                tz=TZ, session=session)
    act = u.actions[0]
    assert act.intent == "meeting_request"
    assert act.fields["due"].strftime("%Y-%m-%d %H:%M") == "2026-11-21 11:00"


def test_the_sender_lead_comes_from_the_context(understander, session, book):
    u = understander.understand("Please remove me from your mailing list", channel="lead", speaker=None, now=NOW,
                                tz=TZ, session=session, context={"last_lead_id": book["mary"].id})
    assert u.actions[0].fields["lead"] == "Mary Poppins"
