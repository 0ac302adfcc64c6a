"""How Slack reaches the app: ``POST /slack/events`` over HTTP, or Socket Mode.

One endpoint takes events, slash commands and interactivity, as Slack's app settings expect
(https://api.slack.com/apis/connections/events-api#the-events-api__subscribing-to-event-types__events-api-request-urls).
Bolt verifies the signature and the timestamp (refusing requests older than 5 minutes) before
any listener runs, and answers 401 otherwise.

With ``SLACK_APP_TOKEN`` set the app connects out over Socket Mode instead and the HTTP endpoint
answers 503; with no Slack credentials it answers 503 and the rest of the web process runs on.
"""
from __future__ import annotations

import logging
from typing import Iterable

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.slack.app import SlackApp, build, http_mode, socket_mode
from bot.context import AppContext

log = logging.getLogger("crmbot.slack.http")

PATH = "/slack/events"
BODY_MAX = 1024 * 1024  # Slack's payloads are a few kB; anything this large is not from Slack.


def routes(ctx: AppContext) -> Iterable[BaseRoute]:
    if not http_mode(ctx.settings):
        reason = "socket mode" if socket_mode(ctx.settings) else "not configured"
        log.info("slack http endpoint off", extra={"reason": reason})
        return [Route(PATH, _unavailable, methods=["POST"])]
    slack = build(ctx)
    return [SlackEndpoint(slack.bolt, inline=slack.ready, owner=slack).route()]


class SlackEndpoint:
    """``POST /slack/events``. ``inline`` runs Bolt in the event loop: its acknowledgement path does
    no I/O (a millisecond of signature checking and routing), and skipping the hop to a worker
    thread is what keeps acknowledgements fast while work threads are busy. Without a cached
    ``auth.test`` Bolt would call Slack on the first request, so then it runs in a thread.
    """

    def __init__(self, app: App, *, inline: bool = True, owner: SlackApp | None = None) -> None:
        self.app, self.inline, self.owner = app, inline, owner

    async def handle(self, request: Request) -> Response:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > BODY_MAX:
            return PlainTextResponse("payload too large", status_code=413)
        body = await request.body()
        if len(body) > BODY_MAX:
            return PlainTextResponse("payload too large", status_code=413)
        bolt_request = to_bolt_request(request, body)
        if self.inline:
            bolt_response = self.app.dispatch(bolt_request)
        else:
            bolt_response = await run_in_threadpool(self.app.dispatch, bolt_request)
        return to_starlette_response(bolt_response)

    def route(self) -> Route:
        return Route(PATH, self.handle, methods=["POST"])


async def _unavailable(request: Request) -> Response:
    return PlainTextResponse("slack is not enabled on this server", status_code=503)


class SocketModeComponent:
    """Keeps a Socket Mode connection open while the web process runs."""

    name = "slack-socket-mode"

    def __init__(self, handler: SocketModeHandler, slack: SlackApp) -> None:
        self.handler, self.slack = handler, slack

    def start(self) -> None:
        self.handler.connect()  # returns once connected; the client reconnects by itself

    def stop(self) -> None:
        self.handler.close()
        self.slack.close()


def socket_component(ctx: AppContext) -> SocketModeComponent | None:
    if not socket_mode(ctx.settings):
        return None
    slack = build(ctx, socket=True)
    return SocketModeComponent(SocketModeHandler(slack.bolt, app_token=ctx.settings.slack_app_token), slack)
