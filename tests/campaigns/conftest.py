"""A real SMTP peer (aiosmtpd on a free port) that records what it accepts and can be told to
answer 4xx/5xx, go slow, or hold a transaction open; plus campaigns with committed leads."""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Callable, Iterator

import pytest
from aiosmtpd.controller import Controller

from bot.context import AppContext
from bot.settings import Settings
from crm.models import Agent, Lead
from handlers.campaigns import service
from handlers.campaigns.compose import Composer
from handlers.campaigns.drain import Drainer, SendPolicy
from handlers.campaigns.render import Renderer
from handlers.campaigns.transport import transport_from_settings
from tests.campaigns.support import Recorder, Seeded, free_port, start_campaign


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, ready_timeout=30)
    controller.start()
    try:
        yield recorder, port
    finally:
        recorder.release.set()
        controller.stop()


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp) -> Settings:  # noqa: ANN001
    _, port = smtp
    return Settings(data_dir=tmp_path, database_url=database_url, smtp_url=f"smtp://127.0.0.1:{port}",
                    public_url="https://crm.example.test", mail_domains=("crmbot.test",),
                    mail_from="sales@crmbot.test")


@pytest.fixture
def ctx(settings: Settings, engine) -> AppContext:  # noqa: ANN001
    return AppContext(settings, _engine=engine)


@pytest.fixture
def composer(settings: Settings) -> Composer:
    return Composer(settings=settings, renderer=Renderer())


@pytest.fixture
def drainer_factory(committed, settings, composer) -> Iterator[Callable[..., Drainer]]:  # noqa: ANN001
    made: list[Drainer] = []

    def make(*, policy: SendPolicy | None = None, transport=None, clock=None) -> Drainer:  # noqa: ANN001
        kwargs = {"clock": clock} if clock else {}
        d = Drainer(sessions=committed, transport=transport or transport_from_settings(settings), composer=composer,
                    journal_dir=settings.data_dir / "outbox-journal", policy=policy or SendPolicy(), **kwargs)
        made.append(d)
        return d

    yield make
    for d in made:
        if d.journal._fd >= 0:
            d.close()


@pytest.fixture
def seed(committed, composer):  # noqa: ANN001, ANN201
    """seed(n, start=True, **campaign options) -> Seeded: an agent, n leads, a campaign (running)."""

    def make(n: int, *, start: bool = True, leads: list[dict] | None = None, name: str | None = None,
             audience: dict | None = None, template_source: str | None = None, **campaign_kw) -> Seeded:  # noqa: ANN003
        tag = secrets.token_hex(3)
        with committed.begin() as session:
            agent = Agent(name="Alex Morgan", email=f"alex.{tag}@agency.example", timezone="Europe/London")
            session.add(agent)
            session.flush()
            specs = leads if leads is not None else [{} for _ in range(n)]
            made = []
            for i, spec in enumerate(specs):
                fields = {"name": f"Lead {i:04d} Test", "email": f"lead{i:04d}.{tag}@example.com",
                          "status": "new", "project": "Harbour View", "unit_type": "2BR",
                          "token": secrets.token_urlsafe(16), "owner_id": agent.id, **spec}
                lead = Lead(**fields)
                session.add(lead)
                made.append(lead)
            session.flush()
            view = service.create_campaign(
                session, name=name or f"Launch {tag}", sender=f"Alex Morgan <{agent.email}>",
                audience=audience or {}, composer=composer,
                template=None if template_source else "new_launch", template_source=template_source,
                template_label="test.j2" if template_source else None, actor=None, **campaign_kw)
            cid, aid = view.id, agent.id
            lead_ids = [lead.id for lead in made]
            emails = [lead.email for lead in made]
        if start:
            start_campaign(committed, cid)
        return Seeded(campaign_id=cid, agent_id=aid, lead_ids=lead_ids, emails=emails)

    return make
