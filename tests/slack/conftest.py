"""Slack fixtures: the fake Web API, and the real web app (Bolt inside Starlette) served by uvicorn."""
from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import httpx
import pytest
import uvicorn

from bot.channels.slack import http as slack_http
from bot.channels.slack.app import build
from bot.context import AppContext
from bot.settings import Settings
from bot.web import build_app as build_web
from crm.models import Agent, Lead
from tests.slack.slackfake import FORM, JSON, SECRET, FakeSlackApi, signed_headers


@pytest.fixture
def slack_api() -> Iterator[FakeSlackApi]:
    api = FakeSlackApi().start()
    yield api
    api.stop()


def slack_settings(api: FakeSlackApi, **kw: Any) -> Settings:
    values: dict[str, Any] = dict(slack_bot_token="xoxb-test-token", slack_signing_secret=SECRET,
                                  slack_api_url=api.url, undo_minutes=10, plan_ttl_minutes=30)
    values.update(kw)
    return Settings(**values)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SlackServer:
    """The web process's Starlette app with the Slack route, over real HTTP."""

    base: str
    api: FakeSlackApi
    ctx: AppContext
    http: httpx.Client

    def post(self, body: str, *, content_type: str, **sign: Any) -> httpx.Response:
        return self.http.post(f"{self.base}/slack/events", content=body.encode(),
                              headers=signed_headers(body, content_type=content_type, **sign))

    def command(self, body: str, **sign: Any) -> httpx.Response:
        return self.post(body, content_type=FORM, **sign)

    def event(self, body: str, **sign: Any) -> httpx.Response:
        return self.post(body, content_type=JSON, **sign)

    def action(self, body: str, **sign: Any) -> httpx.Response:
        return self.post(body, content_type=FORM, **sign)


def serve(app: Any) -> tuple[str, Callable[[], None]]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False,
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return f"http://127.0.0.1:{port}", stop


@pytest.fixture
def slack_server_factory(engine, committed, slack_api) -> Iterator[Callable[..., SlackServer]]:  # noqa: ANN001
    stops: list[Callable[[], None]] = []
    clients: list[httpx.Client] = []

    def make(*, brain: Any = None, **settings: Any) -> SlackServer:
        """The web app with the Slack routes as `crmbot serve` builds them (or with a given brain)."""
        ctx = AppContext(slack_settings(slack_api, **settings), _engine=engine)
        if brain is None:
            routes = list(slack_http.routes(ctx))
            slack = routes[0].endpoint.__self__.owner
        else:
            slack = build(ctx, brain=brain)
            routes = [slack_http.SlackEndpoint(slack.bolt, owner=slack).route()]
        base, stop = serve(build_web(ctx, [lambda _ctx: routes]))
        stops.append(stop)
        stops.append(slack.close)
        client = httpx.Client(timeout=30)
        clients.append(client)
        return SlackServer(base, slack_api, ctx, client)

    yield make
    for c in clients:
        c.close()
    for stop in stops:
        stop()


@pytest.fixture
def slack_server(slack_server_factory) -> SlackServer:  # noqa: ANN001
    return slack_server_factory()


@pytest.fixture
def team(committed):  # noqa: ANN001
    """Alex (linked), Sam (linked) and an admin; John Doe and Mary Poppins belong to Alex."""
    with committed.begin() as s:
        alex = Agent(name="Alex Morgan", email="alex@agency.example", slack_user_id="U0ALEX", timezone="Europe/London")
        sam = Agent(name="Sam Lee", email="sam@agency.example", slack_user_id="U0SAM", timezone="Europe/London")
        ada = Agent(name="Ada Admin", email="ada@agency.example", slack_user_id="U0ADA", role="admin")
        s.add_all([alex, sam, ada])
        s.flush()
        s.add_all([
            Lead(name="John Doe", email="john.doe@acme.example", company="Acme Ltd", status="contacted", owner_id=alex.id),
            Lead(name="Mary Poppins", email="mary@cherrytree.example", company="Cherry Tree", status="new",
                 owner_id=alex.id),
        ])
    return committed
