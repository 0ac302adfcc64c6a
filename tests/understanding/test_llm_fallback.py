"""The optional language model, served by a small local HTTP server that speaks the OpenAI API."""
from __future__ import annotations

import json

import pytest

from bot.understanding import Understander
from bot.understanding.llm import OpenAIJSON, action_schema, validate

from tests.fake_openai import FakeOpenAI
from tests.understanding.conftest import NOW, TZ


@pytest.fixture
def fake_llm():
    with FakeOpenAI(default="{}") as fake:
        yield fake


def _client(fake: FakeOpenAI) -> OpenAIJSON:
    return OpenAIJSON(api_key="test", base_url=fake.base_url, model="test-model", timeout=5)


def test_an_unsure_message_is_read_by_the_model_and_validated(fake_llm, session, book):
    fake_llm.replies.append(json.dumps({"actions": [
        {"intent": "log_interaction", "lead": "Mary Poppins", "status": None, "kind": "meeting",
         "due": None, "title": None, "note": "lovely chat about gardens"}]}))
    und = Understander(llm=_client(fake_llm))
    u = und.understand("Mary Poppins gardens blah", channel="agent", speaker=book["alex"], now=NOW, tz=TZ,
                       session=session)
    assert [(a.intent, a.fields["lead"], a.fields["kind"]) for a in u.actions] == [
        ("log_interaction", "Mary Poppins", "meeting")]
    assert u.actions[0].fields["source"] == "llm"
    sent = fake_llm.requests[0]
    assert sent["response_format"]["type"] == "json_schema"
    assert "Mary Poppins gardens blah" in sent["messages"][0]["content"]


def test_a_sure_message_never_reaches_the_model(fake_llm, session, book):
    und = Understander(llm=_client(fake_llm))
    u = und.understand("move mary poppins to won", channel="agent", speaker=book["alex"], now=NOW, tz=TZ,
                       session=session)
    assert u.intents == ["update_status"]
    assert fake_llm.requests == []


def test_a_malformed_model_reply_keeps_the_rules_reading(fake_llm, session, book):
    fake_llm.replies.append(json.dumps({"actions": [{"intent": "delete_everything"}]}))
    und = Understander(llm=_client(fake_llm))
    u = und.understand("asdf qwer", channel="agent", speaker=book["alex"], now=NOW, tz=TZ, session=session)
    assert u.intents == ["unknown"]
    assert len(fake_llm.requests) == 1


def test_an_unreachable_model_keeps_the_rules_reading(session, book):
    dead = OpenAIJSON(api_key="x", base_url="http://127.0.0.1:9/v1", model="m", timeout=0.5)
    u = Understander(llm=dead).understand("asdf qwer", channel="agent", speaker=book["alex"], now=NOW, tz=TZ,
                                          session=session)
    assert u.intents == ["unknown"]


def test_validation_rejects_unknown_values_and_flags_past_times(session, book):
    ok = validate({"actions": [{"intent": "schedule_follow_up", "lead": "Mary Poppins", "due": "2026-11-18T09:00"}]},
                  now=NOW, tz=TZ, session=session, speaker=book["alex"], span=(0, 1))
    assert ok[0].fields["due_past"] is True and ok[0].fields["lead"] == "Mary Poppins"
    assert validate({"actions": [{"intent": "update_status", "status": "sold"}]}, now=NOW, tz=TZ, session=session,
                    speaker=None, span=(0, 1)) is None
    assert validate({"actions": [{"intent": "schedule_follow_up", "due": "next tuesday"}]}, now=NOW, tz=TZ,
                    session=session, speaker=None, span=(0, 1)) is None
    assert validate(["not", "an", "object"], now=NOW, tz=TZ, session=session, speaker=None, span=(0, 1)) is None
    assert action_schema()["properties"]["actions"]["items"]["properties"]["intent"]["enum"][0] == "update_status"
