"""Shared fixtures: a real database (SQLite by default, PostgreSQL when asked), migrated once.

Set CRMBOT_TEST_DATABASE_URL to a PostgreSQL URL to run the suite there. Each test run gets a
schema of its own on PostgreSQL, so runs side by side never see each other's rows. If the URL
is set and the server is unreachable, the run fails: nothing is skipped.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
import secrets
from datetime import datetime, timezone
from typing import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from crm import migrate
from crm.db import make_engine
from crm.models import Agent, Base, Lead

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")


def _postgres_url_with_schema(url: str, schema: str) -> str:
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    query = dict(parsed.query)
    query["options"] = f"-csearch_path={schema}"
    return parsed.set(query=query).render_as_string(hide_password=False)


@contextmanager
def own_database(tmp_path_factory, name: str) -> Iterator[str]:  # noqa: ANN001
    """A database URL for this run alone: a SQLite file, or a fresh schema on the PostgreSQL server
    named by CRMBOT_TEST_DATABASE_URL (dropped afterwards)."""
    wanted = os.environ.get("CRMBOT_TEST_DATABASE_URL")
    if not wanted:
        yield f"sqlite:///{tmp_path_factory.mktemp(name) / 'crmbot.sqlite3'}"
        return
    schema = f"crmbot_{name}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(_postgres_url_with_schema(wanted, "public"))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _postgres_url_with_schema(wanted, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:  # noqa: ANN001
    with own_database(tmp_path_factory, "test") as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test, commits included (savepoints)."""
    conn = engine.connect()
    trans = conn.begin()
    s = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield s
    finally:
        s.close()
        trans.rollback()
        conn.close()


KEEP_TABLES = {"schema_registry", "alembic_version"}


@pytest.fixture
def committed(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Real commits (for tests with several threads or processes); every table is emptied after."""
    factory = sessionmaker(engine, expire_on_commit=False)
    _empty(engine)
    yield factory
    _empty(engine)


def _empty(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in KEEP_TABLES:
                conn.execute(table.delete())


@pytest.fixture
def make_agent(session: Session):  # noqa: ANN201
    def make(name: str = "Alex Morgan", email: str | None = None, role: str = "agent",
             tz: str = "Europe/London", **kw) -> Agent:  # noqa: ANN003
        agent = Agent(name=name, email=email or f"{name.split()[0].lower()}.{secrets.token_hex(3)}@agency.example",
                      role=role, timezone=tz, **kw)
        session.add(agent)
        session.flush()
        return agent

    return make


@pytest.fixture
def make_lead(session: Session):  # noqa: ANN201
    def make(name: str = "John Doe", owner: Agent | None = None, **kw) -> Lead:  # noqa: ANN003
        kw.setdefault("email", f"{name.lower().replace(' ', '.')}.{secrets.token_hex(3)}@example.com")
        kw.setdefault("status", "new")
        kw.setdefault("token", secrets.token_urlsafe(16))
        lead = Lead(name=name, owner=owner, **kw)
        session.add(lead)
        session.flush()
        return lead

    return make


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 18, 15, 30, tzinfo=timezone.utc)
