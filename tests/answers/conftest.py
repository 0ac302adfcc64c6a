"""A small sales team in the real test database, and a real Chroma store of two documents."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crm.models import Agent, FollowUp, Interaction, Lead

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "answers"
LONDON = ZoneInfo("Europe/London")


@dataclass
class Team:
    alex: Agent
    sam: Agent
    dana: Agent
    leads: dict[str, Lead]
    now: datetime  # local to the agents (Europe/London)


@pytest.fixture
def team(session, make_agent, make_lead, now) -> Team:  # noqa: ANN001
    """Alex (agent) owns four leads, Sam (agent) one, Dana is an admin. ``now`` is Wednesday
    18 November 2026, 15:30 in London."""
    alex = make_agent("Alex Morgan")
    sam = make_agent("Sam Lee")
    dana = make_agent("Dana Whitfield", role="admin")
    local = now.astimezone(LONDON)
    leads = {
        "John Doe": make_lead("John Doe", owner=alex, status="negotiating", project="Seagrass Point",
                              unit_type="2BR", budget_min=900_000, budget_max=1_200_000, source="website",
                              company="Acme Ltd", created_at=now - timedelta(days=47),
                              last_contacted_at=now - timedelta(days=17)),
        "Mary Poppins": make_lead("Mary Poppins", owner=alex, status="negotiating", project="Harbour View",
                                  unit_type="3BR", budget_min=450_000, budget_max=500_000, source="referral",
                                  created_at=now - timedelta(days=1)),
        "Carlos Rivera": make_lead("Carlos Rivera", owner=alex, status="qualified", project="Seagrass Point",
                                   unit_type="3BR", budget_min=600_000, budget_max=750_000, source="portal",
                                   created_at=now - timedelta(days=8), last_contacted_at=now - timedelta(days=8)),
        "Max Müller": make_lead("Max Müller", owner=alex, status="new", unit_type="Studio", budget_max=300_000,
                                created_at=now - timedelta(hours=3)),
        "Peter Parker": make_lead("Peter Parker", owner=sam, status="negotiating", project="Seagrass Point",
                                  unit_type="2BR", budget_min=600_000, budget_max=700_000,
                                  created_at=now - timedelta(days=30), last_contacted_at=now - timedelta(days=20)),
    }
    session.add_all([
        Interaction(lead=leads["John Doe"], agent_id=alex.id, kind="call", summary="Wants sea view",
                    occurred_at=now - timedelta(days=17)),
        Interaction(lead=leads["Carlos Rivera"], agent_id=alex.id, kind="meeting", summary="Met at the office",
                    occurred_at=now - timedelta(days=8)),
        Interaction(lead=leads["Peter Parker"], agent_id=sam.id, kind="meeting", summary="Penthouse walkthrough",
                    occurred_at=now - timedelta(days=8)),
        FollowUp(lead=leads["John Doe"], agent_id=alex.id, title="Send floor plans",
                 due_at=local.replace(hour=17, minute=0)),
        FollowUp(lead=leads["Mary Poppins"], agent_id=alex.id, title="Call back", due_at=now - timedelta(days=2)),
        FollowUp(lead=leads["Carlos Rivera"], agent_id=alex.id, title="Send contract", due_at=now + timedelta(days=7)),
        FollowUp(lead=leads["Peter Parker"], agent_id=sam.id, title="Send offer", due_at=local.replace(hour=12)),
    ])
    session.flush()
    return Team(alex=alex, sam=sam, dana=dana, leads=leads, now=local)


def _documents() -> list[dict]:
    return json.loads((FIXTURES / "documents.json").read_text(encoding="utf-8"))["documents"]


@pytest.fixture(scope="package")
def doc_store(tmp_path_factory):  # noqa: ANN001, ANN201
    """A real Chroma store holding the two fixture documents (read-only for the tests)."""
    from handlers.documents.ingest import TextSource, ingest_texts
    from handlers.documents.store import open_store

    store = open_store(path=tmp_path_factory.mktemp("answers-chroma"))
    ingest_texts([TextSource(doc_id=d["id"], text=d["text"], title=d["title"], project=d["project"])
                  for d in _documents()], store=store)
    return store
