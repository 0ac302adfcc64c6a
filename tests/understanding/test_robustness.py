import pytest

from tests.understanding.conftest import NOW, TZ

ODD = [
    "",
    "   \n\t ",
    "a" * 20_000,
    "remind me " * 3000,
    "John Doe " * 3000,
    "🙂🎉👍",
    "移動 ジョン を 成約 に",
    "Переместить Джона в переговоры",
    "<html><body><p>hello</p><script>alert(1)</script></body></html>",
    "\x00\x01\x02\x1b[31m\x7f",
    "\u202e\u200b\ufeff",
    "'; DROP TABLE leads; --",
    "?" * 500,
    "in 99999999999 days remind me",
]


@pytest.mark.parametrize("text", ODD, ids=range(len(ODD)))
@pytest.mark.parametrize("channel", ["agent", "lead"])
def test_odd_input_gives_unknown_or_a_question_never_an_error(understander, session, book, text, channel):
    speaker = book["alex"] if channel == "agent" else None
    u = understander.understand(text, channel=channel, speaker=speaker, now=NOW, tz=TZ, session=session)
    if channel == "agent":
        acted = [a for a in u.actions if a.intent != "unknown"]
        assert not acted or u.clarify is not None
    else:
        assert len(u.actions) == 1


def test_html_is_read_as_its_text(understander, session, book):
    u = understander.understand("<p>Move <b>John Doe</b> to <i>won</i></p>", channel="agent", speaker=book["alex"],
                                now=NOW, tz=TZ, session=session)
    assert [(a.intent, a.fields.get("lead"), a.fields.get("status")) for a in u.actions] == [
        ("update_status", "John Doe", "closed_won")]


def test_control_characters_do_not_hide_a_command(understander, session, book):
    u = understander.understand("\x00move john doe\x07 to won\x1b", channel="agent", speaker=book["alex"], now=NOW,
                                tz=TZ, session=session)
    assert u.intents == ["update_status"]


def test_works_without_a_database_session(understander):
    u = understander.understand("how many leads do I have?", channel="agent", speaker=None, now=NOW, tz=TZ,
                                session=None)
    assert u.intents == ["ask_data"]
