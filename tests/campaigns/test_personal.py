"""Passages from the real document store, and an LLM paragraph from a fake OpenAI-compatible API."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pytest

from handlers.campaigns.compose import Composer
from handlers.campaigns.drain import Drainer
from handlers.campaigns.personal import Personaliser, chat_from_settings, documents_finder
from handlers.campaigns.render import Renderer
from handlers.campaigns.transport import transport_from_settings
from tests.fake_openai import FakeOpenAI

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "campaigns"
PARAGRAPH = ("With a south-facing balcony and the rooftop pool a lift ride away, a two-bedroom home at "
             "Seaview Towers fits the sea view you asked about.")


@pytest.fixture
def llm() -> Iterator[tuple[FakeOpenAI, str]]:
    with FakeOpenAI(default=PARAGRAPH) as fake:
        yield fake, fake.base_url


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> Path:  # noqa: ANN001
    """A real Chroma store with the Seaview Towers brochure, under a data directory."""
    from handlers.documents.ingest import ingest_paths
    from handlers.documents.store import open_store

    data_dir = tmp_path_factory.mktemp("campaign-docs")
    store = open_store(path=data_dir / "chroma")
    report = ingest_paths([FIXTURES / "seaview-towers.md"], store=store, progress=False)
    assert report.passages > 0
    return data_dir


def drainer_for(committed, settings, composer) -> Drainer:  # noqa: ANN001
    return Drainer(sessions=committed, transport=transport_from_settings(settings), composer=composer,
                   journal_dir=settings.data_dir / "outbox-journal")


def test_an_email_carries_the_projects_best_passages_and_a_grounded_paragraph(committed, smtp, seed, settings,
                                                                             documents, llm):
    recorder, _ = smtp
    fake, base_url = llm
    settings = replace(settings, data_dir=documents, openai_base_url=base_url, llm_model="fake-model")
    s = seed(0, leads=[{"name": "Nora Jensen", "project": "Seaview Towers", "unit_type": "2BR"},
                       {"name": "Omar Haddad", "project": "Seaview Towers", "unit_type": "2BR"}],
             options={"passages": 2, "personal_paragraph": True})
    composer = Composer(settings=settings, renderer=Renderer(), personaliser=Personaliser(
        finder=documents_finder(settings), chat=chat_from_settings(settings)))
    drainer = drainer_for(committed, settings, composer)
    try:
        drainer.drain()
    finally:
        drainer.close()

    assert len(recorder.received) == 2
    text = recorder.to(s.emails[0])[0].parsed().get_body(("plain",)).get_content()
    assert PARAGRAPH in " ".join(text.split())
    assert "A few things from the brochure:" in text
    assert "balcony" in text or "rooftop pool" in text or "850,000" in text

    assert len(fake.requests) == 2  # one paragraph per lead
    assert fake.paths[0] == "/v1/chat/completions" and fake.requests[0]["model"] == "fake-model"
    system, user = fake.requests[0]["messages"]
    assert "Use only the facts in the passages" in system["content"]
    assert "Buyer: Nora" in user["content"] and "Seaview Towers" in user["content"]
    assert "Passages:\n[1]" in user["content"]


def test_without_a_configured_llm_no_paragraph_is_written(committed, smtp, seed, settings, documents):
    recorder, _ = smtp
    settings = replace(settings, data_dir=documents)
    seed(0, leads=[{"name": "Nora Jensen", "project": "Seaview Towers"}],
         options={"passages": 1, "personal_paragraph": True})
    assert chat_from_settings(settings) is None
    composer = Composer(settings=settings, renderer=Renderer(), personaliser=Personaliser(
        finder=documents_finder(settings), chat=None))
    drainer = drainer_for(committed, settings, composer)
    try:
        drainer.drain()
    finally:
        drainer.close()
    text = recorder.received[0].parsed().get_body(("plain",)).get_content()
    assert "A few things from the brochure:" in text and PARAGRAPH not in " ".join(text.split())


def test_an_llm_outage_does_not_hold_up_the_campaign(committed, smtp, seed, settings, documents, llm):
    recorder, _ = smtp
    fake, base_url = llm
    fake.status = 503
    settings = replace(settings, data_dir=documents, openai_base_url=base_url)
    seed(0, leads=[{"name": "Nora Jensen", "project": "Seaview Towers"}],
         options={"passages": 1, "personal_paragraph": True})
    composer = Composer(settings=settings, renderer=Renderer(), personaliser=Personaliser(
        finder=documents_finder(settings), chat=chat_from_settings(settings)))
    drainer = drainer_for(committed, settings, composer)
    try:
        report = drainer.drain()
    finally:
        drainer.close()
    assert report.sent == 1 and len(fake.requests) == 1
    assert PARAGRAPH not in recorder.received[0].parsed().get_body(("plain",)).get_content()


def test_a_lead_without_a_project_gets_no_passages_and_no_llm_call(llm):
    fake, _ = llm
    calls: list[dict] = []

    def finder(**kw):  # noqa: ANN003, ANN202
        calls.append(kw)
        return [{"text": "x", "title": "t", "heading": ""}]

    class Chat:
        def complete(self, messages):  # noqa: ANN001, ANN202
            raise AssertionError("not called")

    p = Personaliser(finder=finder, chat=Chat())
    assert p.passages(lead={"project": None}, limit=2) == []
    assert p.paragraph(lead={}, agent={}, campaign_name="x", passages=[]) == ""
    assert calls == [] and fake.requests == []
