"""A database of its own for the brain's tests: the graph's checkpoint tables live next to the CRM's,
and keeping them out of the shared test database keeps its schema equal to the models.

SQLite by default; a schema of its own on PostgreSQL when CRMBOT_TEST_DATABASE_URL is set. Every
test starts from the same small team (tests/fixtures/brain/team.json), committed for real, so
other processes (a second `crmbot chat`) see it.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Iterator

import pytest
from sqlalchemy import Engine, inspect, text

from bot.context import AppContext
from bot.settings import Settings
from crm import migrate
from tests.conftest import own_database
from crm.db import make_engine
from crm.models import Agent, Base, FollowUp, Interaction, Lead

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "brain" / "team.json"
KEEP_TABLES = {"schema_registry", "alembic_version", "checkpoint_migrations"}
CHECKPOINT_TABLES = ("checkpoints", "writes", "checkpoint_blobs", "checkpoint_writes")


@pytest.fixture(scope="session")
def brain_db_url(tmp_path_factory) -> Iterator[str]:  # noqa: ANN001
    with own_database(tmp_path_factory, "brain") as url:
        yield url


@pytest.fixture(scope="session")
def brain_engine(brain_db_url: str) -> Iterator[Engine]:
    eng = make_engine(brain_db_url)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def understander():  # noqa: ANN201
    from bot.understanding import Understander

    return Understander()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@dataclass
class Team:
    url: str
    ctx: AppContext
    now: datetime
    agents: dict[str, int] = field(default_factory=dict)  # key -> id
    leads: dict[str, int] = field(default_factory=dict)  # name -> id


def _empty(engine: Engine) -> None:
    present = set(inspect(engine).get_table_names())
    with engine.begin() as conn:
        for name in CHECKPOINT_TABLES:
            if name in present:
                conn.execute(text(f"DELETE FROM {name}"))
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in KEEP_TABLES:
                conn.execute(table.delete())


def _load(ctx: AppContext, data: dict, now: datetime) -> tuple[dict[str, int], dict[str, int]]:
    with ctx.sessions.begin() as s:
        agents = {}
        for a in data["agents"]:
            agent = Agent(name=a["name"], email=a["email"], role=a["role"], timezone=a["timezone"])
            s.add(agent)
            s.flush()
            agents[a["key"]] = agent
        leads = {}
        for row in data["leads"]:
            lead = Lead(name=row["name"], company=row.get("company"), email=row["email"], status=row["status"],
                        owner=agents[row["owner"]], project=row.get("project"), unit_type=row.get("unit_type"),
                        budget_min=row.get("budget_min"), budget_max=row.get("budget_max"),
                        token=secrets.token_urlsafe(16), created_at=now - timedelta(days=30))
            s.add(lead)
            s.flush()
            leads[row["name"]] = lead
        for i in data["interactions"]:
            lead = leads[i["lead"]]
            at = now - timedelta(hours=i["hours_ago"])
            s.add(Interaction(lead=lead, agent=lead.owner, kind=i["kind"], summary=i["summary"], occurred_at=at))
            if lead.last_contacted_at is None or at > lead.last_contacted_at:
                lead.last_contacted_at = at
        for f in data["follow_ups"]:
            lead = leads[f["lead"]]
            s.add(FollowUp(lead=lead, agent=lead.owner, title=f["title"],
                           due_at=now + timedelta(hours=f["hours_from_now"])))
        s.flush()
        return {k: a.id for k, a in agents.items()}, {k: lead.id for k, lead in leads.items()}


@pytest.fixture
def team_at(brain_engine: Engine, brain_db_url: str, tmp_path: Path) -> Iterator[Callable[[datetime | None], Team]]:
    """Load the team with times relative to ``now`` (the fixture's fixed time by default)."""
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    settings = Settings(database_url=brain_db_url, data_dir=tmp_path)
    ctx = AppContext(settings, _engine=brain_engine)

    def make(now: datetime | None = None) -> Team:
        when = now or datetime.fromisoformat(data["now"])
        _empty(brain_engine)
        agents, leads = _load(ctx, data, when)
        return Team(brain_db_url, ctx, when, agents, leads)

    yield make
    _empty(brain_engine)


@pytest.fixture
def team(team_at) -> Team:  # noqa: ANN001
    return team_at(None)


@pytest.fixture
def make_brain(understander) -> Iterator[Callable[..., object]]:  # noqa: ANN001
    from bot.brain import Brain

    made: list[Brain] = []

    def make(team: Team, *, clock: Callable[[], datetime] | None = None, answerer: object = None,
             **settings: object) -> Brain:
        ctx = team.ctx
        if settings:
            ctx = AppContext(replace(ctx.settings, **settings), _engine=ctx.engine)
        brain = Brain(ctx=ctx, understander=understander, answerer=answerer, clock=clock or Clock(team.now))
        made.append(brain)
        return brain

    yield make
    for b in made:
        b.close()
